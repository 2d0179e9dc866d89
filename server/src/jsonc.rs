//! JSON with comments and trailing commas (VS Code's settings files): a tree
//! with every node's byte span, and minimal text edits that set values in a
//! parsed file. Everything the edits do not touch (comments, trailing
//! commas, blank lines, key order, indentation, line endings) stays byte for
//! byte; inserted text follows the file's indentation (tabs or spaces, and
//! how many) and line endings (LF or CRLF).
//!
//! Parsing is dprint's `jsonc-parser` (its AST has byte ranges), restricted
//! to what VS Code accepts. The edits stay ours, on purpose: jsonc-parser's
//! CST editing (the `cst` feature, 0.34) re-renders what it touches. Tried
//! on the settings_edit tests' files, it spread one-line objects
//! (`{"editor.tabSize": 2}`) over several lines, inserted new keys before a
//! trailing comment instead of after the last key, and indents a new file
//! by two spaces. A quick fix must be a small `TextEdit` of the user's file,
//! so we compute the minimal edit from the spans.

use jsonc_parser::ast;
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions, parse_to_ast};
use serde_json::{Map, Value};
use std::fmt;

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

/// The JSONC that VS Code accepts in settings files: comments and trailing
/// commas, otherwise strict JSON (jsonc-parser allows more by default).
fn options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses a whole file. `Ok(None)` for a file with no value at all (empty,
/// or only whitespace and comments).
pub fn parse(text: &str) -> Result<Option<Node>, ParseError> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = &text[bom..];
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let parsed = parse_to_ast(body, &collect, &options()).map_err(|e| error(body, bom, &e))?;
    parsed.value.map(|v| node(body, bom, v)).transpose()
}

/// Parses to a plain JSON value; a file with no value is an empty object.
pub fn parse_value(text: &str) -> Result<Value, ParseError> {
    Ok(parse(text)?.map_or_else(|| Value::Object(Map::new()), |n| n.to_value()))
}

/// Our words for jsonc-parser's error, at its line and column (1-based).
fn error(body: &str, bom: usize, e: &jsonc_parser::errors::ParseError) -> ParseError {
    use jsonc_parser::errors::ParseErrorKind as K;
    let message = match e.kind() {
        // Which bracket is open at the error: the prefix up to it fails as
        // an unterminated object or array.
        K::ExpectedComma => match parse_to_ast(
            &body[..e.range().start],
            &CollectOptions::default(),
            &options(),
        ) {
            Err(p) if matches!(p.kind(), K::UnterminatedArray) => "expected `,` or `]`".into(),
            _ => "expected `,` or `}`".into(),
        },
        k => {
            let k = k.to_string();
            let mut c = k.chars();
            c.next()
                .map(|f| f.to_lowercase().chain(c).collect())
                .unwrap_or(k)
        }
    };
    // jsonc-parser reports a missing comma just after the value before it;
    // the error is the token that follows.
    let mut at = e.range().start.min(body.len());
    if matches!(e.kind(), K::ExpectedComma) {
        at = skip_trivia(body, at);
    }
    position(body, bom, at, message)
}

fn position(body: &str, bom: usize, mut at: usize, message: String) -> ParseError {
    while !body.is_char_boundary(at) {
        at -= 1;
    }
    let before = &body[..at];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    ParseError {
        offset: at + bom,
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
        message,
    }
}

/// The first offset from `i` that is not whitespace or a comment.
fn skip_trivia(body: &str, mut i: usize) -> usize {
    let b = body.as_bytes();
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b' ' | b'\t' | b'\n' | b'\r', _) => i += 1,
            (b'/', Some(b'/')) => i = body[i..].find('\n').map_or(b.len(), |n| i + n),
            (b'/', Some(b'*')) => i = body[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2),
            _ => break,
        }
    }
    i
}

fn node(body: &str, bom: usize, v: ast::Value) -> Result<Node, ParseError> {
    let r = v.range();
    let (start, end) = (r.start + bom, r.end + bom);
    let bad = |at: usize, message: &str| position(body, bom, at, message.into());
    // jsonc-parser takes raw control characters (a line break) in strings;
    // JSON and VS Code do not.
    let string = |s: ast::StringLit| match body[s.range.start..s.range.end]
        .bytes()
        .position(|c| c < 0x20)
    {
        Some(i) => Err(bad(s.range.start + i, "control character in a string")),
        None => Ok(s.value.into_owned()),
    };
    let kind = match v {
        ast::Value::Object(o) => {
            let last = o.properties.last().map(|p| p.range.end);
            let mut members = Vec::new();
            for p in o.properties {
                let key_start = p.name.range().start + bom;
                let key = match p.name {
                    ast::ObjectPropName::String(s) => string(s)?,
                    ast::ObjectPropName::Word(w) => {
                        return Err(bad(w.range.start, "expected a key in double quotes"));
                    }
                };
                members.push(Member {
                    key,
                    key_start,
                    value: node(body, bom, p.value)?,
                });
            }
            let trailing_comma = last.and_then(|l| comma(body, l, r.end)).map(|c| c + bom);
            Kind::Object(members, Container { trailing_comma })
        }
        ast::Value::Array(a) => {
            let last = a.elements.last().map(|e| e.range().end);
            let items = a
                .elements
                .into_iter()
                .map(|e| node(body, bom, e))
                .collect::<Result<Vec<_>, _>>()?;
            let trailing_comma = last.and_then(|l| comma(body, l, r.end)).map(|c| c + bom);
            Kind::Array(items, Container { trailing_comma })
        }
        ast::Value::StringLit(s) => Kind::Scalar(Value::String(string(s)?)),
        ast::Value::NumberLit(n) => Kind::Scalar(
            // jsonc-parser takes `01`; JSON does not.
            serde_json::from_str::<serde_json::Number>(n.value)
                .map(Value::Number)
                .map_err(|_| bad(n.range.start, "invalid number"))?,
        ),
        ast::Value::BooleanLit(b) => Kind::Scalar(Value::Bool(b.value)),
        ast::Value::NullKeyword(_) => Kind::Scalar(Value::Null),
    };
    Ok(Node { start, end, kind })
}

/// The offset of the comma between a container's last element (ending at
/// `from`) and its closing bracket (`to` is just after it), if there is one:
/// only whitespace, comments and that comma can be there.
fn comma(body: &str, from: usize, to: usize) -> Option<usize> {
    let b = body.as_bytes();
    let mut i = from;
    while i + 1 < to {
        match (b[i], b.get(i + 1)) {
            (b',', _) => return Some(i),
            (b'/', Some(b'/')) => i = body[i..].find('\n').map_or(to, |n| i + n),
            (b'/', Some(b'*')) => i = body[i + 2..].find("*/").map_or(to, |n| i + 2 + n + 2),
            _ => i += 1,
        }
    }
    None
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
        // After a comment and a tab, and in an array.
        let e = parse("{\n\t\"a\": true /* c */\n\t\"b\": 1\n}").unwrap_err();
        assert_eq!(e.to_string(), "line 3, column 2: expected `,` or `}`");
        let e = parse("{\"a\": [1\n 2]}").unwrap_err();
        assert_eq!(e.to_string(), "line 2, column 2: expected `,` or `]`");
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
