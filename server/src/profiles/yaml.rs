//! A small YAML tree with byte spans, built from saphyr-parser's spanned
//! events, for reading `.goreleaser.yaml`, `.ko.yaml`, workflows and
//! Taskfiles, and editing them in place. Aliases are resolved (with a node budget against alias bombs) and
//! `<<` merge keys are applied; nodes that came through an alias are marked
//! so that edits never target a shared anchor by accident.

use crate::gosrc::Span;
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar { text: String, quoted: bool },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte span in the source (for a block collection: first to last byte
    /// of its content).
    pub span: Span,
    /// Flow style (`[a, b]`, `{a: b}`).
    pub flow: bool,
    /// Reached through an alias or a merge key: not written here.
    pub aliased: bool,
}

const MAX_NODES: usize = 200_000;
const MAX_DEPTH: usize = 128;

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    /// The key node for `key`.
    pub fn key(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, _)| k),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(v) => v,
            _ => &[],
        }
    }
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }
    /// A string or a list of strings (goreleaser accepts both for ldflags, flags).
    pub fn strings(&self) -> Vec<String> {
        match &self.value {
            Value::Scalar { text, .. } => vec![text.clone()],
            Value::Seq(v) => v
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
            Value::Map(_) => Vec::new(),
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, quoted: false } if text.is_empty() || text == "~" || text == "null")
    }
    /// Last byte of the node's own text (rightmost scalar's end).
    pub fn last_byte(&self) -> usize {
        if self.flow {
            return self.span.end;
        }
        match &self.value {
            Value::Scalar { .. } => self.span.end,
            Value::Seq(v) => v.iter().map(Node::last_byte).max().unwrap_or(self.span.end),
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| k.last_byte().max(v.last_byte()))
                .max()
                .unwrap_or(self.span.end),
        }
    }
    fn mark_aliased(&mut self) {
        self.aliased = true;
        match &mut self.value {
            Value::Seq(v) => v.iter_mut().for_each(Node::mark_aliased),
            Value::Map(m) => m.iter_mut().for_each(|(k, v)| {
                k.mark_aliased();
                v.mark_aliased()
            }),
            Value::Scalar { .. } => {}
        }
    }
    fn count(&self) -> usize {
        1 + match &self.value {
            Value::Seq(v) => v.iter().map(Node::count).sum(),
            Value::Map(m) => m.iter().map(|(k, v)| k.count() + v.count()).sum(),
            Value::Scalar { .. } => 0,
        }
    }
}

/// Where the value of scalar `n` is written: for each line of the value,
/// (offset in the value, offset in `text`). Only for scalars whose value is
/// the source text line by line: a plain or quoted one-liner without
/// escapes, or a literal block (`|`) without an indentation indicator.
/// Anything else (folded, escapes, multi-line flow) gives none.
pub fn scalar_lines(text: &str, n: &Node) -> Option<Vec<(usize, usize)>> {
    let value = n.as_str()?;
    let src = text.get(n.span.start..n.span.end)?;
    if !src.contains('\n') {
        let inner = match src.as_bytes().first() {
            Some(b'\'' | b'"') if src.len() >= 2 => (&src[1..src.len() - 1], n.span.start + 1),
            _ => (src, n.span.start),
        };
        return (inner.0 == value).then(|| vec![(0, inner.1)]);
    }
    // A literal block: `|`, `|-`, `|+` then the content lines. The node's
    // span may start at the indicator or at the content.
    let head_end = src.find('\n')?;
    let is_head = |h: &str| matches!(h.trim(), "|" | "|-" | "|+");
    let body_start = if is_head(&src[..head_end]) {
        n.span.start + head_end + 1
    } else {
        let ls = text[..n.span.start].rfind('\n').map_or(0, |p| p + 1);
        let prev_end = ls.checked_sub(1)?;
        let prev_start = text[..prev_end].rfind('\n').map_or(0, |p| p + 1);
        let prev = text[prev_start..prev_end].trim_end_matches('\r');
        let ind = prev.rsplit([' ', ':']).next().unwrap_or("");
        if !is_head(ind) {
            return None;
        }
        ls
    };
    let body = &text[body_start..];
    let indent = body
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())?;
    let mut out = Vec::new();
    let mut rebuilt = String::new();
    let mut at = body_start;
    for line in text[body_start..].split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let ind = content.len() - content.trim_start_matches(' ').len();
        if !content.trim().is_empty() && ind < indent {
            break;
        }
        if rebuilt.len() >= value.len() && !content.trim().is_empty() && ind < indent {
            break;
        }
        out.push((rebuilt.len(), at + indent.min(content.len())));
        rebuilt.push_str(content.get(indent..).unwrap_or(""));
        rebuilt.push('\n');
        at += line.len();
        if rebuilt.trim_end() == value.trim_end() && rebuilt.len() >= value.len() {
            break;
        }
    }
    (rebuilt.trim_end() == value.trim_end()).then_some(out)
}

/// Maps an offset in a scalar's value to the file, with [`scalar_lines`].
pub fn map_offset(lines: &[(usize, usize)], at: usize) -> Option<usize> {
    let (v, s) = lines.iter().rev().find(|(v, _)| *v <= at)?;
    Some(s + (at - v))
}

/// Parses the first document. Errors carry a byte span and a message.
pub fn parse(text: &str) -> Result<Node, (Span, String)> {
    // saphyr reports character offsets; map them to bytes.
    let char_to_byte: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let byte = |c: usize| char_to_byte.get(c).copied().unwrap_or(text.len());
    struct Open {
        node: Node,
        anchor: usize,
        pending_key: Option<Node>,
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut total = 0usize;
    let mut root: Option<Node> = None;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| {
            let at = byte(e.marker().index());
            (Span::new(at, at), e.info().to_string())
        })?;
        let sp = Span::new(byte(span.start.index()), byte(span.end.index()));
        let (node, anchor) = match ev {
            Event::StreamEnd | Event::DocumentEnd => {
                if root.is_some() {
                    break;
                }
                continue;
            }
            Event::Scalar(v, style, anchor, _) => (
                Node {
                    value: Value::Scalar {
                        text: v.into_owned(),
                        quoted: !matches!(style, ScalarStyle::Plain),
                    },
                    span: sp,
                    flow: false,
                    aliased: false,
                },
                anchor,
            ),
            Event::Alias(id) => {
                let mut n = anchors
                    .get(&id)
                    .cloned()
                    .ok_or((sp, "alias to an unknown anchor".to_string()))?;
                total += n.count();
                if total > MAX_NODES {
                    return Err((sp, "too many nodes (alias expansion)".into()));
                }
                n.mark_aliased();
                (n, 0)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err((sp, "nesting too deep".into()));
                }
                let is_seq = matches!(ev, Event::SequenceStart(..));
                let flow = matches!(text.as_bytes().get(sp.start), Some(b'[' | b'{'));
                stack.push(Open {
                    node: Node {
                        value: if is_seq {
                            Value::Seq(Vec::new())
                        } else {
                            Value::Map(Vec::new())
                        },
                        span: sp,
                        flow,
                        aliased: false,
                    },
                    anchor,
                    pending_key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(mut o) = stack.pop() else { continue };
                o.node.span.end = if o.node.flow {
                    sp.end
                } else {
                    o.node.last_byte().max(o.node.span.start)
                };
                if let Value::Map(m) = &mut o.node.value {
                    apply_merge(m);
                }
                (o.node, o.anchor)
            }
            _ => continue,
        };
        total += 1;
        if total > MAX_NODES {
            return Err((sp, "too many nodes".into()));
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(node);
                }
            }
            Some(o) => match &mut o.node.value {
                Value::Seq(v) => v.push(node),
                Value::Map(m) => match o.pending_key.take() {
                    None => o.pending_key = Some(node),
                    Some(k) => m.push((k, node)),
                },
                Value::Scalar { .. } => {}
            },
        }
    }
    Ok(root.unwrap_or(Node {
        value: Value::Map(Vec::new()),
        span: Span::new(0, 0),
        flow: false,
        aliased: false,
    }))
}

/// `<<: *anchor` (or a list of them): copies keys the map does not set.
fn apply_merge(m: &mut Vec<(Node, Node)>) {
    let Some(pos) = m.iter().position(|(k, _)| k.as_str() == Some("<<")) else {
        return;
    };
    let (_, v) = m.remove(pos);
    let sources: Vec<Node> = match v.value {
        Value::Map(_) => vec![v],
        Value::Seq(items) => items,
        Value::Scalar { .. } => vec![],
    };
    for s in sources {
        for (k, mut val) in s.entries().to_vec() {
            if !m.iter().any(|(mk, _)| mk.as_str() == k.as_str()) {
                val.mark_aliased();
                m.push((k, val));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_anchors() {
        let t = "x: &base\n  env:\n    - CGO_ENABLED=0\nbuilds:\n  - <<: *base\n    id: é\n    tags: [a, \"b\"]\n";
        let n = parse(t).unwrap();
        let b = &n.get("builds").unwrap().items()[0];
        let id = b.get("id").unwrap();
        assert_eq!(&t[id.span.start..id.span.end], "é");
        let tags = b.get("tags").unwrap();
        assert!(tags.flow);
        assert_eq!(&t[tags.span.start..tags.span.end], "[a, \"b\"]");
        let env = b.get("env").unwrap();
        assert!(env.aliased);
        assert_eq!(env.strings(), ["CGO_ENABLED=0"]);
    }

    #[test]
    fn scalar_lines_map_to_source() {
        let t = "a:\n  run: |\n    export X=1\n\n    go build \\\n      -o x .\n  b: 'go build .'\n  c: >\n    folded\n";
        let n = parse(t).unwrap();
        let run = n.get("a").unwrap().get("run").unwrap();
        let m = scalar_lines(t, run).unwrap();
        let v = run.as_str().unwrap();
        for word in ["export", "go", "-o"] {
            let at = v.find(word).unwrap();
            let f = map_offset(&m, at).unwrap();
            assert_eq!(&t[f..f + word.len()], word);
        }
        let b = n.get("a").unwrap().get("b").unwrap();
        let m = scalar_lines(t, b).unwrap();
        assert_eq!(&t[map_offset(&m, 3).unwrap()..][..5], "build");
        assert!(scalar_lines(t, n.get("a").unwrap().get("c").unwrap()).is_none());
    }

    #[test]
    fn hostile_yaml() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let p = if i == 0 {
                "a".to_string()
            } else {
                format!("a{}", i - 1)
            };
            bomb.push_str(&format!(
                "a{i}: &a{i} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            ));
        }
        for t in [
            bomb.as_str(),
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            "a: 'unterminated",
            "a:\n\t- tab",
            "*unknown",
            "builds:\r\n  - id: x\r\n",
            "{{ .Version }}",
            "",
        ] {
            let _ = parse(t);
        }
        assert!(parse(&bomb).is_err());
        let n = parse("builds:\r\n  - id: x\r\n").unwrap();
        assert_eq!(
            n.get("builds").unwrap().items()[0]
                .get("id")
                .unwrap()
                .as_str(),
            Some("x")
        );
    }
}
