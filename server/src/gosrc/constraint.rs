//! Build-constraint expressions: `//go:build` (with `||`, `&&`, `!`, parens)
//! and the legacy `// +build` syntax (space = OR, comma = AND, `!` = NOT).

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
}

/// Parses the text after `//go:build`.
pub fn parse_go_build(text: &str) -> Result<Expr, String> {
    let _ = text;
    todo!("gosrc helper implements this")
}

/// Parses the text after `// +build`.
pub fn parse_plus_build(text: &str) -> Result<Expr, String> {
    let _ = text;
    todo!("gosrc helper implements this")
}
