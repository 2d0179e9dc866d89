//! The header scanner: reads a Go file up to the end of its import
//! declarations, as `go/build`'s `readGoInfo` does, and records byte spans.

use super::Span;
use super::constraint::Expr;

/// Everything `go/build` reads from one file's header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileHeader {
    /// The package name and the span of the name in `package name`.
    pub package: Option<(String, Span)>,
    /// Span of the `package` keyword through the name.
    pub package_clause: Option<Span>,
    /// The `//go:build` expression and the span of its line.
    pub go_build: Option<(Expr, Span)>,
    /// Each `// +build` line that counts (before the package clause and
    /// followed by a blank line), with its span; all must hold (AND).
    pub plus_build: Vec<(Expr, Span)>,
    /// Every import spec except `import "C"`, in source order.
    pub imports: Vec<ImportSpec>,
    /// `import "C"`, if present, with the `#cgo` directives of its preamble.
    pub import_c: Option<ImportC>,
    /// Whether `embed` is imported (go/build then scans for `//go:embed`).
    pub imports_embed: bool,
    /// Problems found while scanning (syntax errors, NUL bytes, several
    /// `//go:build` lines, bad constraint expressions...). A file with errors
    /// still yields whatever could be read before the error.
    pub errors: Vec<HeaderError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSpec {
    /// The unquoted import path.
    pub path: String,
    /// `_`, `.` or an identifier when the import is named.
    pub name: Option<String>,
    /// Span of the whole spec (name and path literal).
    pub span: Span,
    /// Span of the path literal including its quotes.
    pub path_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportC {
    /// Span of the `"C"` literal.
    pub span: Span,
    /// `#cgo` directives from the doc comment immediately preceding the
    /// import spec (or the `import` keyword for an ungrouped import).
    pub directives: Vec<CgoDirective>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CgoVerb {
    CFlags,
    CppFlags,
    CxxFlags,
    FFlags,
    LdFlags,
    PkgConfig,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgoDirective {
    /// The conditions before the verb (`linux,amd64`, `!windows`), as
    /// written; several conditions are ORed (see `CgoDirective::applies`).
    pub conditions: Vec<String>,
    pub verb: CgoVerb,
    /// Arguments split the way cmd/go's `splitQuoted` does.
    pub args: Vec<String>,
    /// Span of the whole `#cgo ...` line.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    pub message: String,
    pub span: Span,
}

/// Scans the header of one Go file.
pub fn scan_header(src: &[u8]) -> FileHeader {
    let _ = src;
    todo!("gosrc helper implements this")
}

impl CgoDirective {
    /// Whether the directive applies under `ctx`: no conditions, or any
    /// condition satisfied (each uses `//go:build` syntax if it contains
    /// `&|()`, else `+build` syntax), as cmd/go's `saveCgo` decides.
    pub fn applies(&self, ctx: &super::TagContext) -> bool {
        let _ = ctx;
        todo!("gosrc helper implements this")
    }
}
