//! JSON with comments and trailing commas (VS Code's settings files): a
//! parser that keeps every node's byte span, and minimal text edits that set
//! values in a parsed file. Everything the edits do not touch (comments,
//! trailing commas, blank lines, key order, indentation, line endings) stays
//! byte for byte; inserted text follows the file's indentation (tabs or
//! spaces, and how many) and line endings (LF or CRLF).

use serde_json::{Map, Value};
use std::fmt;

/// Deepest nesting accepted (settings files are shallow; this bounds the
/// parser's recursion on hostile input).
const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Byte range of the value (for containers, from the opening bracket to
    /// just after the closing one).
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Object(Vec<Member>, Container),
    Array(Vec<Node>, Container),
    Scalar(Value),
}

/// Where a container's trailing comma is, if it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Container {
    pub trailing_comma: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_start: usize,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub offset: usize,
    /// 1-based, as editors show them.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl Node {
    pub fn to_value(&self) -> Value {
        match &self.kind {
            Kind::Object(members, _) => {
                let mut m = Map::new();
                for mem in members {
                    m.insert(mem.key.clone(), mem.value.to_value());
                }
                Value::Object(m)
            }
            Kind::Array(items, _) => Value::Array(items.iter().map(Node::to_value).collect()),
            Kind::Scalar(v) => v.clone(),
        }
    }

    /// The member `key` of an object (the last one: duplicates override).
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.kind {
            Kind::Object(members, _) => members.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.kind, Kind::Object(..))
    }
}

/// Parses a whole file. `Ok(None)` for a file with no value at all (empty,
/// or only whitespace and comments).
pub fn parse(text: &str) -> Result<Option<Node>, ParseError> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        i: 0,
    };
    if text.starts_with('\u{feff}') {
        p.i = 3;
    }
    p.trivia()?;
    if p.i >= p.b.len() {
        return Ok(None);
    }
    let root = p.value(0)?;
    p.trivia()?;
    if p.i < p.b.len() {
        return Err(p.error("unexpected text after the end of the value"));
    }
    Ok(Some(root))
}

/// Parses to a plain JSON value; a file with no value is an empty object.
pub fn parse_value(text: &str) -> Result<Value, ParseError> {
    Ok(parse(text)?.map_or_else(|| Value::Object(Map::new()), |n| n.to_value()))
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> ParseError {
        let at = self.i.min(self.s.len());
        let mut at_char = at;
        while !self.s.is_char_boundary(at_char) {
            at_char -= 1;
        }
        let before = &self.s[..at_char];
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        ParseError {
            offset: at,
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            message: message.to_string(),
        }
    }

    /// Skips whitespace and comments.
    fn trivia(&mut self) -> Result<(), ParseError> {
        while self.i < self.b.len() {
            match self.b[self.i] {
                b' ' | b'\t' | b'\n' | b'\r' => self.i += 1,
                b'/' if self.b.get(self.i + 1) == Some(&b'/') => {
                    while self.i < self.b.len() && self.b[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                b'/' if self.b.get(self.i + 1) == Some(&b'*') => {
                    match self.s[self.i + 2..].find("*/") {
                        Some(n) => self.i += 2 + n + 2,
                        None => return Err(self.error("unterminated /* comment")),
                    }
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let start = self.i;
        let Some(&c) = self.b.get(self.i) else {
            return Err(self.error("expected a value, found the end of the file"));
        };
        let kind = match c {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' => Kind::Scalar(Value::String(self.string()?)),
            b'-' | b'0'..=b'9' => {
                while self.i < self.b.len()
                    && matches!(
                        self.b[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let n: Value = serde_json::from_str(&self.s[start..self.i]).map_err(|_| {
                    self.i = start;
                    self.error("invalid number")
                })?;
                Kind::Scalar(n)
            }
            _ => {
                let word_end = self.s[start..]
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .map_or(self.s.len(), |n| start + n);
                let v = match &self.s[start..word_end] {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => return Err(self.error("expected a value")),
                };
                self.i = word_end;
                Kind::Scalar(v)
            }
        };
        Ok(Node {
            start,
            end: self.i,
            kind,
        })
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.i;
        self.i += 1;
        loop {
            match self.b.get(self.i) {
                None | Some(b'\n') => {
                    self.i = start;
                    return Err(self.error("unterminated string"));
                }
                Some(b'\\') => self.i += 2,
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(_) => self.i += 1,
            }
        }
        let lit = self.s.get(start..self.i).unwrap_or("");
        serde_json::from_str(lit).map_err(|e| {
            self.i = start;
            self.error(&format!("invalid string ({e})"))
        })
    }

    /// The separator after an element: `,` (its offset), or the closing
    /// bracket (None, not consumed).
    fn separator(&mut self, close: u8) -> Result<Option<usize>, ParseError> {
        self.trivia()?;
        match self.b.get(self.i) {
            Some(b',') => {
                self.i += 1;
                Ok(Some(self.i - 1))
            }
            Some(&c) if c == close => Ok(None),
            _ => Err(self.error(if close == b'}' {
                "expected `,` or `}`"
            } else {
                "expected `,` or `]`"
            })),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Kind, ParseError> {
        self.i += 1;
        let mut members = Vec::new();
        let mut trailing_comma = None;
        loop {
            self.trivia()?;
            match self.b.get(self.i) {
                Some(b'}') => break,
                Some(b'"') => {}
                _ => return Err(self.error("expected a key in double quotes or `}`")),
            }
            let key_start = self.i;
            let key = self.string()?;
            self.trivia()?;
            if self.b.get(self.i) != Some(&b':') {
                return Err(self.error("expected `:` after the key"));
            }
            self.i += 1;
            self.trivia()?;
            let value = self.value(depth + 1)?;
            members.push(Member {
                key,
                key_start,
                value,
            });
            trailing_comma = self.separator(b'}')?;
            if trailing_comma.is_none() {
                break;
            }
        }
        self.i += 1;
        Ok(Kind::Object(members, Container { trailing_comma }))
    }

    fn array(&mut self, depth: usize) -> Result<Kind, ParseError> {
        self.i += 1;
        let mut items = Vec::new();
        let mut trailing_comma = None;
        loop {
            self.trivia()?;
            if self.b.get(self.i) == Some(&b']') {
                break;
            }
            items.push(self.value(depth + 1)?);
            trailing_comma = self.separator(b']')?;
            if trailing_comma.is_none() {
                break;
            }
        }
        self.i += 1;
        Ok(Kind::Array(items, Container { trailing_comma }))
    }
}

// ---- edits ---------------------------------------------------------------

/// Replace bytes `start..end` of the original text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Applies non-overlapping edits, all given against `text`.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for e in sorted {
        debug_assert!(e.start >= at, "overlapping edits");
        out.push_str(&text[at..e.start.max(at)]);
        out.push_str(&e.text);
        at = e.end.max(at);
    }
    out.push_str(&text[at..]);
    out
}

/// A member (with its key) or an array item (no key) to append.
type Item = (Option<String>, Value);

/// Builds minimal edits against one parsed text. Several insertions into
/// the same object or array become one edit.
pub struct Editor<'a> {
    text: &'a str,
    eol: &'static str,
    unit: String,
    edits: Vec<Edit>,
    /// Per container (by its start offset): the node and what to append.
    inserts: Vec<(&'a Node, Vec<Item>)>,
}

impl<'a> Editor<'a> {
    pub fn new(text: &'a str, root: Option<&'a Node>) -> Editor<'a> {
        Editor {
            text,
            eol: if text.contains("\r\n") { "\r\n" } else { "\n" },
            unit: indent_unit(text, root),
            edits: Vec::new(),
            inserts: Vec::new(),
        }
    }

    /// A file with no value gets `value` appended (after its comments).
    pub fn set_root(&mut self, value: &Value) {
        let mut t = String::new();
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            t.push_str(self.eol);
        }
        t.push_str(&self.render(value, "", false));
        t.push_str(self.eol);
        self.edits.push(Edit {
            start: self.text.len(),
            end: self.text.len(),
            text: t,
        });
    }

    /// Makes `node` hold `value`. Objects are merged key by key (keys the
    /// file has and `value` lacks are kept), arrays element by element, so
    /// comments inside them survive; anything else is replaced.
    pub fn set(&mut self, node: &'a Node, value: &Value) {
        match (&node.kind, value) {
            (Kind::Object(members, _), Value::Object(new)) => {
                for (k, v) in new {
                    match members.iter().rev().find(|m| &m.key == k) {
                        Some(m) => self.set(&m.value, v),
                        None => self.insert(node, Some(k.clone()), v.clone()),
                    }
                }
            }
            (Kind::Array(items, _), Value::Array(new)) if !new.is_empty() || items.is_empty() => {
                for (item, v) in items.iter().zip(new) {
                    self.set(item, v);
                }
                for v in new.iter().skip(items.len()) {
                    self.insert(node, None, v.clone());
                }
                if new.len() < items.len() {
                    // Drop the surplus from the end of the last kept item
                    // (a trailing comma after the removed ones stays valid).
                    let (Some(kept), Some(last)) = (items.get(new.len() - 1), items.last()) else {
                        return;
                    };
                    self.edits.push(Edit {
                        start: kept.end,
                        end: last.end,
                        text: String::new(),
                    });
                }
            }
            (Kind::Scalar(old), new) if old == new => {}
            _ => {
                let inline = !self.text[node.start..node.end].contains('\n')
                    && match &node.kind {
                        Kind::Object(m, _) => !m.is_empty(),
                        Kind::Array(a, _) => !a.is_empty(),
                        Kind::Scalar(_) => false,
                    };
                let base = line_indent(self.text, node.start).to_string();
                let text = self.render(value, &base, inline);
                self.edits.push(Edit {
                    start: node.start,
                    end: node.end,
                    text,
                });
            }
        }
    }

    /// Appends member `key` (or an array item when `key` is None).
    pub fn insert(&mut self, container: &'a Node, key: Option<String>, value: Value) {
        match self
            .inserts
            .iter_mut()
            .find(|(n, _)| n.start == container.start)
        {
            Some((_, v)) => v.push((key, value)),
            None => self.inserts.push((container, vec![(key, value)])),
        }
    }

    /// The edits, in text order.
    pub fn finish(mut self) -> Vec<Edit> {
        for (node, items) in std::mem::take(&mut self.inserts) {
            self.append(node, &items);
        }
        self.edits.sort_by_key(|e| (e.start, e.end));
        self.edits
    }

    fn append(&mut self, node: &Node, items: &[Item]) {
        let (starts, ends, tc): (Vec<usize>, Vec<usize>, Option<usize>) = match &node.kind {
            Kind::Object(m, c) => (
                m.iter().map(|m| m.key_start).collect(),
                m.iter().map(|m| m.value.end).collect(),
                c.trailing_comma,
            ),
            Kind::Array(a, c) => (
                a.iter().map(|n| n.start).collect(),
                a.iter().map(|n| n.end).collect(),
                c.trailing_comma,
            ),
            Kind::Scalar(_) => return,
        };
        let text = self.text;
        let (open, close) = (node.start, node.end - 1);
        let open_indent = line_indent(text, open).to_string();
        let multiline = text[open..close].contains('\n');
        let scalars = items
            .iter()
            .all(|(k, v)| k.is_none() && !v.is_object() && !v.is_array());
        // An empty `{}` that ends its line: written out over lines. Inside
        // a one-line object, and `[]` of scalars, it stays on its line.
        if starts.is_empty() && text[open + 1..close].trim().is_empty() {
            let t = if scalars || !ends_line(text, node.end) {
                self.join(items, "", true, ", ")
            } else {
                let inner = format!("{open_indent}{}", self.unit);
                let sep = format!(",{}", self.eol);
                format!(
                    "{eol}{}{eol}{open_indent}",
                    self.join(items, &inner, false, &sep),
                    eol = self.eol
                )
            };
            self.edits.push(Edit {
                start: open + 1,
                end: close,
                text: t,
            });
            return;
        }
        if !multiline {
            // One line: stay on it.
            let (at, t) = match tc {
                Some(c) => (c + 1, format!(" {},", self.join(items, "", true, ", "))),
                None => (
                    *ends.last().unwrap_or(&open),
                    format!(", {}", self.join(items, "", true, ", ")),
                ),
            };
            let at = if starts.is_empty() { open + 1 } else { at };
            let t = if starts.is_empty() {
                self.join(items, "", true, ", ")
            } else {
                t
            };
            self.edits.push(Edit {
                start: at,
                end: at,
                text: t,
            });
            return;
        }
        // Over lines: the siblings' indentation, a comma after the last one
        // unless the file already has a trailing comma there.
        let indent = starts
            .iter()
            .rev()
            .find(|&&s| starts_line(text, s))
            .map(|&s| line_indent(text, s).to_string())
            .unwrap_or_else(|| format!("{open_indent}{}", self.unit));
        if let (Some(&last), None) = (ends.last(), tc) {
            self.edits.push(Edit {
                start: last,
                end: last,
                text: ",".into(),
            });
        }
        let sep = format!(",{}", self.eol);
        let mut body = self.join(items, &indent, false, &sep);
        if tc.is_some() {
            body.push(',');
        }
        let (at, t) = if starts_line(text, close) {
            let line_start = text[..close].rfind('\n').map_or(0, |n| n + 1);
            (line_start, format!("{body}{}", self.eol))
        } else {
            (
                close,
                format!("{eol}{body}{eol}{open_indent}", eol = self.eol),
            )
        };
        self.edits.push(Edit {
            start: at,
            end: at,
            text: t,
        });
    }

    fn join(&self, items: &[Item], indent: &str, inline: bool, sep: &str) -> String {
        items
            .iter()
            .map(|(k, v)| {
                let key = k
                    .as_ref()
                    .map(|k| format!("{}: ", Value::String(k.clone())))
                    .unwrap_or_default();
                format!("{indent}{key}{}", self.render(v, indent, inline))
            })
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// `value` as text for a line indented by `base`: objects over lines
    /// (unless `inline`), arrays of scalars on one line.
    fn render(&self, value: &Value, base: &str, inline: bool) -> String {
        match value {
            Value::Object(m) if m.is_empty() => "{}".into(),
            Value::Array(a) if a.is_empty() => "[]".into(),
            Value::Object(m) if inline => {
                let parts: Vec<String> = m
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}: {}",
                            Value::String(k.clone()),
                            self.render(v, base, true)
                        )
                    })
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
            Value::Array(a) if inline || a.iter().all(|v| !v.is_object() && !v.is_array()) => {
                let parts: Vec<String> = a.iter().map(|v| self.render(v, base, true)).collect();
                format!("[{}]", parts.join(", "))
            }
            Value::Object(m) => {
                let inner = format!("{base}{}", self.unit);
                let parts: Vec<String> = m
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{inner}{}: {}",
                            Value::String(k.clone()),
                            self.render(v, &inner, false)
                        )
                    })
                    .collect();
                format!(
                    "{{{eol}{}{eol}{base}}}",
                    parts.join(&format!(",{}", self.eol)),
                    eol = self.eol
                )
            }
            Value::Array(a) => {
                let inner = format!("{base}{}", self.unit);
                let parts: Vec<String> = a
                    .iter()
                    .map(|v| format!("{inner}{}", self.render(v, &inner, false)))
                    .collect();
                format!(
                    "[{eol}{}{eol}{base}]",
                    parts.join(&format!(",{}", self.eol)),
                    eol = self.eol
                )
            }
            v => v.to_string(),
        }
    }
}

/// The whitespace a line starts with (the line holding byte `at`).
fn line_indent(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let line = &text[start..];
    let n = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..n]
}

/// Whether only indentation precedes byte `at` on its line.
fn starts_line(text: &str, at: usize) -> bool {
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    text[start..at].bytes().all(|b| b == b' ' || b == b'\t')
}

/// Whether only a comma, blanks or a comment follow byte `at` on its line.
fn ends_line(text: &str, at: usize) -> bool {
    let rest = &text[at..];
    let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let rest = rest.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim();
    rest.is_empty() || rest.starts_with("//") || rest.starts_with("/*")
}

/// One level of indentation as the file writes it: the root object's
/// members' indentation, else the first indented line's, else 4 spaces
/// (VS Code's default).
fn indent_unit(text: &str, root: Option<&Node>) -> String {
    if let Some(Node {
        start,
        kind: Kind::Object(members, _),
        ..
    }) = root
    {
        let base = line_indent(text, *start);
        for m in members {
            if starts_line(text, m.key_start) {
                let ind = line_indent(text, m.key_start);
                if let Some(u) = ind.strip_prefix(base).filter(|u| !u.is_empty()) {
                    return u.to_string();
                }
            }
        }
    }
    text.lines()
        .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
        .find(|ind| !ind.is_empty())
        .map_or_else(|| "    ".to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_with_spans_comments_and_trailing_commas() {
        let t = "{\n  // c\n  \"a\": \"//x\", /* b */ \"b\": [1, 2,],\n}\n";
        let root = parse(t).unwrap().unwrap();
        assert_eq!(root.to_value(), json!({"a": "//x", "b": [1, 2]}));
        let b = &root.member("b").unwrap().value;
        assert_eq!(&t[b.start..b.end], "[1, 2,]");
        assert!(matches!(&root.kind, Kind::Object(_, c) if c.trailing_comma.is_some()));
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("// only a comment\n").unwrap(), None);
        assert_eq!(
            parse_value("\u{feff}{\"é\": \"🚀\"}").unwrap(),
            json!({"é": "🚀"})
        );
    }

    fn set(text: &str, value: Value) -> String {
        let root = parse(text).unwrap();
        let mut ed = Editor::new(text, root.as_ref());
        match &root {
            Some(r) => ed.set(r, &value),
            None => ed.set_root(&value),
        }
        let out = apply(text, &ed.finish());
        assert_eq!(parse_value(&out).unwrap(), value, "{out}");
        out
    }

    #[test]
    fn edits_are_minimal() {
        // Arrays element by element: comments between them stay.
        assert_eq!(
            set("[1, /* two */ 2, 3]", json!([1, 2])),
            "[1, /* two */ 2]"
        );
        assert_eq!(set("[1, 2, 3,]", json!([1])), "[1,]");
        assert_eq!(
            set(
                "[
  1 // one
]",
                json!([1, 2])
            ),
            "[
  1, // one
  2
]"
        );
        assert_eq!(set("[1, 2]", json!([])), "[]");
        // A closing brace after the last member, in a multi-line object.
        assert_eq!(
            set(
                "{
  \"a\": 1}",
                json!({"a": 1, "b": {"c": true}})
            ),
            "{
  \"a\": 1,
  \"b\": {
    \"c\": true
  }
}"
        );
        // Duplicate keys: the last one is in effect, and is the one set.
        assert_eq!(
            set("{\"a\": 1, \"a\": 2}", json!({"a": 3})),
            "{\"a\": 1, \"a\": 3}"
        );
        // A one-line object replaced by one of another shape stays on its
        // line; a scalar replaced by an object spreads over lines.
        assert_eq!(
            set("{\"a\": [1], \"b\": 0}", json!({"a": {"x": 1}, "b": 0})),
            "{\"a\": {\"x\": 1}, \"b\": 0}"
        );
        // Nothing to do: no edit at all.
        let t = "{ /* keep */ \"a\": [1, 2], }";
        let root = parse(t).unwrap();
        let mut ed = Editor::new(t, root.as_ref());
        ed.set(root.as_ref().unwrap(), &json!({"a": [1, 2]}));
        assert!(ed.finish().is_empty());
    }

    #[test]
    fn errors_say_where() {
        let e = parse("{\n  \"a\": 1\n  \"b\": 2\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 3), "{e}");
        assert!(e.to_string().contains("expected `,` or `}`"), "{e}");
        for bad in [
            "{",
            "{\"a\"}",
            "{\"a\": }",
            "[1 2]",
            "{\"a\": tru}",
            "{} {}",
            "/* open",
            "{\"a\": \"x\n\"}",
            "{,}",
            "{\"a\": 01}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        let deep = "[".repeat(1000);
        assert!(parse(&deep).is_err());
    }
}
