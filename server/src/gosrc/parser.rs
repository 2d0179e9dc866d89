//! The part of go/scanner and go/parser that go/build runs on a header
//! (`parser.ParseFile(..., ImportsOnly|ParseComments)`): tokens with
//! automatic semicolons, comment groups with go/parser's lead-comment rule
//! (a doc comment must end on the line just before its spec), the package
//! clause and the import declarations. Errors carry go/parser's wording.

use super::Span;
use super::unicode::{is_digit, is_letter};

const EOF: i32 = -1;
const BOM: i32 = 0xfeff;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum T {
    Eof,
    Comment,
    /// `;`, explicit or inserted at a newline / end of input.
    Semi,
    Ident,
    Keyword,
    Str,
    /// Number or character literal (only ever an error in a header).
    Lit,
    LParen,
    RParen,
    Period,
    Comma,
    Illegal,
    /// Any other operator.
    Op,
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    t: T,
    start: usize,
    end: usize,
    line: u32,
    /// For `Semi`: written in the source (not inserted).
    explicit: bool,
}

const KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

/// A go/scanner over `src[base..end]`, offsets absolute in `src`.
struct Scanner<'a> {
    src: &'a [u8],
    base: usize,
    end: usize,
    /// Current character (`EOF` at the end, U+FFFD for a bad byte).
    ch: i32,
    offset: usize,
    rd: usize,
    line: u32,
    insert_semi: bool,
    /// Inserted `;` owed after a `/*...*/` comment containing a newline.
    nl_pos: Option<(usize, u32)>,
    errors: Vec<(usize, String)>,
}

fn is_letter_ch(c: i32) -> bool {
    matches!(u8::try_from(c), Ok(b'a'..=b'z' | b'A'..=b'Z' | b'_'))
        || c >= 0x80 && char::from_u32(c as u32).is_some_and(is_letter)
}

fn is_digit_ch(c: i32) -> bool {
    matches!(u8::try_from(c), Ok(b'0'..=b'9'))
        || c >= 0x80 && char::from_u32(c as u32).is_some_and(is_digit)
}

/// Decodes one UTF-8 character; `None` for an invalid encoding.
pub(super) fn decode_utf8(b: &[u8]) -> Option<(char, usize)> {
    let len = match b.first()? {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    let s = std::str::from_utf8(b.get(..len)?).ok()?;
    s.chars().next().map(|c| (c, len))
}

/// `%#U` formatting, as in go/scanner's "illegal character" errors.
fn fmt_u(c: i32) -> String {
    match char::from_u32(c as u32) {
        Some(ch) if !ch.is_control() => format!("U+{:04X} '{ch}'", c),
        _ => format!("U+{:04X}", c),
    }
}

impl<'a> Scanner<'a> {
    fn new(src: &'a [u8], base: usize, end: usize) -> Self {
        let mut s = Scanner {
            src,
            base,
            end: end.min(src.len()),
            ch: b' ' as i32,
            offset: base,
            rd: base,
            line: 1,
            insert_semi: false,
            nl_pos: None,
            errors: Vec::new(),
        };
        s.next();
        if s.ch == BOM {
            s.next();
        }
        s
    }

    fn error(&mut self, at: usize, msg: impl Into<String>) {
        self.errors.push((at, msg.into()));
    }

    fn next(&mut self) {
        if self.ch == '\n' as i32 {
            self.line += 1;
        }
        if self.rd >= self.end {
            self.offset = self.end;
            self.ch = EOF;
            return;
        }
        self.offset = self.rd;
        let b = self.src[self.rd];
        let (c, w) = if b == 0 {
            self.error(self.offset, "illegal character NUL");
            (0, 1)
        } else if b < 0x80 {
            (i32::from(b), 1)
        } else {
            match decode_utf8(&self.src[self.rd..self.end]) {
                Some((c, w)) => {
                    if c as i32 == BOM && self.offset > self.base {
                        self.error(self.offset, "illegal byte order mark");
                    }
                    (c as i32, w)
                }
                None => {
                    self.error(self.offset, "illegal UTF-8 encoding");
                    (0xfffd, 1)
                }
            }
        };
        self.rd += w;
        self.ch = c;
    }

    fn peek(&self) -> Option<u8> {
        if self.rd < self.end {
            self.src.get(self.rd).copied()
        } else {
            None
        }
    }

    fn tok(&self, t: T, start: usize, line: u32) -> Tok {
        Tok {
            t,
            start,
            end: self.offset,
            line,
            explicit: false,
        }
    }

    fn scan(&mut self) -> Tok {
        if let Some((pos, line)) = self.nl_pos.take() {
            return Tok {
                t: T::Semi,
                start: pos,
                end: pos,
                line,
                explicit: false,
            };
        }
        while self.ch == ' ' as i32
            || self.ch == '\t' as i32
            || self.ch == '\r' as i32
            || (self.ch == '\n' as i32 && !self.insert_semi)
        {
            self.next();
        }
        let (start, line) = (self.offset, self.line);
        let mut insert_semi = false;
        let ch = self.ch;
        let tok = if is_letter_ch(ch) {
            while is_letter_ch(self.ch) || is_digit_ch(self.ch) {
                self.next();
            }
            let word = &self.src[start..self.offset];
            let kw = KEYWORDS.iter().any(|k| k.as_bytes() == word);
            insert_semi =
                !kw || matches!(word, b"break" | b"continue" | b"fallthrough" | b"return");
            self.tok(if kw { T::Keyword } else { T::Ident }, start, line)
        } else if is_digit_ch(ch)
            || ch == '.' as i32 && self.peek().is_some_and(|b| b.is_ascii_digit())
        {
            // Numbers never belong in a header; scanning them loosely is enough.
            insert_semi = true;
            while is_letter_ch(self.ch) || is_digit_ch(self.ch) || self.ch == '.' as i32 {
                self.next();
            }
            self.tok(T::Lit, start, line)
        } else {
            self.next();
            let c = u8::try_from(ch).unwrap_or(0xff);
            match (ch, c) {
                (EOF, _) => {
                    if self.insert_semi {
                        self.insert_semi = false;
                        return Tok {
                            t: T::Semi,
                            start,
                            end: start,
                            line,
                            explicit: false,
                        };
                    }
                    self.tok(T::Eof, start, line)
                }
                (_, b'\n') => {
                    self.insert_semi = false;
                    return Tok {
                        t: T::Semi,
                        start,
                        end: start,
                        line,
                        explicit: false,
                    };
                }
                (_, b'"') => {
                    insert_semi = true;
                    self.scan_string(start);
                    self.tok(T::Str, start, line)
                }
                (_, b'`') => {
                    insert_semi = true;
                    while self.ch != '`' as i32 {
                        if self.ch == EOF {
                            self.error(start, "raw string literal not terminated");
                            break;
                        }
                        self.next();
                    }
                    self.next();
                    self.tok(T::Str, start, line)
                }
                (_, b'\'') => {
                    insert_semi = true;
                    while self.ch != '\'' as i32 {
                        if self.ch == EOF || self.ch == '\n' as i32 {
                            self.error(start, "rune literal not terminated");
                            break;
                        }
                        self.next();
                    }
                    self.next();
                    self.tok(T::Lit, start, line)
                }
                (_, b'/') if self.ch == '/' as i32 || self.ch == '*' as i32 => {
                    let nl = self.scan_comment(start);
                    if self.insert_semi && nl.is_some() {
                        self.nl_pos = nl;
                        self.insert_semi = false;
                    } else {
                        insert_semi = self.insert_semi;
                    }
                    self.tok(T::Comment, start, line)
                }
                (_, b'(') => self.tok(T::LParen, start, line),
                (_, b')') => {
                    insert_semi = true;
                    self.tok(T::RParen, start, line)
                }
                (_, b'.') => self.tok(T::Period, start, line),
                (_, b',') => self.tok(T::Comma, start, line),
                (_, b';') => Tok {
                    explicit: true,
                    ..self.tok(T::Semi, start, line)
                },
                (_, b']' | b'}') => {
                    insert_semi = true;
                    self.tok(T::Op, start, line)
                }
                (_, b'+' | b'-') if self.ch == ch => {
                    self.next();
                    insert_semi = true;
                    self.tok(T::Op, start, line)
                }
                (
                    _,
                    b':' | b'[' | b'{' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'<' | b'>'
                    | b'=' | b'!' | b'&' | b'|' | b'~',
                ) => self.tok(T::Op, start, line),
                _ => {
                    // next() already reported NUL and bad encodings; BOMs too.
                    if ch == 0x201c || ch == 0x201d {
                        self.error(
                            start,
                            format!("curly quotation mark {} (use neutral '\"')", fmt_u(ch)),
                        );
                    } else if ch != BOM && ch != 0 && ch != 0xfffd {
                        self.error(start, format!("illegal character {}", fmt_u(ch)));
                    }
                    insert_semi = self.insert_semi;
                    self.tok(T::Illegal, start, line)
                }
            }
        };
        self.insert_semi = insert_semi;
        tok
    }

    /// Scans a comment whose `/` is consumed; returns the position and line
    /// of the first newline inside a `/*...*/` comment.
    fn scan_comment(&mut self, start: usize) -> Option<(usize, u32)> {
        if self.ch == '/' as i32 {
            while self.ch != '\n' as i32 && self.ch != EOF {
                self.next();
            }
            return None;
        }
        self.next();
        let mut nl = None;
        while self.ch != EOF {
            let ch = self.ch;
            if ch == '\n' as i32 && nl.is_none() {
                nl = Some((self.offset, self.line));
            }
            self.next();
            if ch == '*' as i32 && self.ch == '/' as i32 {
                self.next();
                return nl;
            }
        }
        self.error(start, "comment not terminated");
        nl
    }

    fn scan_string(&mut self, start: usize) {
        loop {
            let ch = self.ch;
            if ch == '\n' as i32 || ch == EOF {
                self.error(start, "string literal not terminated");
                return;
            }
            self.next();
            if ch == '"' as i32 {
                return;
            }
            if ch == '\\' as i32 {
                self.scan_escape();
            }
        }
    }

    /// go/scanner `scanEscape('"')`, for its errors only (the value is
    /// decoded by `unquote`).
    fn scan_escape(&mut self) {
        let offs = self.offset;
        let (n, base, max): (u32, u32, u32) = match u8::try_from(self.ch).unwrap_or(0xff) {
            b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' | b'"' => {
                self.next();
                return;
            }
            b'0'..=b'7' => (3, 8, 255),
            b'x' => {
                self.next();
                (2, 16, 255)
            }
            b'u' => {
                self.next();
                (4, 16, 0x10ffff)
            }
            b'U' => {
                self.next();
                (8, 16, 0x10ffff)
            }
            _ => {
                let msg = if self.ch == EOF {
                    "escape sequence not terminated"
                } else {
                    "unknown escape sequence"
                };
                self.error(offs, msg);
                return;
            }
        };
        let mut x: u32 = 0;
        for _ in 0..n {
            let d = char::from_u32(self.ch.max(0) as u32)
                .and_then(|c| c.to_digit(16))
                .filter(|&d| d < base);
            let Some(d) = d else {
                if self.ch == EOF {
                    self.error(self.offset, "escape sequence not terminated");
                } else {
                    self.error(
                        self.offset,
                        format!("illegal character {} in escape sequence", fmt_u(self.ch)),
                    );
                }
                return;
            };
            x = x.saturating_mul(base).saturating_add(d);
            self.next();
        }
        if x > max || (0xd800..0xe000).contains(&x) {
            self.error(offs, "escape sequence is invalid Unicode code point");
        }
    }
}

/// A comment group: adjacent comments (go/parser `CommentGroup`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct CommentGroup {
    pub comments: Vec<Span>,
}

/// One import spec as parsed, before go/build's checks.
#[derive(Debug, Clone)]
pub(super) struct RawImport {
    pub name: Option<(String, Span)>,
    /// The path literal including quotes.
    pub path: Span,
    pub doc: Option<CommentGroup>,
}

/// What go/parser (ImportsOnly) yields for a header.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub package: Option<(String, Span)>,
    pub package_clause: Option<Span>,
    pub imports: Vec<RawImport>,
    /// Scanner and parser errors, in the order found.
    pub errors: Vec<(Span, String)>,
}

struct Parser<'a> {
    sc: Scanner<'a>,
    tok: Tok,
    lead_comment: Option<CommentGroup>,
    out: Parsed,
}

/// Parses the package clause and the import declarations of
/// `src[base..end]`, stopping at the first declaration that is not an
/// import (or at the first syntax error).
pub(super) fn parse_header(src: &[u8], base: usize, end: usize) -> Parsed {
    let sc = Scanner::new(src, base, end);
    let tok = Tok {
        t: T::Eof,
        start: base,
        end: base,
        line: 1,
        explicit: false,
    };
    let mut p = Parser {
        sc,
        tok,
        lead_comment: None,
        out: Parsed::default(),
    };
    // Syntax errors end the parse; what was read before them is kept.
    let _ = p.parse_file();
    let mut errors: Vec<(Span, String)> =
        p.sc.errors
            .drain(..)
            .map(|(at, m)| (Span::new(at, at + 1), m))
            .collect();
    errors.append(&mut p.out.errors);
    errors.sort_by_key(|(s, _)| s.start);
    p.out.errors = errors;
    p.out
}

/// The syntax error that stops the parse.
struct Stop;

impl Parser<'_> {
    fn text(&self, s: usize, e: usize) -> String {
        String::from_utf8_lossy(self.sc.src.get(s..e).unwrap_or_default()).into_owned()
    }

    fn next0(&mut self) {
        self.tok = self.sc.scan();
    }

    /// go/parser `next`: advances past comments, remembering the lead
    /// comment: the last group, if it ends on the line right before the
    /// next token and does not start on the previous token's line.
    fn next(&mut self) {
        self.lead_comment = None;
        let prev_line = self.tok.line;
        self.next0();
        if self.tok.t != T::Comment {
            return;
        }
        let mut comment = None;
        if self.tok.line == prev_line {
            // Same line as the previous token: a line comment, never a lead one.
            self.consume_comment_group(0);
        }
        let mut endline: i64 = -1;
        while self.tok.t == T::Comment {
            let (group, end) = self.consume_comment_group(1);
            comment = Some(group);
            endline = end;
        }
        if endline + 1 == i64::from(self.tok.line) {
            self.lead_comment = comment;
        }
    }

    fn consume_comment_group(&mut self, n: i64) -> (CommentGroup, i64) {
        let mut group = CommentGroup::default();
        let mut endline = i64::from(self.tok.line);
        while self.tok.t == T::Comment && i64::from(self.tok.line) <= endline + n {
            let Tok {
                start, end, line, ..
            } = self.tok;
            let text = self.sc.src.get(start..end).unwrap_or_default();
            endline = i64::from(line);
            if text.get(1) == Some(&b'*') {
                endline += text.iter().filter(|&&b| b == b'\n').count() as i64;
            }
            group.comments.push(Span::new(start, end));
            self.next0();
        }
        (group, endline)
    }

    fn describe(&self) -> String {
        let Tok {
            t,
            start,
            end,
            explicit,
            ..
        } = self.tok;
        match t {
            T::Eof => "'EOF'".to_string(),
            T::Semi if !explicit => "newline".to_string(),
            T::Ident | T::Str | T::Lit => self.text(start, end),
            _ => format!("'{}'", self.text(start, end)),
        }
    }

    fn error_expected(&mut self, what: &str) -> Stop {
        let msg = format!("expected {what}, found {}", self.describe());
        self.out.errors.push((
            Span::new(self.tok.start, self.tok.end.max(self.tok.start + 1)),
            msg,
        ));
        Stop
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<usize, Stop> {
        let Tok { t, start, end, .. } = self.tok;
        if t != T::Keyword || self.sc.src.get(start..end) != Some(kw.as_bytes()) {
            return Err(self.error_expected(&format!("'{kw}'")));
        }
        self.next();
        Ok(start)
    }

    fn expect_semi(&mut self) -> Result<(), Stop> {
        match self.tok.t {
            T::RParen => Ok(()),
            T::Semi => {
                self.next();
                Ok(())
            }
            _ => Err(self.error_expected("';'")),
        }
    }

    fn has_errors(&self) -> bool {
        !self.sc.errors.is_empty() || !self.out.errors.is_empty()
    }

    fn parse_file(&mut self) -> Result<(), Stop> {
        self.next();
        // go/parser gives up on a file whose first token did not scan.
        if self.has_errors() {
            return Err(Stop);
        }
        let start = self.expect_keyword("package")?;
        if self.tok.t != T::Ident {
            return Err(self.error_expected("'IDENT'"));
        }
        let Tok {
            start: ns, end: ne, ..
        } = self.tok;
        self.out.package = Some((self.text(ns, ne), Span::new(ns, ne)));
        self.out.package_clause = Some(Span::new(start, ne));
        self.next();
        self.expect_semi()?;
        if self.has_errors() {
            return Err(Stop);
        }
        while self.tok.t == T::Keyword
            && self.sc.src.get(self.tok.start..self.tok.end) == Some(b"import")
        {
            self.parse_import_decl()?;
        }
        Ok(())
    }

    /// `import spec` or `import ( spec; ... )`. A lone spec without its own
    /// doc comment takes the declaration's (go/build `readGoInfo`).
    fn parse_import_decl(&mut self) -> Result<(), Stop> {
        let doc = self.lead_comment.take();
        self.expect_keyword("import")?;
        let first = self.out.imports.len();
        if self.tok.t == T::LParen {
            self.next();
            while self.tok.t != T::RParen && self.tok.t != T::Eof {
                let spec_doc = self.lead_comment.take();
                self.parse_import_spec(spec_doc)?;
            }
            if self.tok.t != T::RParen {
                return Err(self.error_expected("')'"));
            }
            self.next();
            self.expect_semi()?;
        } else {
            self.parse_import_spec(None)?;
        }
        if let [only] = &mut self.out.imports[first..]
            && only.doc.is_none()
        {
            only.doc = doc;
        }
        Ok(())
    }

    fn parse_import_spec(&mut self, doc: Option<CommentGroup>) -> Result<(), Stop> {
        let Tok { t, start, end, .. } = self.tok;
        let name = match t {
            T::Ident => Some((self.text(start, end), Span::new(start, end))),
            T::Period => Some((".".to_string(), Span::new(start, end))),
            _ => None,
        };
        if name.is_some() {
            self.next();
        }
        let path = match self.tok.t {
            T::Str => Span::new(self.tok.start, self.tok.end),
            T::Ident | T::Lit => {
                let at = Span::new(self.tok.start, self.tok.end);
                self.out
                    .errors
                    .push((at, "import path must be a string".to_string()));
                return Err(Stop);
            }
            _ => {
                let at = Span::new(self.tok.start, self.tok.end.max(self.tok.start + 1));
                self.out
                    .errors
                    .push((at, "missing import path".to_string()));
                return Err(Stop);
            }
        };
        self.next();
        self.out.imports.push(RawImport { name, path, doc });
        self.expect_semi()
    }
}

/// The value of a Go string literal (`"..."` or `` `...` ``) as bytes;
/// `None` if it is malformed (the scanner has reported why).
pub(super) fn unquote(lit: &[u8]) -> Option<Vec<u8>> {
    if let Some(raw) = lit.strip_prefix(b"`").and_then(|l| l.strip_suffix(b"`")) {
        // Carriage returns are discarded from raw strings.
        return Some(raw.iter().copied().filter(|&b| b != b'\r').collect());
    }
    let body = lit.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let e = *body.get(i)?;
        i += 1;
        let simple = match e {
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(0xc),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0xb),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let (n, radix, byte_valued) = match e {
            b'0'..=b'7' => {
                i -= 1;
                (3, 8, true)
            }
            b'x' => (2, 16, true),
            b'u' => (4, 16, false),
            b'U' => (8, 16, false),
            _ => return None,
        };
        let digits = std::str::from_utf8(body.get(i..i + n)?).ok()?;
        let v = u32::from_str_radix(digits, radix).ok()?;
        i += n;
        if byte_valued {
            out.push(u8::try_from(v).ok()?);
        } else {
            let c = char::from_u32(v)?;
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
    Some(out)
}
