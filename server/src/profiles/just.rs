//! `justfile` recipes: every `go build` / `go install` line, with just's
//! `{{ }}` interpolation of variables, parameters (their defaults) and
//! string concatenation, `export`ed variables and `set export`, `set
//! dotenv-load`, `set shell` and `set working-directory`. As just does, each
//! recipe line runs in a shell of its own (`sh -cu`); a shebang recipe is one
//! script. Backticks, function calls and conditionals are only known when
//! just runs: they become unknowns with the reason.
//!
//! Hand-written: no crate parses justfile semantics (the `just` crate is a
//! binary, not a library with a stable API).

use super::shell::{self, Session, Unknowns};
use super::{Profile, ProfileKind, Skips, Source};
use crate::gosrc::Span;
use std::collections::BTreeMap;
use std::path::Path;

/// Evaluates a just expression: strings, names, `+` and `/`. Anything else
/// is a marker with the reason.
fn eval(e: &str, vars: &BTreeMap<String, String>, unk: &mut Unknowns) -> String {
    let e = e.trim();
    let b = e.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut join = false;
    let unknown = |unk: &mut Unknowns, why: String| unk.mark(why);
    while i < b.len() {
        let c = b[i];
        let piece: String = match c {
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            b'+' => {
                i += 1;
                continue;
            }
            b'/' => {
                join = true;
                i += 1;
                continue;
            }
            b'\'' | b'"' => {
                if e[i..].starts_with("'''") || e[i..].starts_with("\"\"\"") {
                    return unknown(
                        unk,
                        format!("the just string `{e}` (triple-quoted) is not evaluated"),
                    );
                }
                let q = c;
                let mut s = String::new();
                i += 1;
                while i < b.len() && b[i] != q {
                    if q == b'"'
                        && b[i] == b'\\'
                        && let Some(x) = e[i + 1..].chars().next()
                    {
                        s.push(match x {
                            'n' => '\n',
                            't' => '\t',
                            x => x,
                        });
                        i += 1 + x.len_utf8();
                        continue;
                    }
                    let ch = e[i..].chars().next().unwrap_or('\u{fffd}');
                    s.push(ch);
                    i += ch.len_utf8();
                }
                i += 1;
                s
            }
            b'`' => {
                return unknown(
                    unk,
                    format!("`{e}` is a command just runs (backtick), known only when it runs"),
                );
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let end = e[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                    .map_or(e.len(), |p| i + p);
                let name = &e[i..end];
                i = end;
                if e[i..].trim_start().starts_with('(') || name == "if" {
                    return unknown(
                        unk,
                        format!(
                            "the just expression `{e}` calls a function or branches, evaluated only when just runs"
                        ),
                    );
                }
                match vars.get(name) {
                    Some(v) => v.clone(),
                    None => unknown(
                        unk,
                        format!(
                            "`{name}` is not a variable of the justfile: it comes from the command line"
                        ),
                    ),
                }
            }
            _ => {
                return unknown(unk, format!("the just expression `{e}` is not evaluated"));
            }
        };
        if join {
            out = format!("{}/{}", out.trim_end_matches('/'), piece);
            join = false;
        } else {
            out.push_str(&piece);
        }
    }
    out
}

/// Replaces `{{ expr }}` in a recipe line (`{{{{` is a literal `{{`).
fn interpolate(s: &str, vars: &BTreeMap<String, String>, unk: &mut Unknowns) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find("{{") {
        out.push_str(&rest[..p]);
        if rest[p..].starts_with("{{{{") {
            out.push_str("{{");
            rest = &rest[p + 4..];
            continue;
        }
        let (inner, end) = match rest[p + 2..].find("}}") {
            Some(e) => (rest[p + 2..p + 2 + e].to_string(), p + e + 4),
            None => (rest[p + 2..].to_string(), rest.len()),
        };
        out.push_str(&eval(&inner, vars, unk));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A recipe parameter: name, default expression, exported with `$`.
type Param = (String, Option<String>, bool);

struct Recipe {
    name: String,
    params: Vec<Param>,
    /// Body lines: (start, end) of the text after indentation and `@`/`-`.
    lines: Vec<(usize, usize)>,
    header: Span,
}

/// `name p1 p2="d" $p3 +rest: deps` → name and parameters.
fn header(line: &str) -> Option<(String, Vec<Param>)> {
    let line = line.strip_prefix('@').unwrap_or(line);
    let colon = line.find(':')?;
    if line[colon..].starts_with(":=") {
        return None;
    }
    let head = &line[..colon];
    let mut words = split_params(head).into_iter();
    let name = words.next()?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    let params = words
        .map(|w| {
            let w = w.trim_start_matches(['+', '*']);
            let (exported, w) = match w.strip_prefix('$') {
                Some(x) => (true, x),
                None => (false, w),
            };
            match w.split_once('=') {
                Some((n, d)) => (n.to_string(), Some(d.to_string()), exported),
                None => (w.to_string(), None, exported),
            }
        })
        .collect();
    Some((name, params))
}

/// Splits a recipe header on blanks outside quotes.
fn split_params(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut q: Option<char> = None;
    for c in s.chars() {
        match (q, c) {
            (None, ' ' | '\t') => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, '\'' | '"') => {
                q = Some(c);
                cur.push(c);
            }
            (Some(x), _) if x == c => {
                q = None;
                cur.push(c);
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub fn read(root: &Path, file: &Path, text: &str, src: &Source, skips: &mut Skips) -> Vec<Profile> {
    let dir = file.parent().unwrap_or(root).to_path_buf();
    let mut unk = Unknowns::default();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut exported: Vec<String> = Vec::new();
    let mut export_all = false;
    let mut dotenv_load = false;
    let mut shell_ok: Result<(), String> = Ok(());
    let mut workdir = String::new();
    let mut recipes: Vec<Recipe> = Vec::new();
    let lines = super::makefile::logical_lines(text);
    let mut i = 0;
    while i < lines.len() {
        let (s, e) = lines[i];
        let line = &text[s..e];
        i += 1;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with('[') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue; // a body line with no recipe (after an error)
        }
        let first = t.split_whitespace().next().unwrap_or("");
        if first == "set" {
            let rest = t[3..].trim();
            let (name, val) = match rest.split_once(":=") {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (rest, None),
            };
            let truth = val.is_none_or(|v| v == "true");
            match name {
                "export" => export_all = truth,
                "dotenv-load" => dotenv_load = truth,
                "shell" => {
                    let first = val
                        .unwrap_or("")
                        .trim_start_matches('[')
                        .split(',')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches(['"', '\''])
                        .to_string();
                    let base = first.rsplit('/').next().unwrap_or("");
                    if !matches!(base, "sh" | "bash" | "dash" | "zsh") {
                        shell_ok = Err(format!(
                            "`set shell` runs recipes with {first}, which linklens does not read"
                        ));
                    }
                }
                "working-directory" => {
                    workdir = eval(val.unwrap_or(""), &vars, &mut unk);
                }
                "dotenv-filename"
                | "dotenv-path"
                | "windows-shell"
                | "windows-powershell"
                | "positional-arguments"
                | "fallback"
                | "quiet"
                | "ignore-comments"
                | "allow-duplicate-recipes"
                | "allow-duplicate-variables"
                | "tempdir"
                | "unstable"
                | "script-interpreter"
                | "dotenv-required"
                | "no-exit-message" => {
                    if matches!(name, "dotenv-filename" | "dotenv-path") {
                        skips.add(
                            file,
                            Span::new(s, e),
                            format!(
                                "`set {name}` is not read: variables from that file are unknown"
                            ),
                        );
                    }
                }
                _ => {}
            }
            continue;
        }
        if matches!(first, "import" | "import?" | "mod" | "mod?") {
            skips.add(
                file,
                Span::new(s, e),
                format!("`{t}` is not followed: recipes and variables from there are not read"),
            );
            continue;
        }
        if first == "alias" {
            continue;
        }
        let (is_export, body) = match t.strip_prefix("export ") {
            Some(r) => (true, r.trim()),
            None => (false, t),
        };
        if let Some((name, val)) = body
            .split_once(":=")
            .filter(|(n, _)| shell::is_name(n.trim()))
        {
            let name = name.trim().to_string();
            let v = eval(val, &vars, &mut unk);
            vars.insert(name.clone(), v);
            if is_export {
                exported.push(name);
            }
            continue;
        }
        let Some((name, params)) = header(t) else {
            continue;
        };
        // The body: the indented lines that follow (blank lines included).
        let mut body = Vec::new();
        let mut indent: Option<usize> = None;
        while i < lines.len() {
            let (bs, be) = lines[i];
            let l = &text[bs..be];
            if l.trim().is_empty() {
                i += 1;
                continue;
            }
            if !l.starts_with([' ', '\t']) {
                break;
            }
            // Blanks only: a body line may be indented less than the first.
            let own = l.len() - l.trim_start_matches([' ', '\t']).len();
            let ind = (*indent.get_or_insert(own)).min(own);
            let content = &l[ind..];
            let skip = content.len() - content.trim_start_matches(['@', '-']).len();
            body.push((bs + ind + skip, be));
            i += 1;
        }
        recipes.push(Recipe {
            name,
            params,
            lines: body,
            header: Span::new(s, e),
        });
    }
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    if dotenv_load && let Some(t) = src.read(&dir.join(".env")) {
        env.extend(super::taskfile::dotenv(&t));
    }
    let names: Vec<String> = if export_all {
        vars.keys().cloned().collect()
    } else {
        exported.clone()
    };
    for n in names {
        if let Some(v) = vars.get(&n) {
            env.insert(n, v.clone());
        }
    }
    let mut out = Vec::new();
    for r in &recipes {
        let mut unk = unk.clone();
        let mut rvars = vars.clone();
        let mut renv = env.clone();
        for (p, d, exp) in &r.params {
            let v = match d {
                Some(d) => eval(d, &vars, &mut unk),
                None => unk.mark(format!(
                    "recipe parameter {p} of `{}` has no default: it comes from the just command line",
                    r.name
                )),
            };
            if *exp || export_all {
                renv.insert(p.clone(), v.clone());
            }
            rvars.insert(p.clone(), v);
        }
        let rdir = dir.join(&workdir);
        let shebang = r
            .lines
            .first()
            .is_some_and(|(s, e)| text[*s..*e].starts_with("#!"));
        let mentions = r
            .lines
            .iter()
            .any(|(s, e)| text[*s..*e].contains("go build") || text[*s..*e].contains("go install"));
        if mentions {
            if let Err(why) = &shell_ok {
                skips.add(file, r.header, format!("recipe {}: {why}", r.name));
                continue;
            }
            if shebang {
                let interp = text[r.lines[0].0..r.lines[0].1]
                    .trim_start_matches("#!")
                    .trim();
                let base = interp
                    .split_whitespace()
                    .map(|w| w.rsplit('/').next().unwrap_or(w))
                    .find(|w| *w != "env")
                    .unwrap_or("");
                if !matches!(base, "sh" | "bash") {
                    skips.add(
                        file,
                        r.header,
                        format!(
                            "recipe {} is a `#!{interp}` script, which linklens does not read",
                            r.name
                        ),
                    );
                    continue;
                }
            }
        }
        // A shebang recipe is one script; otherwise each line its own shell.
        let groups: Vec<Vec<(usize, usize)>> = if shebang {
            vec![r.lines[1..].to_vec()]
        } else {
            r.lines.iter().map(|l| vec![*l]).collect()
        };
        let mut scripts: Vec<String> = Vec::new();
        for g in groups {
            let (Some(first), Some(last)) = (g.first(), g.last()) else {
                continue;
            };
            let raw = &text[first.0..last.1];
            let script = interpolate(raw, &rvars, &mut unk);
            scripts.push(script.clone());
            // A fresh shell per line (per script for a shebang recipe).
            let mut session = Session {
                vars: renv.clone(),
                exported: renv.clone(),
                cwd: String::new(),
            };
            let base = first.0;
            let map = |at: usize| Some(base + at);
            let site = shell::RunSite {
                kind: ProfileKind::Just,
                name: format!("just {}", r.name),
                key: r.name.clone(),
                file,
                text,
                fallback_span: Span::new(first.0, last.1),
                dir: &rdir,
                shell: "sh",
                shell_args: &["-eu"],
                env: &renv,
                earlier_scripts: &scripts[..scripts.len() - 1],
            };
            for sr in shell::script_runs(&script, raw, &map, &mut session, &mut unk) {
                out.push(sr.profile(&site, &script, &unk));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(t: &str) -> (Vec<Profile>, Skips) {
        let mut s = Skips::default();
        let ps = read(
            Path::new("/w"),
            Path::new("/w/justfile"),
            t,
            &Source::default(),
            &mut s,
        );
        (ps, s)
    }

    #[test]
    fn recipes_variables_interpolation() {
        let t = "# builds\nset shell := [\"bash\", \"-cu\"]\nexport CGO_ENABLED := \"0\"\ntags := 'netgo' + \",osusergo\"\nversion := `git describe`\nout := \"bin\" / \"web\"\n\n[private]\nbuild target=\"./cmd/web\" $GOFLAGS=\"-trimpath\": deps\n    @echo building\n    go build -tags {{tags}} -ldflags \"-X main.v={{version}}\" -o {{out}} {{ target }}\n\ncd-lost:\n    cd sub\n    go build -o x .\n\nneeds arg:\n    go build -tags {{arg}} .\n";
        let (ps, _) = read_str(t);
        assert_eq!(ps.len(), 3);
        let p = &ps[0];
        assert_eq!(p.name, "just build");
        assert_eq!(p.env["CGO_ENABLED"], "0");
        assert_eq!(p.env["GOFLAGS"], "-trimpath");
        assert_eq!(p.args[..2], ["-tags", "netgo,osusergo"]);
        assert_eq!(p.args[4..], ["-o", "bin/web", "./cmd/web"]);
        assert!(p.unknowns().is_empty(), "{:?}", p.unknowns());
        assert_eq!(p.line, 11);
        let sp = p.span.unwrap();
        assert!(t[sp.start..sp.end].starts_with("go build -tags {{tags}}"));
        assert_eq!(p.replay.as_ref().unwrap().scripts.len(), 2);
        assert_eq!(ps[1].dir, Path::new("/w/"), "each line is its own shell");
        assert!(ps[2].unknowns()[0].reason.contains("arg"));
    }

    #[test]
    fn shebang_and_foreign_shells() {
        let t = "build:\n    #!/usr/bin/env bash\n    set -e\n    cd app\n    CGO_ENABLED=0 go build -o x .\npy:\n    #!/usr/bin/env python3\n    import os; os.system('go build .')\nimport 'other.just'\n";
        let (ps, s) = read_str(t);
        assert_eq!(ps.len(), 1);
        assert_eq!(
            ps[0].dir,
            Path::new("/w/app"),
            "a shebang recipe is one script"
        );
        assert_eq!(ps[0].line, 5);
        let r: Vec<&str> = s.list.iter().map(|x| x.reason.as_str()).collect();
        assert!(r.iter().any(|x| x.contains("python3")), "{r:?}");
        assert!(r.iter().any(|x| x.contains("other.just")), "{r:?}");
    }

    #[test]
    fn hostile_justfiles() {
        for t in [
            // A body line indented less than the first, with a multi-byte blank.
            "a:\n    go build .\n \u{3000}# x\n",
            "x := \"\\é\nb:\n  go build -o {{x}} .\n",
            "b:\n  go build {{ unterminated é",
            "set shell := [\nb:\n\tgo build .\n",
            "b x=\"é:\n  go build .\n",
        ] {
            let _ = read_str(t);
        }
    }
}
