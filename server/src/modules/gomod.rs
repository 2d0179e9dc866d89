//! go.mod parsing: lenient, keeping every line's byte span and collecting
//! errors instead of giving up.

use std::fmt;

use super::semver;
use super::syntax::{self, Entry, Tok, error};
use crate::gosrc::Span;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoMod {
    /// `module` path and its span.
    pub module: Option<(String, Span)>,
    /// `go 1.22` directive value.
    pub go_version: Option<String>,
    /// Span of the `go` line (for diagnostics on it).
    pub go_span: Option<Span>,
    /// `toolchain go1.23.1` value.
    pub toolchain: Option<String>,
    pub requires: Vec<Require>,
    pub replaces: Vec<Replace>,
    pub excludes: Vec<(String, String)>,
    /// `godebug key=value` settings, in order.
    pub godebug: Vec<(String, String)>,
    pub retracts: Vec<Retract>,
    /// `tool` package paths.
    pub tools: Vec<String>,
    /// `ignore` directory paths.
    pub ignores: Vec<String>,
    pub errors: Vec<ModError>,
}

/// `retract v1.0.0` (low == high) or `retract [v1.0.0, v1.1.0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retract {
    pub low: String,
    pub high: String,
    /// The line comment, if any (the go command shows it as the reason).
    pub rationale: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    pub path: String,
    pub version: String,
    pub indirect: bool,
    /// Span of the require line (or the line inside a `require (...)` block):
    /// from its first token to the end of the line, a trailing `// indirect`
    /// included, the newline excluded.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    pub old_path: String,
    /// `None` replaces every version.
    pub old_version: Option<String>,
    pub new: ReplaceTarget,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplaceTarget {
    /// A file path (starts with `./`, `../` or `/`), as written, relative to
    /// the go.mod (or go.work) directory.
    Dir(String),
    Module {
        path: String,
        version: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModError {
    /// What is wrong, without position (modfile's wording where it has one).
    pub message: String,
    pub span: Span,
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for ModError {
    /// `3: unknown directive: foo`; callers prefix the file name to get
    /// the go command's `go.mod:3: unknown directive: foo`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

/// Parses a go.mod file. Never fails: each bad line is skipped (or kept
/// as far as it is understood) with an entry in `errors`, worded as the go
/// command words it.
pub fn parse_go_mod(src: &str) -> GoMod {
    let mut f = GoMod::default();
    let mut errors = Vec::new();
    let blocks = [
        "module", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore",
    ];
    for e in &syntax::entries(src, &blocks, &mut errors) {
        add(&mut f, e, &mut errors);
    }
    errors.sort_by_key(|e| e.line);
    f.errors = errors;
    f
}

fn add(f: &mut GoMod, e: &Entry, errors: &mut Vec<ModError>) {
    let mut err = |msg: String| error(errors, e.line, e.span, msg);
    let args = &e.args;
    match e.verb {
        "module" => {
            if f.module.is_some() {
                return err("repeated module statement".into());
            }
            if args.len() != 1 {
                return err("usage: module module/path".into());
            }
            match syntax::string_value(&args[0]) {
                Ok(p) => f.module = Some((p, e.span)),
                Err(m) => err(m),
            }
        }
        "go" => {
            if f.go_version.is_some() {
                return err("repeated go statement".into());
            }
            if args.len() != 1 {
                return err("go directive expects exactly one argument".into());
            }
            if !is_go_version(args[0].text) {
                return err(format!(
                    "invalid go version '{}': must match format 1.23.0",
                    args[0].text
                ));
            }
            f.go_version = Some(args[0].text.to_string());
            f.go_span = Some(e.span);
        }
        "toolchain" => {
            if f.toolchain.is_some() {
                return err("repeated toolchain statement".into());
            }
            if args.len() != 1 {
                return err("toolchain directive expects exactly one argument".into());
            }
            match toolchain_arg(args[0].text) {
                Ok(t) => f.toolchain = Some(t),
                Err(m) => err(m),
            }
        }
        "godebug" => match godebug_arg(args) {
            Ok(kv) => f.godebug.push(kv),
            Err(m) => err(m),
        },
        "require" | "exclude" => {
            if args.len() != 2 {
                return err(format!("usage: {} module/path v1.2.3", e.verb));
            }
            let path = match syntax::string_value(&args[0]) {
                Ok(p) => p,
                Err(m) => return err(m),
            };
            // Kept even when the version is bad: a MissingModule naming it
            // is more useful than silently forgetting the requirement.
            let version = match module_version(e.verb, &path, &args[1]) {
                Ok(v) => v,
                Err((m, raw)) => {
                    err(m);
                    raw
                }
            };
            if e.verb == "require" {
                f.requires.push(Require {
                    path,
                    version,
                    indirect: is_indirect(e.comment),
                    span: e.span,
                });
            } else {
                f.excludes.push((path, version));
            }
        }
        "replace" => match parse_replace(e) {
            Ok(r) => f.replaces.push(r),
            Err(m) => err(m),
        },
        "retract" => match parse_retract(e) {
            Ok(r) => f.retracts.push(r),
            Err(m) => err(m),
        },
        "tool" | "ignore" => {
            if args.len() != 1 {
                return err(format!("{} directive expects exactly one argument", e.verb));
            }
            match syntax::string_value(&args[0]) {
                Ok(p) if e.verb == "tool" => f.tools.push(p),
                Ok(p) => f.ignores.push(p),
                Err(m) => err(m),
            }
        }
        other => err(format!("unknown directive: {other}")),
    }
}

/// modfile.GoVersionRE: `1.21`, `1.21.3`, `1.21rc1`, `1.21.0rc1`.
pub(crate) fn is_go_version(v: &str) -> bool {
    fn num(s: &str) -> Option<(&str, &str)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (n > 0 && !(n > 1 && s.starts_with('0'))).then(|| (&s[..n], &s[n..]))
    }
    let Some((major, rest)) = num(v) else {
        return false;
    };
    if major == "0" {
        return false;
    }
    let Some(rest) = rest.strip_prefix('.') else {
        return false;
    };
    let Some((_, mut rest)) = num(rest) else {
        return false;
    };
    if let Some(r) = rest.strip_prefix('.') {
        match num(r) {
            Some((_, r)) => rest = r,
            None => return false,
        }
    }
    if rest.is_empty() {
        return true;
    }
    let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    let digits = &rest[letters..];
    letters > 0 && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn toolchain_arg(t: &str) -> Result<String, String> {
    if t == "default" || t == "go1" || t.starts_with("go1.") {
        Ok(t.to_string())
    } else {
        Err(format!(
            "invalid toolchain version '{t}': must match format go1.23.0 or default"
        ))
    }
}

pub(crate) fn godebug_arg(args: &[Tok]) -> Result<(String, String), String> {
    let usage = || "usage: godebug key=value".to_string();
    if args.len() != 1 || args[0].text.contains(['"', '`', '\'', ',']) {
        return Err(usage());
    }
    let (k, v) = args[0].text.split_once('=').ok_or_else(usage)?;
    Ok((k.to_string(), v.to_string()))
}

fn is_indirect(comment: Option<&str>) -> bool {
    let Some(c) = comment else { return false };
    let mut f = c.split_whitespace();
    matches!(
        (f.next(), f.next()),
        (Some("indirect"), None) | (Some("indirect;"), Some(_))
    )
}

/// The canonical version, or (error message, the version as written).
fn module_version(verb: &str, path: &str, tok: &Tok) -> Result<String, (String, String)> {
    let raw = syntax::string_value(tok)
        .map_err(|m| (format!("{verb} {path}: {m}"), tok.text.to_string()))?;
    let Some(v) = semver::canonical(&raw) else {
        return Err((
            format!("{verb} {path}: version \"{raw}\" invalid: must be of the form v1.2.3"),
            raw,
        ));
    };
    check_path_major(path, &v).map_err(|m| {
        (
            format!("{verb} {path}: version \"{v}\" invalid: {m}"),
            v.clone(),
        )
    })?;
    Ok(v)
}

/// module.CheckPathMajor, for the common cases: `/vN` paths need vN.x.y, other
/// paths v0/v1 (or `+incompatible`). gopkg.in paths are not checked.
fn check_path_major(path: &str, v: &str) -> Result<(), String> {
    if path.starts_with("gopkg.in/") {
        return Ok(());
    }
    let vmajor = v.split('.').next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    let path_major = last
        .strip_prefix('v')
        .filter(|n| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && !n.starts_with('0')
                && *n != "1"
        })
        .filter(|_| path.contains('/'));
    match path_major {
        Some(n) if vmajor != format!("v{n}") => Err(format!("should be v{n}, not {vmajor}")),
        None if vmajor != "v0" && vmajor != "v1" && !v.ends_with("+incompatible") => {
            Err(format!("should be v0 or v1, not {vmajor}"))
        }
        _ => Ok(()),
    }
}

/// modfile.IsDirectoryPath.
pub fn is_directory_path(p: &str) -> bool {
    let b = p.as_bytes();
    p == "."
        || p == ".."
        || p.starts_with("./")
        || p.starts_with(".\\")
        || p.starts_with("../")
        || p.starts_with("..\\")
        || p.starts_with('/')
        || p.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

pub(crate) fn parse_replace(e: &Entry) -> Result<Replace, String> {
    let args = &e.args;
    let verb = e.verb;
    let arrow = if args.len() >= 2 && args[1].text == "=>" {
        1
    } else {
        2
    };
    if args.len() < arrow + 2 || args.len() > arrow + 3 || args[arrow].text != "=>" {
        return Err(format!(
            "usage: {verb} module/path [v1.2.3] => other/module v1.4\n\t or {verb} module/path [v1.2.3] => ../local/directory"
        ));
    }
    let old_path = syntax::string_value(&args[0])?;
    let old_version = if arrow == 2 {
        Some(module_version(verb, &old_path, &args[1]).map_err(|(m, _)| m)?)
    } else {
        None
    };
    let new_path = syntax::string_value(&args[arrow + 1])?;
    let new = if args.len() == arrow + 2 {
        if !is_directory_path(&new_path) {
            return Err(if new_path.contains('@') {
                "replacement module must match format 'path version', not 'path@version'".into()
            } else {
                "replacement module without version must be directory path (rooted or starting with . or ..)".into()
            });
        }
        if new_path.contains('\\') {
            return Err(
                "replacement directory appears to be Windows path (on a non-windows system)".into(),
            );
        }
        ReplaceTarget::Dir(new_path)
    } else {
        let version = module_version(verb, &new_path, &args[arrow + 2]).map_err(|(m, _)| m)?;
        if is_directory_path(&new_path) {
            return Err(format!(
                "replacement module directory path \"{new_path}\" cannot have version"
            ));
        }
        ReplaceTarget::Module {
            path: new_path,
            version,
        }
    };
    Ok(Replace {
        old_path,
        old_version,
        new,
        span: e.span,
    })
}

fn parse_retract(e: &Entry) -> Result<Retract, String> {
    let t: Vec<&str> = e.args.iter().map(|t| t.text).collect();
    let (low, high) = match t.as_slice() {
        [v] => (*v, *v),
        ["[", lo, ",", hi, "]"] => (*lo, *hi),
        _ => return Err("usage: retract v1.2.3 or retract [v1.2.3, v1.3.0]".into()),
    };
    let canon = |v: &str| {
        semver::canonical(v)
            .ok_or_else(|| format!("retract: version \"{v}\" invalid: must be of the form v1.2.3"))
    };
    let (low, high) = (canon(low)?, canon(high)?);
    if semver::compare(&low, &high) == std::cmp::Ordering::Greater {
        return Err(format!(
            "retract: version interval [{low}, {high}] is empty"
        ));
    }
    let rationale = e
        .comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    Ok(Retract {
        low,
        high,
        rationale,
        span: e.span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(src: &str, s: Span) -> &str {
        &src[s.start..s.end]
    }

    const SAMPLE: &str = "// leading comment\r
module \"example.com/m\" // the module\r
\r
go 1.22.1\r
toolchain go1.23.4\r
godebug default=go1.21\r
godebug (\r
\tpanicnil=1\r
)\r
require example.com/single v1.2 // indirect\r
require (\r
\t// comment inside\r
\texample.com/a v1.0.0\r
\t\"example.com/quoted\" v0.0.0-20200101000000-abcdefabcdef // indirect; for tests\r
\texample.com/b/v2 v2.1.0+incompatible\r
\r
)\r
exclude example.com/a v0.9.0\r
replace example.com/a => ../a\r
replace (\r
\texample.com/b/v2 v2.1.0 => example.com/fork/v2 v2.1.1\r
\texample.com/c => /abs/c\r
)\r
retract v1.0.1 // oops\r
retract [v1.1.0, v1.2.0]\r
require ()\r
tool example.com/a/cmd/gen\r
";

    #[test]
    fn all_forms() {
        let f = parse_go_mod(SAMPLE);
        assert_eq!(f.errors, vec![]);
        let (path, span) = f.module.clone().unwrap();
        assert_eq!(path, "example.com/m");
        assert_eq!(text(SAMPLE, span), "module \"example.com/m\" // the module");
        assert_eq!(f.go_version.as_deref(), Some("1.22.1"));
        assert_eq!(f.toolchain.as_deref(), Some("go1.23.4"));
        assert_eq!(
            f.godebug,
            vec![
                ("default".into(), "go1.21".into()),
                ("panicnil".into(), "1".into())
            ]
        );
        let reqs: Vec<(&str, &str, bool, &str)> = f
            .requires
            .iter()
            .map(|r| {
                (
                    r.path.as_str(),
                    r.version.as_str(),
                    r.indirect,
                    text(SAMPLE, r.span),
                )
            })
            .collect();
        assert_eq!(
            reqs,
            vec![
                (
                    "example.com/single",
                    "v1.2.0",
                    true,
                    "require example.com/single v1.2 // indirect"
                ),
                ("example.com/a", "v1.0.0", false, "example.com/a v1.0.0"),
                (
                    "example.com/quoted",
                    "v0.0.0-20200101000000-abcdefabcdef",
                    true,
                    "\"example.com/quoted\" v0.0.0-20200101000000-abcdefabcdef // indirect; for tests"
                ),
                (
                    "example.com/b/v2",
                    "v2.1.0+incompatible",
                    false,
                    "example.com/b/v2 v2.1.0+incompatible"
                ),
            ]
        );
        assert_eq!(f.excludes, vec![("example.com/a".into(), "v0.9.0".into())]);
        assert_eq!(f.replaces.len(), 3);
        assert_eq!(f.replaces[0].old_version, None);
        assert_eq!(f.replaces[0].new, ReplaceTarget::Dir("../a".into()));
        assert_eq!(
            text(SAMPLE, f.replaces[0].span),
            "replace example.com/a => ../a"
        );
        assert_eq!(f.replaces[1].old_version.as_deref(), Some("v2.1.0"));
        assert_eq!(
            f.replaces[1].new,
            ReplaceTarget::Module {
                path: "example.com/fork/v2".into(),
                version: "v2.1.1".into()
            }
        );
        assert_eq!(f.replaces[2].new, ReplaceTarget::Dir("/abs/c".into()));
        assert_eq!(f.retracts.len(), 2);
        assert_eq!(f.retracts[0].rationale.as_deref(), Some("oops"));
        assert_eq!(
            (f.retracts[1].low.as_str(), f.retracts[1].high.as_str()),
            ("v1.1.0", "v1.2.0")
        );
        assert_eq!(f.tools, vec!["example.com/a/cmd/gen".to_string()]);
    }

    #[test]
    fn errors_have_line_numbers_and_parsing_continues() {
        let src = "module m\n\
                   go 1.21\n\
                   foo bar\n\
                   require x.com/a master\n\
                   require x.com/b\n\
                   require x.com/c/v2 v1.0.0\n\
                   replace x.com/d => x.com/e\n\
                   replace x.com/d => x.com/e@v1.0.0\n\
                   replace x.com/d => ./d v1.0.0\n\
                   go 1.22\n\
                   require \"unterminated v1.0.0\n\
                   /* c */\n\
                   weird (\n\
                   x\n\
                   )\n\
                   require x.com/ok v1.0.0\n\
                   require (\n\
                   x.com/in v1.0.0\n";
        let f = parse_go_mod(src);
        let msgs: Vec<String> = f.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            vec![
                "3: unknown directive: foo",
                "4: require x.com/a: version \"master\" invalid: must be of the form v1.2.3",
                "5: usage: require module/path v1.2.3",
                "6: require x.com/c/v2: version \"v1.0.0\" invalid: should be v2, not v1",
                "7: replacement module without version must be directory path (rooted or starting with . or ..)",
                "8: replacement module must match format 'path version', not 'path@version'",
                "9: replacement module directory path \"./d\" cannot have version",
                "10: repeated go statement",
                "11: unexpected newline in string",
                "12: mod files must use // comments (not /* */ comments)",
                "13: unknown block type: weird",
                "17: syntax error (unterminated require block started at line 17)",
            ]
        );
        // Lines around the bad ones still count; bad versions are kept.
        let paths: Vec<&str> = f.requires.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, vec!["x.com/a", "x.com/c/v2", "x.com/ok", "x.com/in"]);
        assert_eq!(f.requires[0].version, "master");
        assert_eq!(f.go_version.as_deref(), Some("1.21"));
        assert_eq!(text(src, f.errors[0].span), "foo bar");
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for src in [
            "",
            "(",
            ")",
            "require (",
            "require ( )",
            "\"",
            "module \"\\",
            "module `raw`",
            "replace =>",
            "replace a =>",
            "retract [",
            "retract [v1, v2",
            "é ü ( ) [ ] { } ,",
            "module m\u{0}",
            "go 1.21\n)\n)\n",
            "require a v1 // indirect\nrequire (\n)\n)",
        ] {
            let _ = parse_go_mod(src);
        }
    }

    #[test]
    fn ten_thousand_requires() {
        let mut src = String::from("module m\n\ngo 1.22\n\nrequire (\n");
        for i in 0..10_000 {
            src.push_str(&format!("\texample.com/mod{i} v1.{i}.0 // indirect\n"));
        }
        src.push_str(")\n");
        let t = std::time::Instant::now();
        let f = parse_go_mod(&src);
        let took = t.elapsed();
        assert_eq!(f.requires.len(), 10_000);
        assert!(f.errors.is_empty());
        assert_eq!(
            text(&src, f.requires[9_999].span),
            "example.com/mod9999 v1.9999.0 // indirect"
        );
        // Speed is measured by benchmarks, not asserted; print it for the log.
        println!("10,000 requires parsed in {took:?}");
    }
}
