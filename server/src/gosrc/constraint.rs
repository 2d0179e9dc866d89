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
    };
    p.parse()
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

/// go/build/constraint's `exprParser`. Go's parser is recursive descent
/// (`or` > `and` > `not` > `atom`, with `atom` recursing for parentheses);
/// this is the same grammar with the recursion for parentheses kept on an
/// explicit stack, so nesting depth cannot overflow the thread's stack.
struct ExprParser<'a> {
    s: &'a str,
    /// Next read position.
    i: usize,
    /// Last token read, starting at `pos`.
    tok: Tok,
    pos: usize,
}

/// One `or` expression being built: the `||` terms so far, the `&&` chain
/// of the current term, and whether a `!` precedes the parenthesis that
/// opened it.
#[derive(Default)]
struct Level {
    or: Option<Expr>,
    and: Option<Expr>,
    negated: bool,
}

fn join(acc: Option<Expr>, x: Expr, op: fn(Box<Expr>, Box<Expr>) -> Expr) -> Expr {
    match acc {
        None => x,
        Some(acc) => op(Box::new(acc), Box::new(x)),
    }
}

impl ExprParser<'_> {
    fn parse(&mut self) -> Result<Expr, String> {
        let mut outer: Vec<Level> = Vec::new();
        let mut cur = Level::default();
        let mut size = 0;
        loop {
            // `not`: an optional `!` and an atom.
            size += 1;
            if size > MAX_SIZE {
                return Err("build expression too large".to_string());
            }
            self.lex()?;
            let negated = self.tok == Tok::Not;
            if negated {
                self.lex()?;
                if self.tok == Tok::Not {
                    return Err("double negation not allowed".to_string());
                }
            }
            let mut x = match self.tok {
                Tok::LParen => {
                    outer.push(std::mem::replace(
                        &mut cur,
                        Level {
                            negated,
                            ..Level::default()
                        },
                    ));
                    continue;
                }
                Tok::Tag => {
                    let t = Expr::tag(self.tok_text());
                    self.lex()?;
                    if negated { Expr::Not(Box::new(t)) } else { t }
                }
                // Inside parentheses Go rewrites this error.
                Tok::End if outer.is_empty() => {
                    return Err("unexpected end of expression".to_string());
                }
                Tok::End => return Err("missing close paren".to_string()),
                _ => return Err(format!("unexpected token {}", self.tok_text())),
            };
            // Fold the operand into `&&`/`||` chains, closing parentheses.
            loop {
                cur.and = Some(join(cur.and.take(), x, Expr::And));
                if self.tok == Tok::And {
                    break;
                }
                if let Some(term) = cur.and.take() {
                    cur.or = Some(join(cur.or.take(), term, Expr::Or));
                }
                if self.tok == Tok::Or {
                    break;
                }
                let done = cur.or.take().unwrap_or_else(|| Expr::tag(""));
                let Some(parent) = outer.pop() else {
                    return match self.tok {
                        Tok::End => Ok(done),
                        _ => Err(format!("unexpected token {}", self.tok_text())),
                    };
                };
                if self.tok != Tok::RParen {
                    return Err("missing close paren".to_string());
                }
                self.lex()?;
                x = if cur.negated {
                    Expr::Not(Box::new(done))
                } else {
                    done
                };
                cur = parent;
            }
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
