//! The line syntax shared by go.mod and go.work (golang.org/x/mod/modfile's
//! lexer): tokens, `"…"` strings, `//` comments, `verb ( … )` blocks.
//!
//! Unlike modfile, a syntax error does not abort the file: the offending line
//! is dropped with an error and parsing continues, so one bad line does not
//! hide every require below it.

use super::gomod::ModError;
use crate::gosrc::Span;

/// One token of a line.
#[derive(Debug, Clone)]
pub(crate) struct Tok<'a> {
    pub text: &'a str,
    pub quoted: bool,
}

/// One directive: a top-level line (`require x v1`) or a line inside a block
/// (`x v1` inside `require ( … )`), with the block's verb as `verb`.
#[derive(Debug, Clone)]
pub(crate) struct Entry<'a> {
    pub verb: &'a str,
    pub args: Vec<Tok<'a>>,
    /// The `//` comment at the end of the line, without the slashes.
    pub comment: Option<&'a str>,
    /// From the first token of the line to its end (comment included,
    /// newline and trailing blanks excluded).
    pub span: Span,
    /// 1-based line number.
    pub line: usize,
}

struct Line<'a> {
    toks: Vec<Tok<'a>>,
    comment: Option<&'a str>,
    span: Span,
}

pub(crate) fn error(errors: &mut Vec<ModError>, line: usize, span: Span, message: String) {
    errors.push(ModError {
        message,
        span,
        line,
    });
}

/// Splits `src` into directives, pushing syntax errors to `errors` (sorted
/// by line at the end, with the directive errors the caller adds).
/// `block_verbs` are the verbs allowed to open a `( … )` block.
pub(crate) fn entries<'a>(
    src: &'a str,
    block_verbs: &[&str],
    errors: &mut Vec<ModError>,
) -> Vec<Entry<'a>> {
    let mut out = Vec::new();
    // (verb, line number) of the open block, if any.
    let mut block: Option<(&'a str, usize, bool)> = None;
    let mut offset = 0;
    for (idx, raw) in src.split('\n').enumerate() {
        let line_no = idx + 1;
        let start = offset;
        offset += raw.len() + 1;
        let Some(line) = lex_line(raw, start, line_no, errors) else {
            continue;
        };
        if line.toks.is_empty() {
            continue;
        }
        let first = &line.toks[0];
        if let Some((verb, _, known)) = block {
            if first.text == ")" && !first.quoted {
                if line.toks.len() > 1 {
                    error(
                        errors,
                        line_no,
                        line.span,
                        "syntax error (expected newline after closing paren)".into(),
                    );
                }
                block = None;
                continue;
            }
            if known {
                out.push(Entry {
                    verb,
                    args: line.toks,
                    comment: line.comment,
                    span: line.span,
                    line: line_no,
                });
            }
            continue;
        }
        let n = line.toks.len();
        let is_paren = |t: &Tok, p: &str| !t.quoted && t.text == p;
        if n >= 2 && is_paren(&line.toks[n - 1], "(") {
            // `verb (` opens a block.
            let known = n == 2 && !first.quoted && block_verbs.contains(&first.text);
            if !known {
                let words: Vec<&str> = line.toks[..n - 1].iter().map(|t| t.text).collect();
                error(
                    errors,
                    line_no,
                    line.span,
                    format!("unknown block type: {}", words.join(" ")),
                );
            }
            block = Some((first.text, line_no, known));
            continue;
        }
        if n == 3 && is_paren(&line.toks[1], "(") && is_paren(&line.toks[2], ")") {
            // `verb ()`: an empty block.
            continue;
        }
        let mut toks = line.toks;
        let verb = toks.remove(0);
        out.push(Entry {
            verb: verb.text,
            args: toks,
            comment: line.comment,
            span: line.span,
            line: line_no,
        });
    }
    if let Some((verb, line_no, _)) = block {
        let end = src.len();
        error(
            errors,
            line_no,
            Span::new(end, end),
            format!("syntax error (unterminated {verb} block started at line {line_no})"),
        );
    }
    out
}

fn is_punct(c: char) -> bool {
    matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | ',')
}

/// Tokenizes one line (without its `\n`). `None` (with an error) when the
/// line cannot be tokenized.
fn lex_line<'a>(
    raw: &'a str,
    base: usize,
    line_no: usize,
    errors: &mut Vec<ModError>,
) -> Option<Line<'a>> {
    let mut toks = Vec::new();
    let mut comment = None;
    let mut first: Option<usize> = None;
    let mut last_end = 0;
    let bytes = raw.as_bytes();
    let mut i = 0;
    let whole = Span::new(base, base + raw.trim_end().len());
    let mut fail = |msg: &str| {
        error(errors, line_no, whole, msg.to_string());
        None
    };
    while i < raw.len() {
        let c = match raw[i..].chars().next() {
            Some(c) => c,
            None => break,
        };
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let tok_start = i;
        if raw[i..].starts_with("//") {
            comment = Some(&raw[i + 2..]);
            first.get_or_insert(i);
            last_end = raw.trim_end().len();
            break;
        }
        if raw[i..].starts_with("/*") {
            return fail("mod files must use // comments (not /* */ comments)");
        }
        if is_punct(c) {
            i += 1;
            toks.push(Tok {
                text: &raw[tok_start..i],
                quoted: false,
            });
        } else if c == '"' || c == '`' {
            i += 1;
            loop {
                if i >= raw.len() {
                    return fail("unexpected newline in string");
                }
                let b = bytes[i];
                i += 1;
                if b == c as u8 {
                    break;
                }
                if b == b'\\' && c == '"' {
                    if i >= raw.len() {
                        return fail("unexpected newline in string");
                    }
                    // Skip the escaped character whole (it may be multi-byte).
                    i += raw[i..].chars().next().map_or(1, char::len_utf8);
                }
            }
            toks.push(Tok {
                text: &raw[tok_start..i],
                quoted: true,
            });
        } else if c.is_control() {
            return fail(&format!("unexpected input character {c:?}"));
        } else {
            while i < raw.len() {
                let Some(c) = raw[i..].chars().next() else {
                    break;
                };
                if c.is_whitespace() || is_punct(c) || raw[i..].starts_with("//") {
                    break;
                }
                if raw[i..].starts_with("/*") {
                    return fail("mod files must use // comments (not /* */ comments)");
                }
                if c.is_control() {
                    return fail(&format!("unexpected input character {c:?}"));
                }
                i += c.len_utf8();
            }
            toks.push(Tok {
                text: &raw[tok_start..i],
                quoted: false,
            });
        }
        first.get_or_insert(tok_start);
        last_end = i;
    }
    let span = match first {
        Some(f) => Span::new(base + f, base + last_end),
        None => Span::new(base, base),
    };
    Some(Line {
        toks,
        comment,
        span,
    })
}

/// modfile's parseString: unquotes a `"…"` token; other quotes are reserved.
pub(crate) fn string_value(tok: &Tok) -> Result<String, String> {
    if tok.quoted && tok.text.starts_with('"') {
        return unquote(tok.text).ok_or_else(|| format!("invalid quoted string: {}", tok.text));
    }
    if tok.text.contains(['"', '\'', '`']) {
        return Err("invalid quoted string: unquoted string cannot contain quote".into());
    }
    Ok(tok.text.to_string())
}

/// Go's strconv.Unquote for double-quoted strings.
fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            return None;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        let hex = |chars: &mut std::str::Chars, n: usize| -> Option<u32> {
            let digits: String = chars.by_ref().take(n).collect();
            if digits.len() != n {
                return None;
            }
            u32::from_str_radix(&digits, 16).ok()
        };
        let ch = match e {
            'a' => '\x07',
            'b' => '\x08',
            'f' => '\x0c',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\x0b',
            '\\' => '\\',
            '"' => '"',
            'x' => char::from_u32(hex(&mut chars, 2)?)?,
            'u' => char::from_u32(hex(&mut chars, 4)?)?,
            'U' => char::from_u32(hex(&mut chars, 8)?)?,
            '0'..='7' => {
                let rest: String = chars.by_ref().take(2).collect();
                let v = u32::from_str_radix(&format!("{e}{rest}"), 8).ok()?;
                if rest.len() != 2 || v > 255 {
                    return None;
                }
                char::from_u32(v)?
            }
            _ => return None,
        };
        out.push(ch);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoting() {
        assert_eq!(
            unquote(r#""a\tb\x41\u00e9\101""#).as_deref(),
            Some("a\tbAéA")
        );
        assert_eq!(unquote(r#""bad\q""#), None);
        assert_eq!(unquote(r#""trunc\x4""#), None);
    }
}
