//! Reading Go source files the way `go/build` does: the header (build
//! constraints, package clause, imports, `import "C"` with its `#cgo`
//! directives) and the file-name rules. Pure functions of bytes: nothing here
//! touches the file system, modules or the LSP.

pub mod constraint;
pub mod filename;
pub mod header;
mod parser;
mod reader;
pub mod select;
pub mod syslist;
pub mod tags;
mod unicode;

pub use constraint::Expr;
pub use header::{
    CgoDirective, CgoVerb, ErrorKind, FileHeader, HeaderError, ImportC, ImportSpec,
    LinklensDirective, scan_header, scan_header_prefix,
};
pub use select::{Exclusion, select_file};
pub use tags::{TagContext, TagQuery, arch_feature_tags, release_tags};

/// A half-open byte range `[start, end)` into the file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// `strconv.Quote` of a byte string, as go prints paths in its messages:
/// printable runes as they are, invalid UTF-8 as `\xNN`.
pub fn go_quote(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{b}' => out.push_str("\\v"),
                // unicode.IsPrint: graphic, but of the spaces only U+0020.
                c if c == ' ' || (unicode::is_graphic(c) && !unicode::is_space(c)) => out.push(c),
                c if (c as u32) < 0x80 => _ = write!(out, "\\x{:02x}", c as u32),
                c if (c as u32) < 0x10000 => _ = write!(out, "\\u{:04x}", c as u32),
                c => _ = write!(out, "\\U{:08x}", c as u32),
            }
        }
        for b in chunk.invalid() {
            _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod quote_tests {
    /// Expected values printed by Go's strconv.Quote.
    #[test]
    fn quotes_as_go_does() {
        assert_eq!(super::go_quote(b"m/\xc0"), r#""m/\xc0""#);
        assert_eq!(
            super::go_quote("a \"é\"\t\u{a0}\u{7f}".as_bytes()),
            r#""a \"é\"\t\u00a0\x7f""#
        );
        assert_eq!(super::go_quote(b"\xe2\x82"), r#""\xe2\x82""#);
    }
}
