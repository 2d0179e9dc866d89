//! What a cgo package's own C code references and defines, read from its
//! text (the objects do not exist before compiling). Deliberately rough:
//! identifiers inside `{...}` bodies are taken as references (a prototype
//! at file scope is not: it would pull archive members the compiled
//! object never asks for), and non-static file-scope function and
//! variable definitions as definitions.

use std::collections::HashSet;

/// Comments, string and character literals, and preprocessor lines
/// replaced by spaces, so that only code is left.
pub(crate) fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        if line_start && c == b'#' {
            // A directive runs to the end of the line, continuations included.
            while i < b.len() && b[i] != b'\n' {
                if b[i] == b'\\' && b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i += 2;
            out.push(b' ');
            continue;
        }
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c && b[i] != b'\n' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(b' ');
            continue;
        }
        if c == b'\n' {
            line_start = true;
        } else if !c.is_ascii_whitespace() {
            line_start = false;
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'a> {
    Ident(&'a str),
    Punct(char),
}

fn tokens(code: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_alphabetic() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push(Token::Ident(&rest[..end]));
            rest = &rest[end..];
        } else if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            rest = &rest[end..];
        } else {
            if !c.is_whitespace() {
                out.push(Token::Punct(c));
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Identifiers used inside braces: calls and uses in function bodies.
pub fn body_references(text: &str) -> HashSet<String> {
    let code = code_only(text);
    let mut depth = 0usize;
    let mut out = HashSet::new();
    for t in tokens(&code) {
        match t {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => depth = depth.saturating_sub(1),
            Token::Ident(id) if depth > 0 => {
                out.insert(id.to_string());
            }
            _ => {}
        }
    }
    out
}

const NOT_NAMES: &[&str] = &[
    "struct",
    "union",
    "enum",
    "const",
    "volatile",
    "unsigned",
    "signed",
    "int",
    "char",
    "long",
    "short",
    "double",
    "float",
    "void",
    "register",
    "restrict",
    "inline",
    "__inline__",
    "__attribute__",
    "__extension__",
    "_Bool",
    "bool",
];

/// Non-static functions and variables defined at file scope: symbols the
/// package's objects will define.
pub fn definitions(text: &str) -> HashSet<String> {
    let code = code_only(text);
    let toks = tokens(&code);
    let mut out = HashSet::new();
    let mut depth = 0usize;
    // The file-scope declaration being read (tokens since the last `;` or
    // closing brace of a function body).
    let mut decl: Vec<Token> = Vec::new();
    for t in toks {
        match t {
            Token::Punct('{') => {
                if depth == 0 {
                    if let Some(name) = function_name(&decl) {
                        if !has_word(&decl, "static") {
                            out.insert(name.to_string());
                        }
                        // The body ends the declaration.
                        decl.clear();
                    } else {
                        // A struct/enum body or an initializer: it goes on.
                        decl.push(t);
                    }
                }
                depth += 1;
            }
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 && !decl.is_empty() {
                    decl.push(t);
                }
            }
            Token::Punct(';') if depth == 0 => {
                if let Some(name) = variable_name(&decl) {
                    out.insert(name.to_string());
                }
                decl.clear();
            }
            _ if depth == 0 => decl.push(t),
            _ => {}
        }
    }
    out
}

fn has_word(decl: &[Token], w: &str) -> bool {
    decl.contains(&Token::Ident(w))
}

/// `type name(params)` right before `{`: the first identifier followed by
/// `(` outside parentheses (so `__attribute__((...))` is skipped).
fn function_name<'a>(decl: &[Token<'a>]) -> Option<&'a str> {
    if decl.last() != Some(&Token::Punct(')'))
        || decl.iter().any(|t| matches!(t, Token::Punct('=' | '{')))
    {
        return None;
    }
    let mut parens = 0usize;
    for (i, t) in decl.iter().enumerate() {
        match t {
            Token::Punct('(') => parens += 1,
            Token::Punct(')') => parens = parens.saturating_sub(1),
            Token::Ident(n)
                if parens == 0
                    && !NOT_NAMES.contains(n)
                    && decl.get(i + 1) == Some(&Token::Punct('(')) =>
            {
                return Some(n);
            }
            _ => {}
        }
    }
    None
}

/// `type name [= init];` at file scope, not extern/static/typedef and not a
/// prototype.
fn variable_name<'a>(decl: &[Token<'a>]) -> Option<&'a str> {
    if decl.is_empty()
        || ["extern", "static", "typedef"]
            .iter()
            .any(|w| has_word(decl, w))
    {
        return None;
    }
    let end = decl
        .iter()
        .position(|t| matches!(t, Token::Punct('=' | '[')))
        .unwrap_or(decl.len());
    let head = &decl[..end];
    if head.contains(&Token::Punct('(')) {
        return None; // a prototype (or a function pointer: rare enough)
    }
    // `struct s { ... } name` or `int name`: the last identifier, which
    // must follow a type (at least two tokens).
    if head.len() < 2
        || (head.len() == 2
            && ["struct", "union", "enum"]
                .iter()
                .any(|w| has_word(head, w)))
    {
        return None;
    }
    match head.last()? {
        Token::Ident(n) if !NOT_NAMES.contains(n) => Some(n),
        _ => None,
    }
}

/// Names a Go file exports to C with `//export Name`.
pub fn go_exports(src: &str) -> Vec<String> {
    src.lines()
        .filter_map(|l| l.strip_prefix("//export "))
        .filter_map(|r| r.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_come_from_bodies_only() {
        let refs = body_references(
            "#include <math.h>\n#define X(a) \\\n  cbrt(a)\n/* floor() */ double root(double);\n\
             static double f(double x) { return sqrt(x) + root(x); } // exp()\nconst char *s = \"log(\";\n",
        );
        assert!(refs.contains("sqrt") && refs.contains("root") && refs.contains("x"));
        for absent in ["cbrt", "floor", "exp", "log", "f"] {
            assert!(!refs.contains(absent), "{absent}");
        }
    }

    #[test]
    fn definitions_skip_static_extern_and_prototypes() {
        let defs = definitions(
            "int cb(int x) { if (x) { return 1; } return 0; }\n\
             static int local(void) { return 2; }\n\
             int proto(int);\nextern int ext;\nint counter = 3;\nint table[4];\n\
             struct pt { int x; int y; } origin;\ntypedef int myint;\n\
             void __attribute__((noinline)) attr(void) { }\n\
             static int hidden_var;\nstruct pt make(void)\n{\n  struct pt p = {1, 2};\n  return p;\n}\n",
        );
        let mut got: Vec<&str> = defs.iter().map(String::as_str).collect();
        got.sort();
        assert_eq!(got, ["attr", "cb", "counter", "make", "origin", "table"]);
    }

    #[test]
    fn exports() {
        assert_eq!(
            go_exports("//export GoCallback\nfunc GoCallback() {}\n// export no\n"),
            ["GoCallback"]
        );
    }

    #[test]
    fn odd_text_does_not_panic() {
        for t in [
            "{",
            "}",
            "}}}{",
            "\"",
            "/*",
            "#",
            "int f(",
            "int (*fp)(void) = 0;",
            "é{ü}",
        ] {
            let _ = definitions(t);
            let _ = body_references(t);
        }
    }
}
