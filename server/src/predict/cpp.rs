//! The C preprocessor's conditionals, where they decide linking: which
//! `#include`s a cgo preamble or a package's `.c` file reaches and which
//! code is compiled (so which symbols it calls), under the `-D`/`-U` of
//! `#cgo CFLAGS`/`CPPFLAGS`, CGO_CFLAGS and the compiler's predefined macros
//! for the target. go-sqlite3 puts `#include <sqlite3.h>` inside `#ifndef
//! USE_LIBSQLITE3`; miekg/pkcs11 puts `#include <windows.h>` inside `#ifdef
//! _WIN32`. Our own small evaluator: no maintained Rust crate evaluates
//! `#if` over C text without also wanting every system header, and only
//! the conditionals matter here.
//!
//! Handled: `#if/#ifdef/#ifndef/#elif/#else/#endif/#define/#undef/#include`,
//! `defined X`, `__has_include`, integer arithmetic, object-like macros
//! (expanded in `#if`), quoted includes from the package directory (their
//! `#define`s count). A function-like macro in an `#if` evaluates to 0, as
//! an unknown identifier does; system headers are not read, except that a
//! glibc toolchain defines `__GLIBC__` as `<features.h>` would.

use super::facts;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The target a compiler predefines macros for.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub goos: &'a str,
    pub goarch: &'a str,
    pub glibc: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Macros {
    defs: HashMap<String, String>,
}

impl Macros {
    /// gcc's predefined macros for the target (the ones code tests).
    pub fn predefined(t: &Target) -> Macros {
        let mut m = Macros::default();
        let mut d = |k: &str, v: &str| {
            m.defs.insert(k.to_string(), v.to_string());
        };
        for (k, v) in [
            ("__GNUC__", "12"),
            ("__GNUC_MINOR__", "2"),
            ("__STDC__", "1"),
            ("__STDC_VERSION__", "201710L"),
            ("__STDC_HOSTED__", "1"),
            ("__CHAR_BIT__", "8"),
            ("__ORDER_LITTLE_ENDIAN__", "1234"),
            ("__ORDER_BIG_ENDIAN__", "4321"),
            ("__BYTE_ORDER__", "1234"),
        ] {
            d(k, v);
        }
        match t.goos {
            "linux" | "android" => {
                for k in [
                    "__linux__",
                    "__linux",
                    "linux",
                    "__unix__",
                    "__unix",
                    "unix",
                    "__ELF__",
                ] {
                    d(k, "1");
                }
                if t.glibc {
                    d("__gnu_linux__", "1");
                    // Every libc header includes <features.h>.
                    d("__GLIBC__", "2");
                    d("__GLIBC_MINOR__", "36");
                }
            }
            "windows" => {
                d("_WIN32", "1");
                if t.goarch == "amd64" || t.goarch == "arm64" {
                    d("_WIN64", "1");
                }
            }
            "darwin" | "ios" => {
                d("__APPLE__", "1");
                d("__MACH__", "1");
            }
            "freebsd" => {
                d("__FreeBSD__", "14");
                d("__unix__", "1");
            }
            _ => {}
        }
        let bits64 = matches!(
            t.goarch,
            "amd64"
                | "arm64"
                | "riscv64"
                | "ppc64le"
                | "ppc64"
                | "s390x"
                | "loong64"
                | "mips64"
                | "mips64le"
        );
        if bits64 {
            d("__LP64__", "1");
            d("_LP64", "1");
            d("__SIZEOF_POINTER__", "8");
            d("__SIZEOF_LONG__", "8");
        } else {
            d("__SIZEOF_POINTER__", "4");
            d("__SIZEOF_LONG__", "4");
        }
        let arch: &[&str] = match t.goarch {
            "amd64" => &["__x86_64__", "__x86_64", "__amd64__", "__amd64"],
            "386" => &["__i386__", "__i386", "i386"],
            "arm64" => &["__aarch64__", "__ARM_64BIT_STATE"],
            "arm" => &["__arm__", "__ARM_EABI__"],
            "riscv64" => &["__riscv"],
            "ppc64le" => &["__powerpc64__", "__PPC64__", "_ARCH_PPC64"],
            "s390x" => &["__s390x__", "__s390__"],
            "loong64" => &["__loongarch__", "__loongarch64"],
            _ => &[],
        };
        for k in arch {
            d(k, "1");
        }
        m
    }

    /// `-D`/`-U` flags, in order (`-DX`, `-DX=v`, `-D X`).
    pub fn apply_flags<'a>(&mut self, flags: impl IntoIterator<Item = &'a String>) {
        let mut it = flags.into_iter().peekable();
        while let Some(f) = it.next() {
            let (kind, arg) = match f.as_str() {
                "-D" | "-U" => match it.next() {
                    Some(a) => (&f[..2], a.as_str()),
                    None => continue,
                },
                s if s.starts_with("-D") || s.starts_with("-U") => (&s[..2], &s[2..]),
                _ => continue,
            };
            if kind == "-U" {
                self.defs.remove(arg);
            } else {
                let (k, v) = arg.split_once('=').unwrap_or((arg, "1"));
                self.defs.insert(k.to_string(), v.to_string());
            }
        }
    }

    pub fn is_defined(&self, name: &str) -> bool {
        self.defs.contains_key(name)
    }
}

/// An `#include` the compiler reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    pub name: String,
    /// `<...>` (true) or `"..."`.
    pub angle: bool,
    /// 0-based line in the text it came from (its own file's lines).
    pub line: usize,
}

/// The result of preprocessing one text.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// The text with the lines of skipped groups and every directive
    /// blanked (line count kept).
    pub active: String,
    /// Includes reached, in order, not counting those found in the package
    /// directory (whose own includes are listed instead).
    pub includes: Vec<Include>,
    /// Thread-local storage (`__thread`, `_Thread_local`, `thread_local`)
    /// in compiled code.
    pub tls: bool,
    /// The quoted includes read (their files), in order.
    pub read: Vec<PathBuf>,
}

/// Preprocesses `text` (from `dir`): conditionals decide what is active;
/// quoted includes found in `dir` or `local_dirs` are read (their macros
/// count, their reached includes are listed) up to a small depth.
pub fn preprocess(
    text: &str,
    dir: &Path,
    local_dirs: &[PathBuf],
    macros: &mut Macros,
    has_header: &dyn Fn(&str) -> bool,
) -> Output {
    let mut out = Output::default();
    let mut seen: Vec<PathBuf> = Vec::new();
    run(
        &Lexed::of(text),
        dir,
        local_dirs,
        macros,
        has_header,
        &mut out,
        &mut seen,
        0,
        true,
    );
    out.read = seen;
    out
}

/// A text's logical lines, and whether it may hold a TLS keyword (every
/// one has "hread" in it: one search of the text spares one per line).
/// `marked` lists the lines an included file's run looks at: directives
/// and lines with a TLS keyword. An included header's other lines matter
/// to nothing, and a vendored library includes the same 800 kB of headers
/// from each of its `.c` files (most of a cold check was walking them).
struct Lexed {
    lines: Vec<String>,
    maybe_tls: bool,
    marked: Vec<u32>,
}

impl Lexed {
    fn of(text: &str) -> Lexed {
        let lines = logical_lines(text);
        let maybe_tls = text.contains("hread");
        let marked = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with('#') || (maybe_tls && has_tls(l)))
            .map(|(n, _)| n as u32)
            .collect();
        Lexed {
            lines,
            maybe_tls,
            marked,
        }
    }

    /// An included file, lexed once per process and version: a vendored
    /// library's `.c` files each include the same headers (DataDog/zstd's
    /// 40 files, some 800 kB of headers each time).
    fn of_file(path: &Path) -> Option<std::sync::Arc<Lexed>> {
        use std::sync::{Arc, Mutex};
        type Cache = HashMap<PathBuf, (u64, Arc<Lexed>)>;
        static CACHE: Mutex<Option<(Cache, usize)>> = Mutex::new(None);
        /// Bytes of lexed text kept before starting over.
        const MAX_BYTES: usize = 64 << 20;
        let version = facts::stamp(path)?;
        if let Ok(c) = CACHE.lock()
            && let Some((v, l)) = c.as_ref().and_then(|(m, _)| m.get(path))
            && *v == version
        {
            return Some(l.clone());
        }
        let text = crate::regular::read_to_string(path).ok()?;
        let lexed = Arc::new(Lexed::of(&text));
        if let Ok(mut c) = CACHE.lock() {
            let (m, bytes) = c.get_or_insert_with(Default::default);
            if *bytes + text.len() > MAX_BYTES {
                m.clear();
                *bytes = 0;
            }
            *bytes += text.len();
            m.insert(path.to_path_buf(), (version, lexed.clone()));
        }
        Some(lexed)
    }
}

/// Comments removed (newlines kept) and continuation lines joined (the
/// joined lines left empty, so line numbers hold).
fn logical_lines(text: &str) -> Vec<String> {
    let mut no_comments = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'*') => {
                no_comments.push_str(&text[start..i]);
                let end = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                for c in text[i..end].chars() {
                    no_comments.push(if c == '\n' { '\n' } else { ' ' });
                }
                i = end;
                start = i;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                no_comments.push_str(&text[start..i]);
                let end = text[i..].find('\n').map_or(b.len(), |e| i + e);
                i = end;
                start = i;
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    no_comments.push_str(&text[start.min(text.len())..]);
    let mut lines: Vec<String> = Vec::new();
    let mut pending = String::new();
    let mut pending_count = 0;
    for l in no_comments.split('\n') {
        let l = l.strip_suffix('\r').unwrap_or(l);
        if let Some(cont) = l.strip_suffix('\\') {
            pending.push_str(cont);
            pending.push(' ');
            pending_count += 1;
            continue;
        }
        pending.push_str(l);
        lines.push(std::mem::take(&mut pending));
        for _ in 0..pending_count {
            lines.push(String::new());
        }
        pending_count = 0;
    }
    if !pending.is_empty() {
        lines.push(pending);
    }
    // The text's final newline ends the last line, it does not start one.
    if no_comments.ends_with('\n') && lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

#[derive(Clone, Copy)]
struct Group {
    /// The enclosing groups are active.
    parent: bool,
    /// This branch is being compiled.
    active: bool,
    /// Some branch of this group was taken.
    taken: bool,
}

#[allow(clippy::too_many_arguments)]
fn run(
    text: &Lexed,
    dir: &Path,
    local_dirs: &[PathBuf],
    macros: &mut Macros,
    has_header: &dyn Fn(&str) -> bool,
    out: &mut Output,
    seen: &mut Vec<PathBuf>,
    depth: u32,
    top: bool,
) {
    let mut stack: Vec<Group> = Vec::new();
    let active = |s: &[Group]| s.last().is_none_or(|g| g.active);
    let maybe_tls = text.maybe_tls;
    // The top text's active lines are the output; an included one's
    // unmarked lines change nothing.
    let mut all = text.lines.iter().enumerate();
    let mut marked = text
        .marked
        .iter()
        .map(|&n| (n as usize, &text.lines[n as usize]));
    let lines: &mut dyn Iterator<Item = (usize, &String)> =
        if top { &mut all } else { &mut marked };
    for (n, line) in lines {
        let t = line.trim_start();
        let Some(d) = t.strip_prefix('#') else {
            if top {
                if active(&stack) {
                    out.active.push_str(line);
                    if maybe_tls && !out.tls && has_tls(line) {
                        out.tls = true;
                    }
                }
                out.active.push('\n');
            } else if maybe_tls && active(&stack) && !out.tls && has_tls(line) {
                out.tls = true;
            }
            continue;
        };
        if top {
            out.active.push('\n');
        }
        let d = d.trim_start();
        let word_end = d
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(d.len());
        let (word, rest) = d.split_at(word_end);
        let rest = rest.trim();
        let on = active(&stack);
        match word {
            "if" | "ifdef" | "ifndef" => {
                let cond = on
                    && match word {
                        "ifdef" => macros.is_defined(first_word(rest)),
                        "ifndef" => !macros.is_defined(first_word(rest)),
                        _ => eval(rest, macros, has_header) != 0,
                    };
                stack.push(Group {
                    parent: on,
                    active: cond,
                    taken: cond,
                });
            }
            "elif" | "elifdef" | "elifndef" => {
                if let Some(g) = stack.last_mut() {
                    let cond = g.parent
                        && !g.taken
                        && match word {
                            "elifdef" => macros.is_defined(first_word(rest)),
                            "elifndef" => !macros.is_defined(first_word(rest)),
                            _ => eval(rest, macros, has_header) != 0,
                        };
                    g.active = cond;
                    g.taken |= cond;
                }
            }
            "else" => {
                if let Some(g) = stack.last_mut() {
                    g.active = g.parent && !g.taken;
                    g.taken = true;
                }
            }
            "endif" => {
                stack.pop();
            }
            "define" if on => {
                let name_end = rest
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .unwrap_or(rest.len());
                let name = &rest[..name_end];
                if name.is_empty() {
                    continue;
                }
                let after = &rest[name_end..];
                // Function-like: defined, but not expanded in #if.
                let value = if after.starts_with('(') {
                    "\u{0}fn".to_string()
                } else {
                    after.trim().to_string()
                };
                macros.defs.insert(name.to_string(), value);
            }
            "undef" if on => {
                macros.defs.remove(first_word(rest));
            }
            "include" | "include_next" | "import" if on => {
                let Some((name, angle)) = include_target(rest) else {
                    continue;
                };
                if !angle && depth < 8 {
                    let found = std::iter::once(dir.to_path_buf())
                        .chain(local_dirs.iter().cloned())
                        .map(|d| d.join(&name))
                        .find(|p| p.is_file());
                    if let Some(path) = found {
                        if seen.contains(&path) {
                            continue;
                        }
                        seen.push(path.clone());
                        if let Some(text) = Lexed::of_file(&path) {
                            let sub = path.parent().map(Path::to_path_buf).unwrap_or_default();
                            run(
                                &text,
                                &sub,
                                local_dirs,
                                macros,
                                has_header,
                                out,
                                seen,
                                depth + 1,
                                false,
                            );
                        }
                        continue;
                    }
                }
                if top || !angle {
                    out.includes.push(Include {
                        name,
                        angle,
                        line: if top { n } else { usize::MAX },
                    });
                }
            }
            _ => {}
        }
    }
}

fn has_tls(line: &str) -> bool {
    ["__thread", "_Thread_local", "thread_local"]
        .iter()
        .any(|k| {
            line.match_indices(k).any(|(i, _)| {
                let before = line[..i].chars().next_back();
                let after = line[i + k.len()..].chars().next();
                let ident =
                    |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                !ident(before) && !ident(after)
            })
        })
}

fn first_word(s: &str) -> &str {
    s.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .find(|w| !w.is_empty())
        .unwrap_or("")
}

fn include_target(rest: &str) -> Option<(String, bool)> {
    let (close, angle) = match rest.chars().next()? {
        '<' => ('>', true),
        '"' => ('"', false),
        _ => return None,
    };
    let inner = &rest[1..];
    inner.find(close).map(|e| (inner[..e].to_string(), angle))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(i64),
    Ident(String),
    Op(&'static str),
    /// `__has_include(...)` already answered.
    Has(bool),
}

const OPS: &[&str] = &[
    "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "(", ")", "!", "~", "-", "+", "*", "/", "%",
    "<", ">", "&", "^", "|", "?", ":", ",",
];

fn lex(s: &str, has_header: &dyn Fn(&str) -> bool) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '.')
                .unwrap_or(rest.len());
            let lit = rest[..end].trim_end_matches(['u', 'U', 'l', 'L']);
            let v = if let Some(h) = lit.strip_prefix("0x").or(lit.strip_prefix("0X")) {
                i64::from_str_radix(h, 16).unwrap_or(0)
            } else if lit.len() > 1 && lit.starts_with('0') {
                i64::from_str_radix(&lit[1..], 8).unwrap_or(0)
            } else {
                lit.parse().unwrap_or(0)
            };
            out.push(Tok::Num(v));
            rest = &rest[end..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(rest.len());
            let id = &rest[..end];
            rest = &rest[end..];
            if id == "__has_include" || id == "__has_include_next" {
                let r = rest.trim_start();
                if let Some(inner) = r.strip_prefix('(')
                    && let Some(close) = inner.find(')')
                {
                    let arg = inner[..close].trim();
                    let name = arg.trim_matches(['<', '>', '"']);
                    out.push(Tok::Has(has_header(name)));
                    rest = &inner[close + 1..];
                    continue;
                }
            }
            out.push(Tok::Ident(id.to_string()));
        } else if c == '\'' {
            // A character constant: its value.
            let inner = &rest[1..];
            let end = inner.find('\'').unwrap_or(inner.len());
            out.push(Tok::Num(inner.chars().next().map_or(0, |c| c as i64)));
            rest = inner.get(end + 1..).unwrap_or("");
        } else if let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) {
            out.push(Tok::Op(op));
            rest = &rest[op.len()..];
        } else {
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Expands `defined` and object-like macros; other identifiers become 0.
fn expand(toks: Vec<Tok>, m: &Macros, has_header: &dyn Fn(&str) -> bool, depth: u32) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Ident(id) if id == "defined" => {
                let (name, skip) = match (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3)) {
                    (Some(Tok::Op("(")), Some(Tok::Ident(n)), Some(Tok::Op(")"))) => (n.clone(), 4),
                    (Some(Tok::Ident(n)), _, _) => (n.clone(), 2),
                    _ => (String::new(), 1),
                };
                out.push(Tok::Num(m.is_defined(&name) as i64));
                i += skip;
            }
            Tok::Ident(id) => {
                match m.defs.get(id) {
                    Some(v) if !v.starts_with('\u{0}') && depth < 16 => {
                        let sub = expand(lex(v, has_header), m, has_header, depth + 1);
                        if sub.is_empty() {
                            out.push(Tok::Num(0));
                        } else {
                            out.push(Tok::Op("("));
                            out.extend(sub);
                            out.push(Tok::Op(")"));
                        }
                    }
                    Some(_) => {
                        // A function-like macro: skip its arguments, value unknown (0).
                        if toks.get(i + 1) == Some(&Tok::Op("(")) {
                            let mut level = 0;
                            let mut j = i + 1;
                            while j < toks.len() {
                                match toks[j] {
                                    Tok::Op("(") => level += 1,
                                    Tok::Op(")") => {
                                        level -= 1;
                                        if level == 0 {
                                            break;
                                        }
                                    }
                                    _ => {}
                                }
                                j += 1;
                            }
                            i = j;
                        }
                        out.push(Tok::Num(0));
                    }
                    None => out.push(Tok::Num(0)),
                }
                i += 1;
            }
            Tok::Has(b) => {
                out.push(Tok::Num(*b as i64));
                i += 1;
            }
            t => {
                out.push(t.clone());
                i += 1;
            }
        }
    }
    out
}

/// The value of an `#if` expression.
pub fn eval(expr: &str, m: &Macros, has_header: &dyn Fn(&str) -> bool) -> i64 {
    let toks = expand(lex(expr, has_header), m, has_header, 0);
    let mut p = Parser { toks: &toks, i: 0 };
    p.ternary(0)
}

struct Parser<'a> {
    toks: &'a [Tok],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }

    fn ternary(&mut self, depth: u32) -> i64 {
        let c = self.binary(0, depth);
        if self.peek() == Some(&Tok::Op("?")) {
            self.i += 1;
            let a = self.ternary(depth + 1);
            if self.peek() == Some(&Tok::Op(":")) {
                self.i += 1;
            }
            let b = self.ternary(depth + 1);
            return if c != 0 { a } else { b };
        }
        c
    }

    fn prec(op: &str) -> Option<u8> {
        Some(match op {
            "||" => 1,
            "&&" => 2,
            "|" => 3,
            "^" => 4,
            "&" => 5,
            "==" | "!=" => 6,
            "<" | ">" | "<=" | ">=" => 7,
            "<<" | ">>" => 8,
            "+" | "-" => 9,
            "*" | "/" | "%" => 10,
            _ => return None,
        })
    }

    fn binary(&mut self, min: u8, depth: u32) -> i64 {
        let mut lhs = self.unary(depth);
        while let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            let Some(p) = Self::prec(op) else { break };
            if p < min {
                break;
            }
            self.i += 1;
            let rhs = self.binary(p + 1, depth);
            lhs = match op {
                "||" => (lhs != 0 || rhs != 0) as i64,
                "&&" => (lhs != 0 && rhs != 0) as i64,
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "==" => (lhs == rhs) as i64,
                "!=" => (lhs != rhs) as i64,
                "<" => (lhs < rhs) as i64,
                ">" => (lhs > rhs) as i64,
                "<=" => (lhs <= rhs) as i64,
                ">=" => (lhs >= rhs) as i64,
                "<<" => lhs.wrapping_shl(rhs as u32),
                ">>" => lhs.wrapping_shr(rhs as u32),
                "+" => lhs.wrapping_add(rhs),
                "-" => lhs.wrapping_sub(rhs),
                "*" => lhs.wrapping_mul(rhs),
                "/" => lhs.checked_div(rhs).unwrap_or(0),
                "%" => lhs.checked_rem(rhs).unwrap_or(0),
                _ => lhs,
            };
        }
        lhs
    }

    fn unary(&mut self, depth: u32) -> i64 {
        if depth > 200 {
            return 0;
        }
        let Some(t) = self.peek().cloned() else {
            return 0;
        };
        self.i += 1;
        match t {
            Tok::Num(v) => v,
            Tok::Op("!") => (self.unary(depth + 1) == 0) as i64,
            Tok::Op("~") => !self.unary(depth + 1),
            Tok::Op("-") => self.unary(depth + 1).wrapping_neg(),
            Tok::Op("+") => self.unary(depth + 1),
            Tok::Op("(") => {
                let v = self.ternary(depth + 1);
                if self.peek() == Some(&Tok::Op(")")) {
                    self.i += 1;
                }
                v
            }
            _ => 0,
        }
    }
}

/// The macros a package's C code is compiled with: the target's
/// predefined ones, then CGO_CFLAGS, `#cgo CPPFLAGS`/`CFLAGS` and
/// pkg-config's `--cflags` (cmd/go's order).
pub fn package_macros(cfg: &crate::buildcfg::Config, pkg: &crate::load::Package) -> Macros {
    use crate::gosrc::CgoVerb;
    let mut m = Macros::predefined(&Target {
        goos: &cfg.goos,
        goarch: &cfg.goarch,
        glibc: cfg.c_toolchain.libc == crate::buildcfg::ctoolchain::Libc::Glibc,
    });
    if m.is_defined("__GLIBC__") {
        // The toolchain's own glibc version, as <features.h> states it.
        let features = cfg
            .c_toolchain
            .include_dirs
            .iter()
            .map(|d| d.join("features.h"))
            .find(|p| p.is_file())
            .and_then(|p| crate::regular::read_to_string(&p).ok());
        for line in features.iter().flat_map(|t| t.lines()) {
            let mut w = line.split_whitespace();
            if let (Some("#define"), Some(k @ ("__GLIBC__" | "__GLIBC_MINOR__")), Some(v)) =
                (w.next(), w.next(), w.next())
            {
                m.defs.insert(k.to_string(), v.to_string());
            }
        }
    }
    m.apply_flags(&cfg.cgo_cflags);
    m.apply_flags(&pkg.cgo_args(CgoVerb::CppFlags));
    m.apply_flags(&pkg.cgo_args(CgoVerb::CFlags));
    if let Ok(f) = super::pkgconfig::package_flags(pkg) {
        m.apply_flags(&f.cflags);
    }
    m
}

/// The `-I` directories of a package's C code (relative ones from its
/// directory), pkg-config's included.
pub fn package_include_dirs(
    cfg: &crate::buildcfg::Config,
    pkg: &crate::load::Package,
) -> Vec<PathBuf> {
    use crate::gosrc::CgoVerb;
    let srcdir = pkg.dir.to_string_lossy().into_owned();
    let mut flags: Vec<String> = cfg.cgo_cflags.clone();
    flags.extend(pkg.cgo_args(CgoVerb::CppFlags));
    flags.extend(pkg.cgo_args(CgoVerb::CFlags));
    if let Ok(f) = super::pkgconfig::package_flags(pkg) {
        flags.extend(f.cflags);
    }
    let mut out = Vec::new();
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        let d = match f.as_str() {
            "-I" | "-isystem" | "-iquote" => it.next().cloned(),
            s => s
                .strip_prefix("-I")
                .or_else(|| s.strip_prefix("-isystem"))
                .or_else(|| s.strip_prefix("-iquote"))
                .map(str::to_string),
        };
        if let Some(d) = d {
            out.push(pkg.dir.join(d.replace("${SRCDIR}", &srcdir)));
        }
    }
    out
}

/// What predictions use of one preprocessed C text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Includes reached (see [`Output::includes`]).
    pub includes: Vec<Include>,
    /// Thread-local storage in compiled code.
    pub tls: bool,
    /// The functions of `STATIC_WARNED` its active code calls.
    pub warned: Vec<String>,
}

impl Facts {
    fn of(out: &Output) -> Facts {
        // A name the text does not hold at all is not called in it: the
        // bodies are tokenized only for the texts that may call one (few:
        // DataDog/zstd's 40 files call none, and tokenizing them was a
        // twentieth of a cold k9s check).
        let text = out.active.as_bytes();
        let maybe: Vec<&str> = super::STATIC_WARNED
            .iter()
            .copied()
            .filter(|s| memchr::memmem::find(text, s.as_bytes()).is_some())
            .collect();
        let warned = if maybe.is_empty() {
            Vec::new()
        } else {
            let refs = super::csource::body_references(&out.active);
            maybe
                .into_iter()
                .filter(|s| refs.contains(*s))
                .map(str::to_string)
                .collect()
        };
        Facts {
            includes: out.includes.clone(),
            tls: out.tls,
            warned,
        }
    }
}

impl super::facts::Lists for Facts {
    fn to_lists(&self) -> Vec<Vec<String>> {
        let includes = self
            .includes
            .iter()
            .map(|i| format!("{}{} {}", u8::from(i.angle), i.line, i.name))
            .collect();
        let tls = if self.tls { vec!["tls".into()] } else { vec![] };
        vec![includes, tls, self.warned.clone()]
    }

    fn from_lists(lists: Vec<Vec<String>>) -> Option<Facts> {
        let [includes, tls, warned]: [Vec<String>; 3] = lists.try_into().ok()?;
        let includes = includes
            .iter()
            .map(|s| {
                let (angle, rest) = s.split_at_checked(1)?;
                let (line, name) = rest.split_once(' ')?;
                Some(Include {
                    name: name.to_string(),
                    angle: angle == "1",
                    line: line.parse().ok()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Facts {
            includes,
            tls: !tls.is_empty(),
            warned,
        })
    }
}

/// One C text of a package the compiler sees: a cgo file's preamble or a
/// `.c` file, with its [`Facts`].
pub struct Unit {
    pub file: PathBuf,
    /// A cgo preamble (its lines are not the file's).
    pub preamble: bool,
    pub facts: std::sync::Arc<Facts>,
}

/// Every C text of `pkg` the compiler sees (preambles, then `.c` files),
/// preprocessed for the build.
///
/// A prediction asks for a package's units several times (missing headers,
/// thread-local storage, calls a static link warns about) and so do its
/// fix variants, and a vendored C library (DataDog/zstd: 40 `.c` files
/// including 800 kB of headers each) takes most of a prediction to
/// preprocess: the facts are remembered per text and macro set, and those
/// of a module-cache package (whose files never change, see
/// `header_index::Trusted`) are kept in the header index across runs.
pub fn package_units(
    cfg: &crate::buildcfg::Config,
    sources: &crate::load::source::Sources,
    pkg: &crate::load::Package,
) -> Vec<Unit> {
    let base = package_macros(cfg, pkg);
    let dirs = package_include_dirs(cfg, pkg);
    let has = |h: &str| cfg.c_toolchain.has_header(h, &dirs) || pkg.dir.join(h).is_file();
    // What a text's facts depend on besides its own bytes (and those of
    // the package's headers): the macros, the include path, and the
    // system header directories as they stand (for `__has_include`; a
    // package installed there changes their modification time).
    let params = {
        let mut defs: Vec<_> = base.defs.iter().collect();
        defs.sort();
        let system = facts::system_dirs_stamp(&cfg.c_toolchain.include_dirs);
        let mut h = rustc_hash::FxHasher::default();
        std::hash::Hash::hash(&(defs, &dirs, system, &pkg.dir), &mut h);
        std::hash::Hasher::finish(&h)
    };
    let trusted_pkg = sources.trusts(&pkg.dir);
    let run = |text: &str| {
        let mut m = base.clone();
        let out = preprocess(text, &pkg.dir, &dirs, &mut m, &has);
        (Facts::of(&out), out.read)
    };
    // The package's C texts in the compiler's order: preambles, then files.
    struct Text {
        file: PathBuf,
        /// The `import "C"` offset of a preamble; `None` for a `.c` file.
        preamble: Option<usize>,
        what: String,
        trusted: bool,
        version: u64,
        /// A preamble's file, read for its version (not read twice).
        bytes: Option<Vec<u8>>,
    }
    let mut texts = Vec::new();
    for f in pkg.cgo_files() {
        let Some(ic) = &f.header.import_c else {
            continue;
        };
        let trusted = trusted_pkg && sources.overlay_contents(&f.path).is_none();
        let (version, bytes) = if trusted {
            (0, None)
        } else {
            match sources.read_small(&f.path, 1 << 20) {
                Some(b) => (facts::hash64(&b), Some(b)),
                None => continue,
            }
        };
        texts.push(Text {
            file: f.path.clone(),
            preamble: Some(ic.span.start),
            what: format!("cpp preamble {} {params:016x}", ic.span.start),
            trusted,
            version,
            bytes,
        });
    }
    for c in &pkg.c_files {
        let name = c.to_string_lossy();
        if !(name.ends_with(".c") || name.ends_with(".h")) {
            continue;
        }
        let path = pkg.dir.join(c);
        let version = if trusted_pkg {
            0
        } else {
            match facts::stamp(&path) {
                Some(v) => v,
                None => continue,
            }
        };
        texts.push(Text {
            file: path,
            preamble: None,
            what: format!("cpp c {params:016x}"),
            trusted: trusted_pkg,
            version,
            bytes: None,
        });
    }
    fn key(t: &Text) -> facts::Key<'_> {
        facts::Key {
            path: &t.file,
            what: t.what.clone(),
            trusted: t.trusted,
            version: t.version,
        }
    }
    let compute = |t: &Text| {
        facts::remembered(sources, &key(t), || match t.preamble {
            Some(at) => {
                let read;
                let src = match &t.bytes {
                    Some(b) => b,
                    None => {
                        read = sources.read_small(&t.file, 1 << 20)?;
                        &read
                    }
                };
                Some(run(&super::preamble(src, at)))
            }
            None => Some(run(&crate::regular::read_to_string(&t.file).ok()?)),
        })
    };
    // Remembered facts first (every text, once the index has them), then
    // the others preprocessed on every core: a vendored C library's files
    // are independent of one another (DataDog/zstd's 40 took a cold k9s
    // check's prediction 100 ms on one core).
    let mut found: Vec<Option<std::sync::Arc<Facts>>> = texts
        .iter()
        .map(|t| facts::peek(sources, &key(t)))
        .collect();
    let missing: Vec<usize> = (0..texts.len()).filter(|&i| found[i].is_none()).collect();
    let computed = if missing.len() > 1 {
        crate::par::map(&missing, |&i| compute(&texts[i]))
    } else {
        missing.iter().map(|&i| compute(&texts[i])).collect()
    };
    for (i, facts) in missing.into_iter().zip(computed) {
        found[i] = facts;
    }
    texts
        .into_iter()
        .zip(found)
        .filter_map(|(t, facts)| {
            Some(Unit {
                file: t.file,
                preamble: t.preamble.is_some(),
                facts: facts?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux(glibc: bool) -> Macros {
        Macros::predefined(&Target {
            goos: "linux",
            goarch: "amd64",
            glibc,
        })
    }

    fn includes(text: &str, m: &mut Macros) -> Vec<String> {
        preprocess(text, Path::new("/nonexistent"), &[], m, &|_| false)
            .includes
            .into_iter()
            .map(|i| i.name)
            .collect()
    }

    #[test]
    fn go_sqlite3_and_pkcs11_guards() {
        let pre = "#ifndef USE_LIBSQLITE3\n#include \"sqlite3-binding.h\"\n#else\n#include <sqlite3.h>\n#endif\n#include <stdlib.h>\n";
        assert_eq!(
            includes(pre, &mut linux(true)),
            ["sqlite3-binding.h", "stdlib.h"]
        );
        let mut m = linux(true);
        m.apply_flags(&["-DUSE_LIBSQLITE3".to_string()]);
        assert_eq!(includes(pre, &mut m), ["sqlite3.h", "stdlib.h"]);
        let pkcs = "#ifdef _WIN32\n#include <windows.h>\n#else\n#include <dlfcn.h>\n#endif\n";
        assert_eq!(includes(pkcs, &mut linux(false)), ["dlfcn.h"]);
        let mut win = Macros::predefined(&Target {
            goos: "windows",
            goarch: "amd64",
            glibc: false,
        });
        assert_eq!(includes(pkcs, &mut win), ["windows.h"]);
    }

    #[test]
    fn expressions() {
        let m = linux(true);
        let e = |s: &str| eval(s, &m, &|h| h == "here.h");
        assert_eq!(e("defined(__linux__) && !defined(_WIN32)"), 1);
        assert_eq!(
            e("defined __GLIBC__ && __GLIBC__ >= 2 && __GLIBC_MINOR__ > 30"),
            1
        );
        assert_eq!(e("defined(__aarch64__) || defined __arm__"), 0);
        assert_eq!(e("(1 << 4) + 0x10 == 32 ? 7 : 9"), 7);
        assert_eq!(e("UNKNOWN_THING"), 0);
        assert_eq!(
            e("__has_include(<here.h>) && !__has_include(\"gone.h\")"),
            1
        );
        assert_eq!(e("10 / 0"), 0);
        assert_eq!(e("2 - 3 * 4 % 5"), 0);
        assert_eq!(e("-3 + 1"), -2);
        assert_eq!(eval("__GLIBC__", &linux(false), &|_| false), 0);
    }

    #[test]
    fn nested_elif_define_undef() {
        let text = "#define A 2\n#if A == 1\n#include <one.h>\n#elif A == 2\n# if 0\n#include <zero.h>\n# else\n#include <two.h>\n# endif\n#else\n#include <other.h>\n#endif\n#undef A\n#ifdef A\n#include <a.h>\n#endif\n/* #include <comment.h> */\n#if 1 /* c */ \\\n && 1\n#include <cont.h>\n#endif\n";
        assert_eq!(includes(text, &mut linux(true)), ["two.h", "cont.h"]);
    }

    #[test]
    fn active_text_and_tls() {
        let text = "#ifdef _WIN32\nint win(void) { return GetTickCount(); }\n#else\nstatic __thread int x;\nint f(void) { return dlopen(0, 0) != 0; }\n#endif\n";
        let o = preprocess(text, Path::new("/"), &[], &mut linux(true), &|_| false);
        assert!(!o.active.contains("GetTickCount") && o.active.contains("dlopen"));
        assert!(o.tls);
        assert_eq!(o.active.lines().count(), text.lines().count());
        let o = preprocess(
            "int thread_locals;\n",
            Path::new("/"),
            &[],
            &mut linux(true),
            &|_| false,
        );
        assert!(!o.tls);
    }

    /// An included local header is walked by its directives and TLS lines
    /// only: a keyword in an inactive branch does not count, one in an
    /// active branch does, and its macros still steer the includer.
    #[test]
    fn tls_and_macros_of_included_headers() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::write(
            d.join("inactive.h"),
            "#ifdef _WIN32\nstatic __thread int x;\n#endif\nint pthread_like;\n#define FROM_H 1\n",
        )
        .unwrap();
        std::fs::write(
            d.join("active.h"),
            "/* __thread in a comment */\n#ifndef _WIN32\nextern _Thread_local int y;\n#endif\n",
        )
        .unwrap();
        let o = preprocess(
            "#include \"inactive.h\"\n#if FROM_H\n#include <from_h.h>\n#endif\n",
            d,
            &[],
            &mut linux(true),
            &|_| false,
        );
        assert!(!o.tls);
        assert_eq!(
            o.includes
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>(),
            ["from_h.h"]
        );
        let o = preprocess("#include \"active.h\"\n", d, &[], &mut linux(true), &|_| {
            false
        });
        assert!(o.tls);
    }

    #[test]
    fn odd_text_does_not_panic() {
        for t in [
            "#if",
            "#if (",
            "#if 1 ?",
            "#elif",
            "#endif\n#endif",
            "#define",
            "#include",
            "#if '",
            "#if 0x",
            "#if defined(",
            "\\",
            "/*",
            "\"",
            "#if 1 <<<< 2",
        ] {
            let _ = preprocess(t, Path::new("/"), &[], &mut linux(true), &|_| true);
        }
    }

    /// The C facts of a module-cache package are computed once, kept in
    /// the header index, and a later run takes them from there without
    /// reading the C files (here: deleted in between).
    /// Only calls in function bodies are warned about: a prototype or a
    /// comment naming the function is not a call (the text holds the name,
    /// so the bodies are read).
    #[test]
    fn warned_calls_are_those_in_bodies() {
        let warned = |text: &str| {
            let mut m = linux(true);
            let out = preprocess(text, Path::new("/nonexistent"), &[], &mut m, &|_| false);
            Facts::of(&out).warned
        };
        assert_eq!(
            warned("int getaddrinfo(void);\n/* getpwnam */\n"),
            Vec::<String>::new()
        );
        assert_eq!(
            warned("int getaddrinfo(void);\nvoid f(void) { getpwnam(0); }\n"),
            vec!["getpwnam".to_string()]
        );
        assert_eq!(warned("void f(void) { g(); }\n"), Vec::<String>::new());
    }

    #[test]
    fn facts_of_module_cache_packages_are_kept_in_the_index() {
        use crate::load::header_index::{HeaderIndex, Trusted};
        use crate::load::source::Sources;
        let tmp = tempfile::tempdir().unwrap();
        let modcache = tmp.path().join("mod");
        let dir = modcache.join("example.com/c@v1.0.0");
        std::fs::create_dir_all(&dir).unwrap();
        let files = [
            ("go.mod", "module example.com/c\n\ngo 1.22\n"),
            (
                "c.go",
                "package c\n\n// #include \"local.h\"\n// #ifdef FROM_LOCAL\n// #include <no_such_header_here.h>\n// #endif\nimport \"C\"\n",
            ),
            ("local.h", "#define FROM_LOCAL 1\n"),
            ("a.c", "__thread int t;\nvoid f(void) { dlopen(0, 0); }\n"),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let mut tc = crate::buildcfg::Toolchain::fixed_for_tests();
        tc.gomodcache = modcache.clone();
        let mut env = crate::buildcfg::Environ::new();
        env.insert("CGO_ENABLED".into(), "1".into());
        env.insert("CC".into(), "gcc".into());
        let (cfg, _) = crate::buildcfg::Config::new(&tc, &env, &[]).unwrap();
        let index = tmp.path().join("index");
        let trusted = Trusted::of(&tc, &tmp.path().join("project"));
        let run = || {
            let sources = Sources::new();
            sources.use_index(
                HeaderIndex::open(index.clone(), 42, std::time::Duration::ZERO)
                    .trusting(trusted.clone()),
            );
            let pkg = crate::load::Package::load(&sources, "example.com/c", &dir, false, &cfg.tags);
            let units: Vec<(String, bool, Facts)> = package_units(&cfg, &sources, &pkg)
                .into_iter()
                .map(|u| {
                    let name = u.file.file_name().unwrap().to_string_lossy().into_owned();
                    (name, u.preamble, (*u.facts).clone())
                })
                .collect();
            sources.save_index().unwrap();
            units
        };
        let first = run();
        let include = |name: &str, line| Include {
            name: name.into(),
            angle: true,
            line,
        };
        assert_eq!(
            first,
            vec![
                (
                    "c.go".into(),
                    true,
                    Facts {
                        // The local header's macro counts; the local header
                        // itself is read, not listed.
                        includes: vec![include("no_such_header_here.h", 2)],
                        tls: false,
                        warned: vec![],
                    }
                ),
                (
                    "a.c".into(),
                    false,
                    Facts {
                        includes: vec![],
                        tls: true,
                        warned: vec!["dlopen".into()],
                    }
                ),
            ]
        );
        for (name, _) in files {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
        super::facts::forget_memo();
        assert_eq!(run(), first, "from the index, with the files gone");
    }
}
