//! Build-constraint expressions: `//go:build` (with `||`, `&&`, `!`, parens)
//! and the legacy `// +build` syntax (space = OR, comma = AND, `!` = NOT).
//! A port of `go/build/constraint` (Parse, parseExpr, parsePlusBuildExpr):
//! same grammar, same limits, same error messages.

use super::unicode::{is_digit, is_letter};

/// A parsed build-constraint expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Evaluates the expression, asking `ok` whether each tag is satisfied.
    pub fn eval(&self, ok: &mut dyn FnMut(&str) -> bool) -> bool {
        match self {
            Expr::Tag(t) => ok(t),
            Expr::Not(x) => !x.eval(ok),
            Expr::And(a, b) => a.eval(ok) && b.eval(ok),
            Expr::Or(a, b) => a.eval(ok) || b.eval(ok),
        }
    }

    fn tag(t: &str) -> Expr {
        Expr::Tag(t.to_string())
    }
}

/// Go's limit on `!`/atom count in one `//go:build` line (`maxSize`); it also
/// bounds our recursion depth.
const MAX_SIZE: usize = 1000;
/// Go's limit on `&&`/`||` nodes in one `// +build` line (`maxOldSize`).
const MAX_OLD_SIZE: usize = 100;

/// Whether `c` may appear in a build tag: Unicode letter or digit, `_`, `.`.
pub fn is_tag_char(c: char) -> bool {
    is_letter(c) || is_digit(c) || c == '_' || c == '.'
}

/// Parses the text after `//go:build`. Errors carry go/build/constraint's
/// message (e.g. "unexpected end of expression", "missing close paren").
pub fn parse_go_build(text: &str) -> Result<Expr, String> {
    let mut p = ExprParser {
        s: text.trim_matches(is_go_space),
        i: 0,
        tok: Tok::End,
        pos: 0,
        size: 0,
    };
    let x = p.or()?;
    match p.tok {
        Tok::End => Ok(x),
        _ => Err(format!("unexpected token {}", p.tok_text())),
    }
}

/// Parses the text after `// +build`: space-separated options (OR) of
/// comma-separated terms (AND), each optionally negated by one `!`. As in
/// go/build, an invalid term (`!!x`, `!`, `a-b`) becomes the tag `ignore`
/// rather than an error, and an empty line means `ignore`; the only error is
/// an expression too large.
pub fn parse_plus_build(text: &str) -> Result<Expr, String> {
    let mut size = 0;
    let mut x: Option<Expr> = None;
    for clause in text.split(is_go_space).filter(|c| !c.is_empty()) {
        let mut y: Option<Expr> = None;
        for lit in clause.split(',') {
            let z = if lit.starts_with("!!") || lit == "!" {
                Expr::tag("ignore")
            } else {
                let (neg, name) = match lit.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, lit),
                };
                let t = if is_valid_tag(name) {
                    Expr::tag(name)
                } else {
                    Expr::tag("ignore")
                };
                if neg { Expr::Not(Box::new(t)) } else { t }
            };
            y = Some(match y {
                None => z,
                Some(y) => {
                    size += 1;
                    if size > MAX_OLD_SIZE {
                        return Err(ERR_COMPLEX.to_string());
                    }
                    Expr::And(Box::new(y), Box::new(z))
                }
            });
        }
        let Some(y) = y else { continue };
        x = Some(match x {
            None => y,
            Some(x) => {
                size += 1;
                if size > MAX_OLD_SIZE {
                    return Err(ERR_COMPLEX.to_string());
                }
                Expr::Or(Box::new(x), Box::new(y))
            }
        });
    }
    Ok(x.unwrap_or_else(|| Expr::tag("ignore")))
}

const ERR_COMPLEX: &str = "expression too complex for // +build lines";

fn is_valid_tag(word: &str) -> bool {
    !word.is_empty() && word.chars().all(is_tag_char)
}

/// Go's `unicode.IsSpace`, as used by `strings.TrimSpace`/`Fields`.
fn is_go_space(c: char) -> bool {
    super::unicode::is_space(c)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    End,
    LParen,
    RParen,
    Not,
    And,
    Or,
    /// A tag; its text is `s[pos..i]`.
    Tag,
}

/// go/build/constraint's `exprParser`: recursive descent with `!` binding
/// tighter than `&&`, which binds tighter than `||`.
struct ExprParser<'a> {
    s: &'a str,
    /// Next read position.
    i: usize,
    /// Last token read, starting at `pos`.
    tok: Tok,
    pos: usize,
    size: usize,
}

impl ExprParser<'_> {
    fn or(&mut self) -> Result<Expr, String> {
        let mut x = self.and()?;
        while self.tok == Tok::Or {
            let y = self.and()?;
            x = Expr::Or(Box::new(x), Box::new(y));
        }
        Ok(x)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut x = self.not()?;
        while self.tok == Tok::And {
            let y = self.not()?;
            x = Expr::And(Box::new(x), Box::new(y));
        }
        Ok(x)
    }

    fn not(&mut self) -> Result<Expr, String> {
        self.size += 1;
        if self.size > MAX_SIZE {
            return Err("build expression too large".to_string());
        }
        self.lex()?;
        if self.tok == Tok::Not {
            self.lex()?;
            if self.tok == Tok::Not {
                return Err("double negation not allowed".to_string());
            }
            return Ok(Expr::Not(Box::new(self.atom()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.tok {
            Tok::LParen => {
                let x = self.or().map_err(|e| {
                    if e == "unexpected end of expression" {
                        "missing close paren".to_string()
                    } else {
                        e
                    }
                })?;
                if self.tok != Tok::RParen {
                    return Err("missing close paren".to_string());
                }
                self.lex()?;
                Ok(x)
            }
            Tok::Tag => {
                let x = Expr::tag(self.tok_text());
                self.lex()?;
                Ok(x)
            }
            Tok::End => Err("unexpected end of expression".to_string()),
            _ => Err(format!("unexpected token {}", self.tok_text())),
        }
    }

    fn tok_text(&self) -> &str {
        self.s.get(self.pos..self.i).unwrap_or("")
    }

    fn lex(&mut self) -> Result<(), String> {
        let rest = self.s.get(self.i..).unwrap_or("");
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        self.i += skipped;
        self.pos = self.i;
        let rest = &rest[skipped..];
        let Some(c) = rest.chars().next() else {
            self.tok = Tok::End;
            return Ok(());
        };
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '!' => (Tok::Not, 1),
            '&' | '|' => {
                if rest.as_bytes().get(1) != Some(&(c as u8)) {
                    return Err(format!("invalid syntax at {c}"));
                }
                (if c == '&' { Tok::And } else { Tok::Or }, 2)
            }
            _ => {
                let len = rest.find(|c: char| !is_tag_char(c)).unwrap_or(rest.len());
                if len == 0 {
                    return Err(format!("invalid syntax at {c}"));
                }
                (Tok::Tag, len)
            }
        };
        self.tok = tok;
        self.i += len;
        Ok(())
    }
}
