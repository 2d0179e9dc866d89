//! The header scanner: reads a Go file up to the end of its import
//! declarations, as `go/build`'s `readGoInfo` does, and records byte spans.
//!
//! `scan_header` follows go/build's own sequence:
//! 1. skip a UTF-8 BOM;
//! 2. `readGoInfo`'s byte reader finds how far go/build reads (the header)
//!    and fails on a NUL byte (`reader.rs`);
//! 3. `parseFileHeader`: `//go:build` and `// +build` lines of the leading
//!    comment block;
//! 4. go/parser (ImportsOnly) on the header: package clause, imports and
//!    their doc comments (`parser.rs`);
//! 5. `readGoInfo`'s checks on the imports (valid path, `embed`), and
//!    `saveCgo`'s reading of `#cgo` lines in the `import "C"` doc comment.

use super::Span;
use super::constraint::{Expr, parse_go_build, parse_plus_build};
use super::parser::{self, CommentGroup, decode_utf8, unquote};
use super::reader::read_go_info;
use super::tags::TagContext;
use super::unicode::{is_graphic, is_space};

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
    /// `//linklens:` directive comments in the header (see
    /// [`LinklensDirective`]).
    pub directives: Vec<LinklensDirective>,
    /// Problems found while scanning (syntax errors, NUL bytes, several
    /// `//go:build` lines, bad constraint expressions...). A file with errors
    /// still yields whatever could be read before the error.
    pub errors: Vec<HeaderError>,
    /// Taken from cmd/go's module index (`load::go_index`), not read from
    /// the file: the spans are placeholders (import `i` at `i + 1..i + 1`,
    /// the package clause and constraints at `0..0`), import names and
    /// `//linklens:` directives are missing. `Sources::exact_header` reads
    /// the file for them.
    pub inexact: bool,
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

/// A `//linklens:` line comment in a file's header, go-directive style
/// (no space after `//`): `//linklens:expect dynamic` anywhere in the
/// header of a main package's file, `//linklens:ignore <reason>` at the end
/// of an import spec's line or on the line just above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinklensDirective {
    /// The words after `//linklens:` (`expect dynamic`, `ignore we ship on
    /// Debian`).
    pub text: String,
    /// The comment, from `//` to the end of its line.
    pub span: Span,
    /// The import path of the spec it annotates, if it sits on that spec's
    /// line or on the line above it.
    pub import: Option<String>,
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

impl CgoVerb {
    fn parse(s: &str) -> Option<CgoVerb> {
        Some(match s {
            "CFLAGS" => CgoVerb::CFlags,
            "CPPFLAGS" => CgoVerb::CppFlags,
            "CXXFLAGS" => CgoVerb::CxxFlags,
            "FFLAGS" => CgoVerb::FFlags,
            "LDFLAGS" => CgoVerb::LdFlags,
            "pkg-config" => CgoVerb::PkgConfig,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgoDirective {
    /// The conditions before the verb (`linux,amd64`, `!windows`), as
    /// written; several conditions are ORed (see `CgoDirective::applies`).
    pub conditions: Vec<String>,
    pub verb: CgoVerb,
    /// Arguments split the way cmd/go's `splitQuoted` does. `${SRCDIR}` is
    /// left for the caller to expand (it depends on the directory).
    pub args: Vec<String>,
    /// Span of the whole `#cgo ...` line.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    pub message: String,
    pub span: Span,
    /// When the error matters to go/build.
    pub kind: ErrorKind,
}

/// go/build meets header errors at different points, so they matter under
/// different conditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file cannot be read (a NUL byte in the header): go/build reports
    /// it whatever the build constraints say.
    Read,
    /// Several `//go:build` lines or an unparsable one: go/build cannot
    /// evaluate the constraint and reports the file whatever the build
    /// configuration.
    Constraint,
    /// Syntax error or invalid import path: reported only if the file is
    /// selected (constraints satisfied).
    Syntax,
    /// A malformed `#cgo` line: reported only if the file is selected and,
    /// when the line has conditions, one of them holds (go/build checks the
    /// conditions first). Reported even with cgo disabled.
    Cgo { conditions: Vec<String> },
}

impl HeaderError {
    fn new(kind: ErrorKind, span: Span, message: impl Into<String>) -> Self {
        HeaderError {
            message: message.into(),
            span,
            kind,
        }
    }
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// go/build's message for a file with several `//go:build` lines (cmd/go's
/// module index rejects such a file before looking at its name).
pub const MULTIPLE_GO_BUILD: &str = "multiple //go:build comments";

/// Scans the header of one Go file.
pub fn scan_header(src: &[u8]) -> FileHeader {
    let start = if src.starts_with(BOM) { BOM.len() } else { 0 };
    scan_read(src, start, read_go_info(src, start))
}

/// `scan_header` of a file from its first bytes, if they hold the whole
/// header: go/build reads no further (unless the import reader fails, and
/// then the parser sees the whole file). `None` means: read it all.
pub fn scan_header_prefix(prefix: &[u8]) -> Option<FileHeader> {
    let start = if prefix.starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let read = read_go_info(prefix, start);
    // A header that ends (or fails) at the cut may go on past it.
    let inside = match read.nul_at {
        Some(at) => at < prefix.len(),
        // The reader stops one byte past the header, after seeing what
        // follows it; at the cut it would have stopped with `header_end`
        // at the end (end of input, or an error: then go parses it all).
        None => read.header_end < prefix.len(),
    };
    inside.then(|| scan_read(prefix, start, read))
}

fn scan_read(src: &[u8], start: usize, read: super::reader::ReadResult) -> FileHeader {
    let mut h = FileHeader::default();
    if let Some(at) = read.nul_at {
        h.errors.push(HeaderError::new(
            ErrorKind::Read,
            Span::new(at, at + 1),
            "unexpected NUL in input",
        ));
    }

    read_constraints(src, start, read.header_end, &mut h);

    let parsed = parser::parse_header(src, start, read.header_end);
    h.package = parsed.package;
    h.package_clause = parsed.package_clause;
    // After a NUL, go/build reports only the read error; what the parser
    // makes of the truncated header is noise.
    if read.nul_at.is_none() {
        h.errors.extend(
            parsed
                .errors
                .into_iter()
                .map(|(span, m)| HeaderError::new(ErrorKind::Syntax, span, m)),
        );
    }
    record_imports(src, parsed.imports, &mut h);
    h.directives = linklens_directives(src, start, read.header_end, &h.imports);
    // Errors found at the end of input point just past it; keep every span
    // sliceable.
    for e in &mut h.errors {
        e.span.end = e.span.end.min(src.len());
        e.span.start = e.span.start.min(e.span.end);
    }
    h
}

const DIRECTIVE: &[u8] = b"//linklens:";

/// The `//linklens:` line comments between `start` and the header's end
/// (and to the end of that line, where an import's trailing comment sits).
/// A comment counts only outside `/* */` and after nothing but blanks or a
/// complete import spec on its line, so a `//linklens:` inside a cgo
/// preamble's block comment or a string is never taken.
fn linklens_directives(
    src: &[u8],
    start: usize,
    end: usize,
    imports: &[ImportSpec],
) -> Vec<LinklensDirective> {
    let end = src[end.min(src.len())..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(src.len(), |i| end + i);
    let region = &src[start.min(end)..end];
    // (memmem: a byte-by-byte search of every header's comments was a
    // twentieth of a cold check's CPU.)
    if memchr::memmem::find(region, DIRECTIVE).is_none() {
        return Vec::new();
    }
    let line_of = |at: usize| {
        src[..at.min(src.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    };
    let mut out = Vec::new();
    let mut in_block = false;
    let mut line_start = start;
    for line in region.split_inclusive(|&b| b == b'\n') {
        let here = line_start;
        line_start += line.len();
        let mut i = 0;
        let mut code_before = false;
        while i < line.len() {
            if in_block {
                match line[i..].windows(2).position(|w| w == b"*/") {
                    Some(j) => {
                        in_block = false;
                        i += j + 2;
                    }
                    None => break,
                }
                continue;
            }
            match line[i] {
                b'/' if line[i..].starts_with(b"/*") => {
                    in_block = true;
                    i += 2;
                }
                b'/' if line[i..].starts_with(b"//") => {
                    let at = here + i;
                    let body = &line[i..];
                    let comment_end =
                        at + body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
                    if body.starts_with(DIRECTIVE) {
                        let text = String::from_utf8_lossy(&src[at + DIRECTIVE.len()..comment_end])
                            .trim()
                            .to_string();
                        let this_line = line_of(at);
                        // Trailing an import spec on its line, else alone on
                        // the line above one.
                        let import = if code_before {
                            imports.iter().find(|s| line_of(s.span.end) == this_line)
                        } else {
                            imports
                                .iter()
                                .find(|s| line_of(s.span.start) == this_line + 1)
                        };
                        if !code_before || import.is_some() {
                            out.push(LinklensDirective {
                                text,
                                span: Span::new(at, comment_end),
                                import: import.map(|s| s.path.clone()),
                            });
                        }
                    }
                    break;
                }
                b'"' | b'`' => {
                    // Skip a string literal (an import path).
                    let q = line[i];
                    i += 1;
                    while i < line.len() && line[i] != q {
                        i += if line[i] == b'\\' && q == b'"' { 2 } else { 1 };
                    }
                    i += 1;
                    code_before = true;
                }
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                _ => {
                    code_before = true;
                    i += 1;
                }
            }
        }
    }
    out
}

/// go/build `parseFileHeader` + the `+build` half of `shouldBuild`. Only the
/// leading run of blank lines and comments counts. `//go:build` lines count
/// anywhere in it (outside `/* */`); `// +build` lines only before the last
/// blank line that precedes the first non-`//` line, so that a `+build` in
/// the package doc comment is not taken as a constraint.
fn read_constraints(src: &[u8], start: usize, end: usize, h: &mut FileHeader) {
    let content = src.get(start..end).unwrap_or_default();
    let mut plus_build_end = 0; // relative to `content`
    let mut ended = false;
    let mut in_slash_star = false;
    let mut go_build: Option<(usize, usize)> = None;

    'lines: for (line_start, raw) in lines(content) {
        let (ts, te) = trim_space(raw);
        let mut line = &raw[ts..te];
        if line.is_empty() && !ended {
            plus_build_end = (line_start + raw.len() + 1).min(content.len());
            continue;
        }
        if !line.starts_with(b"//") {
            ended = true;
        }
        if !in_slash_star && is_go_build_comment(line) {
            let span = (start + line_start + ts, start + line_start + te);
            if go_build.is_some() {
                h.errors.push(HeaderError::new(
                    ErrorKind::Constraint,
                    Span::new(span.0, span.1),
                    MULTIPLE_GO_BUILD,
                ));
                break;
            }
            go_build = Some(span);
        }
        while !line.is_empty() {
            if in_slash_star {
                let Some(i) = find(line, b"*/") else {
                    continue 'lines;
                };
                in_slash_star = false;
                let rest = &line[i + 2..];
                let (s, e) = trim_space(rest);
                line = &rest[s..e];
                continue;
            }
            if line.starts_with(b"//") {
                continue 'lines;
            }
            if let Some(rest) = line.strip_prefix(b"/*") {
                in_slash_star = true;
                let (s, e) = trim_space(rest);
                line = &rest[s..e];
                continue;
            }
            break 'lines; // non-comment text: the package clause
        }
    }

    if let Some((s, e)) = go_build {
        let text = String::from_utf8_lossy(&src[s + "//go:build".len()..e]);
        match parse_go_build(&text) {
            Ok(x) => h.go_build = Some((x, Span::new(s, e))),
            Err(msg) => h.errors.push(HeaderError::new(
                ErrorKind::Constraint,
                Span::new(s, e),
                format!("parsing //go:build line: {msg}"),
            )),
        }
    }

    for (line_start, raw) in lines(&content[..plus_build_end]) {
        let (ts, te) = trim_space(raw);
        let line = &raw[ts..te];
        let Some(text) = plus_build_text(line) else {
            continue;
        };
        // go/build silently skips a +build line too complex to parse.
        if let Ok(x) = parse_plus_build(&String::from_utf8_lossy(text)) {
            h.plus_build.push((
                x,
                Span::new(start + line_start + ts, start + line_start + te),
            ));
        }
    }
}

/// go/build `isGoBuildComment` on a trimmed line.
fn is_go_build_comment(line: &[u8]) -> bool {
    match line.strip_prefix(b"//go:build") {
        Some(rest) => rest.is_empty() || trim_space(rest).0 > 0,
        None => false,
    }
}

/// go/build/constraint `splitPlusBuild` on a trimmed line: the text after
/// `// +build`, if this is a `+build` line.
fn plus_build_text(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"//")?;
    let (s, e) = trim_space(rest);
    let rest = rest[s..e].strip_prefix(b"+build")?;
    let (s, e) = trim_space(rest);
    if s == 0 && !rest.is_empty() {
        return None; // `+buildx`
    }
    Some(&rest[s..e])
}

/// `readGoInfo`'s checks on the parsed imports, then `saveCgo`'s reading of
/// the `import "C"` doc comment.
fn record_imports(src: &[u8], raw: Vec<parser::RawImport>, h: &mut FileHeader) {
    for imp in raw {
        let lit = src.get(imp.path.start..imp.path.end).unwrap_or_default();
        // A malformed literal was already reported by the scanner.
        let Some(value) = unquote(lit) else { break };
        let path = match String::from_utf8(value) {
            Ok(p) if is_valid_import(&p) => p,
            other => {
                let shown = match other {
                    Ok(p) => p,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                };
                let msg = format!("invalid import path: {shown}");
                h.errors
                    .push(HeaderError::new(ErrorKind::Syntax, imp.path, msg));
                // go/build stops at the first invalid path.
                break;
            }
        };
        if path == "C" {
            let mut directives = Vec::new();
            if let Some(doc) = &imp.doc {
                read_cgo_directives(src, doc, &mut directives, &mut h.errors);
            }
            match &mut h.import_c {
                Some(c) => c.directives.extend(directives),
                None => {
                    h.import_c = Some(ImportC {
                        span: imp.path,
                        directives,
                    })
                }
            }
            continue;
        }
        h.imports_embed |= path == "embed";
        let span_start = imp.name.as_ref().map_or(imp.path.start, |(_, s)| s.start);
        h.imports.push(ImportSpec {
            path,
            name: imp.name.map(|(n, _)| n),
            span: Span::new(span_start, imp.path.end),
            path_span: imp.path,
        });
    }
}

/// go/build `isValidImport`: non-empty, graphic, no spaces, none of
/// ``!"#$%&'()*,:;<=>?[\]^{|}` `` and no U+FFFD.
fn is_valid_import(s: &str) -> bool {
    const ILLEGAL: &str = "!\"#$%&'()*,:;<=>?[\\]^{|}`\u{fffd}";
    // Nearly every path is ASCII: printable, not a space, not in ILLEGAL.
    if s.is_ascii() {
        return !s.is_empty()
            && s.bytes()
                .all(|b| (0x21..0x7f).contains(&b) && !ILLEGAL.as_bytes().contains(&b));
    }
    valid_import_chars(s, ILLEGAL)
}

/// `is_valid_import` as go/build words it, character by character.
fn valid_import_chars(s: &str, illegal: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| is_graphic(c) && !is_space(c) && !illegal.contains(c))
}

/// go/build `saveCgo`, the part that does not depend on the build
/// configuration: each line of the doc comment that starts with `#cgo`.
fn read_cgo_directives(
    src: &[u8],
    doc: &CommentGroup,
    out: &mut Vec<CgoDirective>,
    errors: &mut Vec<HeaderError>,
) {
    for c in &doc.comments {
        let text = src.get(c.start..c.end).unwrap_or_default();
        // The comment's text without its markers (go/ast CommentGroup.Text).
        let (inner_start, inner_end) = match text.get(1) {
            Some(b'*') if text.len() >= 4 && text.ends_with(b"*/") => (2, text.len() - 2),
            Some(b'*') => (2, text.len()), // unterminated: already an error
            _ => (2, text.len()),
        };
        let inner = text.get(inner_start..inner_end).unwrap_or_default();
        for (off, raw) in lines(inner) {
            let (ts, te) = trim_space(raw);
            let span = Span::new(
                c.start + inner_start + off + ts,
                c.start + inner_start + off + te,
            );
            let line: String = String::from_utf8_lossy(&raw[ts..te])
                .chars()
                .filter(|&ch| ch != '\r')
                .collect();
            match parse_cgo_line(&line) {
                CgoLine::NotCgo => {}
                CgoLine::Ok {
                    conditions,
                    verb,
                    args,
                } => out.push(CgoDirective {
                    conditions,
                    verb,
                    args,
                    span,
                }),
                CgoLine::Bad {
                    conditions,
                    message,
                } => {
                    errors.push(HeaderError::new(
                        ErrorKind::Cgo { conditions },
                        span,
                        message,
                    ));
                }
            }
        }
    }
}

enum CgoLine {
    NotCgo,
    Ok {
        conditions: Vec<String>,
        verb: CgoVerb,
        args: Vec<String>,
    },
    Bad {
        conditions: Vec<String>,
        message: String,
    },
}

/// One trimmed comment line, as `saveCgo` reads it:
/// `#cgo [cond ...] VERB: args`.
fn parse_cgo_line(line: &str) -> CgoLine {
    let Some(after) = line.strip_prefix("#cgo") else {
        return CgoLine::NotCgo;
    };
    if !after.starts_with([' ', '\t']) {
        return CgoLine::NotCgo;
    }
    // `#cgo noescape f` / `#cgo nocallback f` are not build directives.
    let words = fields(line);
    if words.len() == 3 && matches!(words[1], "nocallback" | "noescape") {
        return CgoLine::NotCgo;
    }
    let bad = |conditions: Vec<String>, message: String| CgoLine::Bad {
        conditions,
        message,
    };
    let Some((head, argstr)) = after.trim_matches(is_space).split_once(':') else {
        return bad(Vec::new(), format!("invalid #cgo line: {line}"));
    };
    let mut words: Vec<String> = fields(head).into_iter().map(str::to_string).collect();
    let Some(verb) = words.pop() else {
        return bad(Vec::new(), format!("invalid #cgo line: {line}"));
    };
    let conditions = words;
    // From here on go/build only complains if a condition holds.
    let Ok(args) = split_quoted(argstr) else {
        return bad(conditions, format!("invalid #cgo line: {line}"));
    };
    if let Some(arg) = args.iter().find(|a| !safe_cgo_arg(a)) {
        let message = format!("malformed #cgo argument: {arg}");
        return bad(conditions, message);
    }
    match CgoVerb::parse(&verb) {
        Some(verb) => CgoLine::Ok {
            conditions,
            verb,
            args,
        },
        None => bad(conditions, format!("invalid #cgo verb: {line}")),
    }
}

/// go/build `expandSrcDir`'s safety check, without the expansion: every
/// piece around `${SRCDIR}` must be made of shell-safe characters (the
/// directory itself is checked by whoever expands it).
fn safe_cgo_arg(arg: &str) -> bool {
    if !arg.contains("${SRCDIR}") {
        return safe_cgo_name(arg);
    }
    arg.split("${SRCDIR}")
        .all(|chunk| chunk.is_empty() || safe_cgo_name(chunk))
}

/// go/build `safeCgoName`: ASCII bytes must be in `safeString`.
fn safe_cgo_name(s: &str) -> bool {
    const SAFE: &[u8] =
        b"+-.,/0123456789=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz:$@%! ~^";
    !s.is_empty() && s.bytes().all(|b| b >= 0x80 || SAFE.contains(&b))
}

/// cmd/go's `splitQuoted` (go/build has the same function): split at runs of
/// white space, honouring single and double quotes (removed) and backslash
/// escapes. `""` yields an empty argument.
pub fn split_quoted(s: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut arg = String::new();
    let mut escaped = false;
    let mut quoted = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
            continue;
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
                continue;
            }
        } else if c == '"' || c == '\'' {
            quoted = true;
            quote = Some(c);
            continue;
        } else if is_space(c) {
            if quoted || !arg.is_empty() {
                quoted = false;
                args.push(std::mem::take(&mut arg));
            }
            continue;
        }
        arg.push(c);
    }
    if quoted || !arg.is_empty() {
        args.push(arg);
    }
    if quote.is_some() {
        Err("unclosed quote".to_string())
    } else if escaped {
        Err("unfinished escaping".to_string())
    } else {
        Ok(args)
    }
}

impl CgoDirective {
    /// Whether the directive applies under `ctx`: no conditions, or any
    /// condition satisfied (each uses `//go:build` syntax if it contains
    /// `&|()`, else `+build` syntax), as cmd/go's `saveCgo` decides.
    pub fn applies(&self, ctx: &super::TagContext) -> bool {
        conditions_hold(&self.conditions, ctx)
    }
}

/// `saveCgo`'s rule for a `#cgo` line's conditions (via `matchAuto`).
pub fn conditions_hold(conditions: &[String], ctx: &TagContext) -> bool {
    conditions.is_empty() || conditions.iter().any(|c| match_auto(c, ctx))
}

/// go/build `matchAuto`: `//go:build` syntax if the text has any of `&|()`,
/// else `+build` syntax; unparsable text matches nothing.
pub fn match_auto(text: &str, ctx: &TagContext) -> bool {
    let parsed = if text.contains(['&', '|', '(', ')']) {
        parse_go_build(text)
    } else {
        parse_plus_build(text)
    };
    parsed.is_ok_and(|x| x.eval(&mut |tag| ctx.matches(tag)))
}

impl FileHeader {
    /// go/build `shouldBuild`: the `//go:build` line if there is one, else
    /// every counted `// +build` line must hold. Without either, true. (The
    /// implicit `cgo` of `import "C"` is `select_file`'s business.)
    pub fn constraint_holds(&self, ctx: &TagContext) -> bool {
        let mut tag = |t: &str| ctx.matches(t);
        match &self.go_build {
            Some((x, _)) => x.eval(&mut tag),
            None => self.plus_build.iter().all(|(x, _)| x.eval(&mut tag)),
        }
    }

    /// The errors that make `go build` fail for this file under `ctx`,
    /// assuming `select_file` accepted it: every error except `#cgo` lines
    /// whose conditions do not hold.
    pub fn build_errors<'a>(
        &'a self,
        ctx: &'a TagContext,
    ) -> impl Iterator<Item = &'a HeaderError> + 'a {
        self.errors.iter().filter(move |e| match &e.kind {
            ErrorKind::Cgo { conditions } => conditions_hold(conditions, ctx),
            _ => true,
        })
    }
}

/// Lines of `b` split at `\n` (without it), with their offsets. As in
/// go/build's line loops, a final `\n` does not start another line.
fn lines(b: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let empty = b.is_empty();
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    let mut offset = 0;
    b.split(|&c| c == b'\n')
        .filter(move |_| !empty)
        .map(move |l| {
            let at = offset;
            offset += l.len() + 1;
            (at, l)
        })
}

/// `bytes.TrimSpace` as bounds: Unicode white space at both ends; invalid
/// UTF-8 is not space.
pub(super) fn trim_space(b: &[u8]) -> (usize, usize) {
    let mut s = 0;
    while let Some((c, w)) = b.get(s..).and_then(decode_utf8) {
        if !is_space(c) {
            break;
        }
        s += w;
    }
    let mut e = b.len();
    while e > s {
        // The last character starts at most 4 bytes back.
        let from = (e.saturating_sub(4)..e)
            .find(|&i| decode_utf8(&b[i..e]).is_some_and(|(_, w)| i + w == e));
        match from.and_then(|i| decode_utf8(&b[i..e]).map(|(c, _)| (i, c))) {
            Some((i, c)) if is_space(c) => e = i,
            _ => break,
        }
    }
    (s, e)
}

/// `strings.Fields`: split at runs of Unicode white space.
fn fields(s: &str) -> Vec<&str> {
    s.split(is_space).filter(|f| !f.is_empty()).collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ASCII shortcut of `is_valid_import` answers as go/build's
    /// character rules do, for every ASCII character alone and in a path.
    #[test]
    fn ascii_import_paths_are_judged_as_by_characters() {
        const ILLEGAL: &str = "!\"#$%&'()*,:;<=>?[\\]^{|}`\u{fffd}";
        for b in 0u8..128 {
            for s in [
                (b as char).to_string(),
                format!("example.com/a{}b", b as char),
            ] {
                assert_eq!(
                    is_valid_import(&s),
                    valid_import_chars(&s, ILLEGAL),
                    "{s:?}"
                );
            }
        }
        assert!(is_valid_import("example.com/a"));
        assert!(!is_valid_import(""));
        assert!(is_valid_import("example.com/\u{fc}"));
        assert!(!is_valid_import("example.com/\u{fffd}"));
    }
}
