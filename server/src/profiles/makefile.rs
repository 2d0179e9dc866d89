//! Makefile recipes that run `go build` / `go install`, with make variables
//! that are plain assignments expanded as make would, and simple shell
//! scripts the recipe calls. Anything make or the shell computes at run time
//! (`$(shell ...)`, functions, conditionals, variables from the environment)
//! becomes an unknown with its reason. `include`d makefiles are read in
//! place (from the workspace only), so their variables and rules count.

use super::shell::{self, Mode, Session, Unknowns, Word};
use super::{CCompiler, Origin, Profile, ProfileKind, Skips, Source, line_of};
use crate::gosrc::Span;
use std::collections::BTreeMap;
use std::path::Path;

/// Output of one make expansion is capped: a hostile Makefile can double a
/// value at every level of nesting.
const EXPANSION_BUDGET: usize = 1 << 20;

#[derive(Debug, Clone)]
struct Var {
    value: String,
    recursive: bool,
    unknown: Option<String>,
    /// Where the value is written (for edits of the definition).
    span: Span,
    /// Index in [`Makefile::files`] of the file it is written in.
    file: usize,
}

struct Recipe {
    /// Index in [`Makefile::files`].
    file: usize,
    target: String,
    prereqs: Vec<String>,
    /// The recipe line's text, after the tab and `@-+` prefixes.
    span: Span,
}

#[derive(Default)]
struct Makefile {
    vars: BTreeMap<String, Var>,
    exported: Vec<String>,
    export_all: bool,
    recipes: Vec<Recipe>,
    /// Reasons for markers inside `:=` values (expanded when defined).
    unk: Unknowns,
    /// The makefile and those it includes, in reading order: (path, text).
    files: Vec<(std::path::PathBuf, String)>,
}

/// How deep `include`s nest before linklens stops following them.
const MAX_INCLUDE_DEPTH: usize = 8;

/// Where a makefile is read from: for `include`s.
struct Ctx<'a> {
    root: &'a Path,
    /// make's working directory (the top makefile's), where include names resolve.
    dir: &'a Path,
    src: &'a Source,
    depth: usize,
}

/// Logical lines: (start, end) byte ranges with backslash-newline kept.
pub(crate) fn logical_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i <= b.len() {
        if i == b.len() || b[i] == b'\n' {
            let mut j = i;
            if j > start && b[j - 1] == b'\r' {
                j -= 1;
            }
            let backslashes = b[start..j]
                .iter()
                .rev()
                .take_while(|c| **c == b'\\')
                .count();
            if i < b.len() && backslashes % 2 == 1 {
                i += 1;
                continue;
            }
            out.push((start, j));
            start = i + 1;
        }
        i += 1;
    }
    out
}

/// Joins continuation lines for a non-recipe line (make replaces each
/// backslash-newline and the surrounding blanks with one space).
fn joined(s: &str) -> String {
    let mut out = String::new();
    for (n, part) in s.split('\n').enumerate() {
        let part = part.trim_end_matches('\r');
        let part = part.strip_suffix('\\').unwrap_or(part);
        if n > 0 {
            out.push(' ');
            out.push_str(part.trim_start());
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Strips a trailing make comment (`#` not escaped).
fn strip_comment(s: &str) -> &str {
    let b = s.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'#' && (i == 0 || b[i - 1] != b'\\') {
            return &s[..i];
        }
    }
    s
}

/// Reads the makefile `mk.files[fi]` into `mk`; `ctx` (none in unit tests
/// of one file) says where `include` names are found.
fn parse_into(mk: &mut Makefile, fi: usize, ctx: Option<&Ctx>, skips: &mut Skips) {
    let text = mk.files[fi].1.clone();
    let text = text.as_str();
    let mut cond_depth = 0usize;
    let mut in_define: Option<String> = None;
    let mut rule: Option<(String, Vec<String>)> = None;
    for (start, end) in logical_lines(text) {
        let raw = &text[start..end];
        if let Some(name) = &in_define {
            if raw.trim() == "endef" {
                mk.vars.insert(
                    name.clone(),
                    Var {
                        value: String::new(),
                        recursive: true,
                        unknown: Some(format!(
                            "$({name}) is a multi-line `define`, which linklens does not evaluate"
                        )),
                        span: Span::new(start, start),
                        file: fi,
                    },
                );
                in_define = None;
            }
            continue;
        }
        if let Some(body) = raw.strip_prefix('\t') {
            if let Some((t, p)) = &rule {
                let skip = body.len() - body.trim_start_matches(['@', '-', '+', ' ']).len();
                mk.recipes.push(Recipe {
                    file: fi,
                    target: t.clone(),
                    prereqs: p.clone(),
                    span: Span::new(start + 1 + skip, end),
                });
            }
            continue;
        }
        let line = joined(strip_comment(raw));
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let first = t.split_whitespace().next().unwrap_or("");
        match first {
            "ifeq" | "ifneq" | "ifdef" | "ifndef" => {
                cond_depth += 1;
                continue;
            }
            "endif" => {
                cond_depth = cond_depth.saturating_sub(1);
                continue;
            }
            "else" => continue,
            "define" => {
                in_define = t.split_whitespace().nth(1).map(str::to_string);
                continue;
            }
            "include" | "-include" | "sinclude" => {
                let optional = first != "include";
                let names = t[first.len()..].trim();
                let span = Span::new(start, end);
                include(mk, fi, names, optional, span, ctx, skips);
                continue;
            }
            "vpath" | "unexport" => continue,
            ".EXPORT_ALL_VARIABLES:" => {
                mk.export_all = true;
                continue;
            }
            _ => {}
        }
        let mut body = t;
        let mut export = false;
        loop {
            if let Some(r) = body.strip_prefix("export ") {
                export = true;
                body = r.trim_start();
            } else if let Some(r) = body.strip_prefix("override ") {
                body = r.trim_start();
            } else {
                break;
            }
        }
        if let Some((name, op, value)) = split_assignment(body) {
            rule = None;
            let value_start = raw
                .rfind(value.trim())
                .filter(|_| !value.trim().is_empty())
                .map_or(end, |p| start + p);
            let span = Span::new(value_start, (value_start + value.trim().len()).min(end));
            let unknown = if cond_depth > 0 {
                Some(format!(
                    "$({name}) is assigned inside an ifeq/ifdef block; linklens does not evaluate make conditionals"
                ))
            } else if op == "!=" {
                Some(format!("$({name}) is assigned from a shell command (`!=`)"))
            } else {
                None
            };
            let value = value.trim().to_string();
            let recursive = matches!(op, "=" | "?=");
            let var = match (op, mk.vars.get(name)) {
                ("+=", Some(old)) => Var {
                    value: format!("{} {}", old.value, value),
                    recursive: old.recursive,
                    unknown: old.unknown.clone().or(unknown),
                    span,
                    file: fi,
                },
                // ?= only sets an undefined variable.
                ("?=", Some(old)) => old.clone(),
                (":=" | "::=" | ":::=", _) => {
                    // Markers stay inside the value: `-X main.v=$(shell ...)`
                    // is harmless, `-tags $(shell ...)` is not.
                    let mut unk = std::mem::take(&mut mk.unk);
                    let mut budget = EXPANSION_BUDGET;
                    let v = expand_with(mk, &value, None, 0, &mut unk, &mut budget);
                    mk.unk = unk;
                    Var {
                        unknown,
                        value: v,
                        recursive: false,
                        span,
                        file: fi,
                    }
                }
                _ => Var {
                    value,
                    recursive,
                    unknown,
                    span,
                    file: fi,
                },
            };
            mk.vars.insert(name.to_string(), var);
            if export {
                mk.exported.push(name.to_string());
            }
            continue;
        }
        if export {
            // `export NAME` (no value).
            mk.exported
                .extend(body.split_whitespace().map(str::to_string));
            continue;
        }
        // A rule: `targets: prereqs [; recipe]`.
        if let Some(colon) = t.find(':') {
            let targets = &t[..colon];
            let rest = t[colon..].trim_start_matches(':');
            let (prereqs, inline) = match rest.split_once(';') {
                Some((p, r)) => (p, Some(r)),
                None => (rest, None),
            };
            let target = targets.split_whitespace().next().unwrap_or("").to_string();
            if target.starts_with('.') && target != ".DEFAULT" {
                rule = None;
                continue;
            }
            let pre: Vec<String> = prereqs.split_whitespace().map(str::to_string).collect();
            if let Some(r) = inline
                && let Some(p) = raw.find(r.trim())
            {
                mk.recipes.push(Recipe {
                    file: fi,
                    target: target.clone(),
                    prereqs: pre.clone(),
                    span: Span::new(start + p, end),
                });
            }
            rule = Some((target, pre));
        }
    }
}

/// `include names` at `span` of file `fi`: reads each named makefile in
/// place. What cannot be read is reported, except a missing file of
/// `-include`, which make itself skips.
fn include(
    mk: &mut Makefile,
    fi: usize,
    names: &str,
    optional: bool,
    span: Span,
    ctx: Option<&Ctx>,
    skips: &mut Skips,
) {
    let Some(ctx) = ctx else { return };
    let from = mk.files[fi].0.clone();
    let mut unk = std::mem::take(&mut mk.unk);
    let mut budget = EXPANSION_BUDGET;
    let expanded = expand_with(mk, names, None, 0, &mut unk, &mut budget);
    mk.unk = unk;
    for name in expanded.split_whitespace() {
        if shell::has_unknown(name) {
            let why = mk.unk.reasons_in(name).join("; ");
            skips.add(&from, span, format!("`include {names}`: the file name is computed ({why}), so its variables and rules are not read"));
            continue;
        }
        if name.contains(['*', '?', '[']) {
            skips.add(&from, span, format!("`include {name}` is a wildcard, which linklens does not expand: those makefiles are not read"));
            continue;
        }
        let path = ctx.dir.join(name);
        let inside = path.starts_with(ctx.root)
            && path
                .components()
                .all(|c| !matches!(c, std::path::Component::ParentDir));
        if !inside {
            skips.add(
                &from,
                span,
                format!("`include {name}` is outside the workspace: not read"),
            );
            continue;
        }
        if mk.files.iter().any(|(p, _)| *p == path) {
            continue; // make would loop; read once
        }
        if ctx.depth >= MAX_INCLUDE_DEPTH {
            skips.add(
                &from,
                span,
                format!(
                    "`include {name}` nests more than {MAX_INCLUDE_DEPTH} includes deep: not read"
                ),
            );
            continue;
        }
        let Some(text) = ctx.src.read(&path) else {
            if !optional {
                skips.add(&from, span, format!("`include {name}`: no such regular file in the workspace (a rule may make it when make runs), so its variables and rules are not read"));
            }
            continue;
        };
        mk.files.push((path.clone(), text));
        if !skips.included.contains(&path) {
            skips.included.push(path);
        }
        let idx = mk.files.len() - 1;
        let inner = Ctx {
            depth: ctx.depth + 1,
            ..*ctx
        };
        parse_into(mk, idx, Some(&inner), skips);
    }
}

/// `NAME op value` for the assignment operators make knows.
fn split_assignment(s: &str) -> Option<(&str, &str, &str)> {
    let eq = s.find('=')?;
    let mut op_start = eq;
    while op_start > 0
        && eq - op_start < 3
        && matches!(s.as_bytes()[op_start - 1], b':' | b'?' | b'+' | b'!')
    {
        op_start -= 1;
    }
    let name = s[..op_start].trim();
    let op = &s[op_start..=eq];
    let valid_op = matches!(op, "=" | ":=" | "::=" | ":::=" | "?=" | "+=" | "!=");
    if !valid_op
        || name.is_empty()
        || name.contains(|c: char| c.is_whitespace() || c == ':' || c == '$' || c == '#')
    {
        return None;
    }
    Some((name, op, &s[eq + 1..]))
}

/// Make's expansion of `s` as of now (recursive variables expand at use).
fn expand_with(
    mk: &Makefile,
    s: &str,
    rule: Option<(&str, &[String])>,
    depth: usize,
    unk: &mut Unknowns,
    budget: &mut usize,
) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        // The budget counts work across all nested expansions.
        *budget = budget.saturating_sub(1);
        if *budget == 0 {
            return unk.mark("a make variable expands to more than 1 MiB");
        }
        if b[i] != b'$' {
            let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            i += ch.len_utf8().max(1);
            continue;
        }
        let (name, next) = match b.get(i + 1) {
            None => {
                out.push('$');
                break;
            }
            Some(b'$') => {
                out.push('$');
                i += 2;
                continue;
            }
            Some(&open @ (b'(' | b'{')) => {
                let close = if open == b'(' { b')' } else { b'}' };
                let end = shell::matching(b, i + 1, open, close);
                (&s[(i + 2).min(end)..end], (end + 1).min(b.len()))
            }
            Some(_) => {
                let ch = s[i + 1..].chars().next().unwrap_or('?');
                (&s[i + 1..i + 1 + ch.len_utf8()], i + 1 + ch.len_utf8())
            }
        };
        i = next;
        out.push_str(&lookup(mk, name, rule, depth, unk, budget));
    }
    out
}

fn lookup(
    mk: &Makefile,
    name: &str,
    rule: Option<(&str, &[String])>,
    depth: usize,
    unk: &mut Unknowns,
    budget: &mut usize,
) -> String {
    if depth > 32 {
        return unk.mark(format!(
            "$({name}) refers to itself (recursive make variable)"
        ));
    }
    if let Some(f) = name.split_whitespace().next()
        && name.contains(char::is_whitespace)
    {
        return unk.mark(if f == "shell" {
            format!("$({name}) runs a shell command when make runs")
        } else {
            format!("make function $({f} ...) is not evaluated by linklens")
        });
    }
    if name.contains('$') || name.contains(':') || name.contains('=') {
        return unk.mark(format!("$({name}) is a computed or substitution reference"));
    }
    match (name, rule) {
        ("@", Some((t, _))) => return t.to_string(),
        ("<", Some((_, p))) => return p.first().cloned().unwrap_or_default(),
        ("^" | "+", Some((_, p))) => return p.join(" "),
        ("MAKE", _) => return "make".into(),
        _ => {}
    }
    match mk.vars.get(name) {
        Some(v) => match &v.unknown {
            Some(r) => unk.mark(r.clone()),
            None if v.recursive => expand_with(mk, &v.value, rule, depth + 1, unk, budget),
            None => v.value.clone(),
        },
        None => unk.mark(format!(
            "$({name}) is not defined in the Makefile: it comes from the environment or the make command line"
        )),
    }
}

/// Profiles for every `go build`/`go install` in the Makefile's recipes.
pub fn read(root: &Path, file: &Path, text: &str, src: &Source, skips: &mut Skips) -> Vec<Profile> {
    let dir = file.parent().unwrap_or(root).to_path_buf();
    let mut mk = Makefile::default();
    mk.files.push((file.to_path_buf(), text.to_string()));
    let ctx = Ctx {
        root,
        dir: &dir,
        src,
        depth: 0,
    };
    parse_into(&mut mk, 0, Some(&ctx), skips);
    let mut out = Vec::new();
    let mut per_target: BTreeMap<String, usize> = BTreeMap::new();
    for r in &mk.recipes {
        let (rfile, text) = (&mk.files[r.file].0, mk.files[r.file].1.as_str());
        let raw = &text[r.span.start..r.span.end];
        let mut unk = mk.unk.clone();
        let mut budget = EXPANSION_BUDGET;
        let expanded = expand_with(
            &mk,
            raw,
            Some((&r.target, &r.prereqs)),
            0,
            &mut unk,
            &mut budget,
        );
        let mut session = Session::default();
        let names: Vec<&String> = if mk.export_all {
            mk.vars.keys().collect()
        } else {
            mk.exported.iter().collect()
        };
        for n in names {
            let v = lookup(&mk, n, None, 0, &mut unk, &mut budget);
            session.vars.insert(n.clone(), v.clone());
            session.exported.insert(n.clone(), v);
        }
        let vars = session.vars.clone();
        let mut sunk = std::mem::take(&mut unk);
        let cmds = shell::parse(&expanded, Mode::Shell, &|n| vars.get(n).cloned(), &mut sunk);
        let runs = session.walk(&cmds);
        let raw_cmds = shell::parse(raw, Mode::Raw, &|_| None, &mut Unknowns::default());
        let same_shape = raw_cmds.len() == cmds.len();
        for run in runs {
            let n = per_target.entry(r.target.clone()).or_default();
            *n += 1;
            let name = if *n == 1 {
                format!("make {}", r.target)
            } else {
                format!("make {} #{}", r.target, n)
            };
            let raw_words: Option<Vec<Word>> = same_shape.then(|| {
                raw_cmds[run.inv.command]
                    .words
                    .iter()
                    .map(|w| Word {
                        text: w.text.clone(),
                        span: Span::new(w.span.start + r.span.start, w.span.end + r.span.start),
                    })
                    .collect()
            });
            let span = raw_words
                .as_ref()
                .and_then(|w| Some(Span::new(w.first()?.span.start, w.last()?.span.end)))
                .unwrap_or(r.span);
            let vars_used: Vec<(String, Span)> = mk
                .vars
                .iter()
                .filter(|(k, v)| {
                    v.unknown.is_none()
                        && v.file == r.file
                        && (raw.contains(&format!("$({k})")) || raw.contains(&format!("${{{k}}}")))
                })
                .map(|(k, v)| (k.clone(), v.span))
                .collect();
            let mut p = Profile::new(
                ProfileKind::Make,
                name,
                Some(rfile.clone()),
                Some(span),
                line_of(text, span.start),
            );
            if r.file != 0 {
                p.notes.push(format!(
                    "recipe from {}, included by {}",
                    rfile.strip_prefix(root).unwrap_or(rfile).display(),
                    file.strip_prefix(root).unwrap_or(file).display()
                ));
            }
            p.dir = dir.join(&run.cwd);
            p.env = run.env.clone();
            p.args = run.inv.args.clone();
            p.c_compiler = CCompiler::Host;
            p.unk = sunk.clone();
            p.origin = Origin::Shell {
                words: raw_words,
                vars: vars_used,
            };
            p.make_target = Some(r.target.clone());
            p.key = r.target.clone();
            p.output = output_of(&p.args, &p.dir);
            out.push(p);
        }
        // Scripts the recipe calls.
        for c in &cmds {
            let w: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
            let start = w
                .iter()
                .position(|x| shell::assignment(x).is_none())
                .unwrap_or(w.len());
            let script = match w.get(start).copied() {
                Some("sh" | "bash") => w.get(start + 1).copied(),
                Some(x) if x.ends_with(".sh") => Some(x),
                _ => None,
            };
            if let Some(s) = script.filter(|s| s.ends_with(".sh") && !shell::has_unknown(s)) {
                let path = dir.join(s);
                let inside = path
                    .components()
                    .all(|c| !matches!(c, std::path::Component::ParentDir));
                if let (true, Some(text)) = (inside, src.read(&path)) {
                    let mut env: BTreeMap<String, String> = session.exported.clone();
                    for x in &w[..start] {
                        if let Some((k, v)) = shell::assignment(x) {
                            env.insert(k.into(), v.into());
                        }
                    }
                    out.extend(read_script(&dir, &path, &text, env, &r.target));
                }
            }
        }
    }
    out
}

/// A shell script a recipe calls: its top-level assignments, exports, cds
/// and go build lines.
pub fn read_script(
    dir: &Path,
    file: &Path,
    text: &str,
    env: BTreeMap<String, String>,
    target: &str,
) -> Vec<Profile> {
    let mut unk = Unknowns::default();
    let mut session = Session {
        vars: env.clone(),
        exported: env,
        cwd: String::new(),
    };
    // Assignments take effect in order, so walk commands one by one with
    // the variables known so far.
    let mut out = Vec::new();
    let lines = logical_lines(text);
    let rel = file.strip_prefix(dir).unwrap_or(file).display().to_string();
    for (start, end) in lines {
        let vars = session.vars.clone();
        let cmds = shell::parse(
            &text[start..end],
            Mode::Shell,
            &|n| vars.get(n).cloned(),
            &mut unk,
        );
        for run in session.walk(&cmds) {
            let span = Span::new(run.span.start + start, run.span.end + start);
            // Edits need the words as written: lex the line again without
            // expanding anything.
            let raw = shell::parse(
                &text[start..end],
                Mode::Raw,
                &|_| None,
                &mut Unknowns::default(),
            );
            let words = (raw.len() == cmds.len()).then(|| {
                raw[run.inv.command]
                    .words
                    .iter()
                    .map(|w| Word {
                        text: w.text.clone(),
                        span: Span::new(w.span.start + start, w.span.end + start),
                    })
                    .collect::<Vec<_>>()
            });
            let mut p = Profile::new(
                ProfileKind::Script,
                format!("make {target} → {rel}"),
                Some(file.to_path_buf()),
                Some(span),
                line_of(text, span.start),
            );
            p.dir = dir.join(&run.cwd);
            p.env = run.env.clone();
            p.args = run.inv.args.clone();
            p.unk = unk.clone();
            p.origin = Origin::Shell {
                words,
                vars: Vec::new(),
            };
            p.make_target = Some(target.to_string());
            p.key = target.to_string();
            p.output = output_of(&p.args, &p.dir);
            out.push(p);
        }
    }
    out
}

/// `-o` as written, or go build's default output name (none for go install).
pub(crate) fn output_of(args: &[String], dir: &Path) -> Option<String> {
    let mut bf = crate::buildcfg::BuildFlags::default();
    let pkgs = bf.parse_args(args).ok()?;
    bf.output.or_else(|| {
        Some(super::default_binary_name(
            dir,
            pkgs.first().map_or(".", String::as_str),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profiles(text: &str) -> Vec<Profile> {
        read(
            Path::new("/w"),
            Path::new("/w/Makefile"),
            text,
            &Source::default(),
            &mut Skips::default(),
        )
    }

    #[test]
    fn variables_and_prefixes() {
        let ps = profiles(
            "GO ?= go\nLDFLAGS := -s -w\nTAGS = netgo\nexport GOFLAGS = -trimpath\n\nbuild: deps ## comment\n\t@CGO_ENABLED=0 $(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o bin/$@ ./cmd/web\n",
        );
        assert_eq!(ps.len(), 1);
        let p = &ps[0];
        assert_eq!(p.name, "make build");
        assert_eq!(p.line, 7);
        assert_eq!(p.env.get("CGO_ENABLED").map(String::as_str), Some("0"));
        assert_eq!(p.env.get("GOFLAGS").map(String::as_str), Some("-trimpath"));
        assert_eq!(
            p.args,
            [
                "-tags",
                "netgo",
                "-ldflags",
                "-s -w",
                "-o",
                "bin/build",
                "./cmd/web"
            ]
        );
    }

    #[test]
    fn shell_and_env_values_are_unknown() {
        let ps = profiles(
            "VERSION := $(shell git describe)\nbuild:\n\tgo build -ldflags \"-X main.v=$(VERSION)\" -tags $(EXTRA) .\n",
        );
        let p = &ps[0];
        let r = p.unk.reasons_in(&p.args.join(" "));
        assert!(r.iter().any(|r| r.contains("shell")), "{r:?}");
        assert!(r.iter().any(|r| r.contains("EXTRA")), "{r:?}");
    }

    #[test]
    fn hostile_makefiles() {
        let mut deep = String::new();
        for i in 0..40 {
            deep.push_str(&format!("V{i} = $(V{}) $(V{})\n", i + 1, i + 1));
        }
        deep.push_str("V40 = x\nall:\n\tgo build -tags \"$(V0)\" .\n");
        for t in [
            "build:\r\n\tCGO_ENABLED=0 go build .\r\n",
            "build:\n    go build .\n",
            "x = $(\nbuild:\n\tgo build '\n",
            "build: ; go build -o x .",
            "A = $(A)\nb:\n\tgo build -tags $(A) .\n",
            "\t\t\t\n:::\n=\n$(\n\\",
            &deep,
            &"x".repeat(3_000_000),
        ] {
            let _ = profiles(t);
        }
        assert_eq!(
            profiles("build:\r\n\tCGO_ENABLED=0 go build .\r\n")[0].args,
            ["."]
        );
        assert!(
            profiles("build:\n    go build .\n").is_empty(),
            "spaces are not a recipe"
        );
        assert_eq!(
            profiles("build: ; go build -o x .")[0].args,
            ["-o", "x", "."]
        );
    }

    #[test]
    fn includes_are_read_in_place() {
        let mut src = Source::default();
        let mk = "include vars.mk\n-include missing.mk\ninclude nothere.mk\ninclude $(shell ls *.mk)\ninclude ../outside.mk\nbuild:\n\tgo build -tags $(TAGS) -o bin/x .\n";
        src.overlay.insert("/w/Makefile".into(), mk.into());
        src.overlay.insert(
            "/w/vars.mk".into(),
            "TAGS := netgo\nexport CGO_ENABLED = 0\ninclude vars.mk\nrel:\n\tgo build -tags $(TAGS) -o bin/rel ./cmd/rel\n".into(),
        );
        let mut skips = Skips::default();
        let ps = read(
            Path::new("/w"),
            Path::new("/w/Makefile"),
            mk,
            &src,
            &mut skips,
        );
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].args, ["-tags", "netgo", "-o", "bin/rel", "./cmd/rel"]);
        assert_eq!(ps[0].file.as_deref(), Some(Path::new("/w/vars.mk")));
        assert_eq!(ps[0].line, 5);
        assert_eq!(ps[1].env["CGO_ENABLED"], "0");
        assert_eq!(ps[1].args[..2], ["-tags", "netgo"]);
        let r: Vec<(usize, &str)> = skips
            .list
            .iter()
            .map(|s| (line_of(mk, s.span.start), s.reason.as_str()))
            .collect();
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(r[0].0 == 3 && r[0].1.contains("nothere.mk"), "{r:?}");
        assert!(r[1].0 == 4 && r[1].1.contains("shell"), "{r:?}");
        assert!(r[2].1.contains("outside the workspace"), "{r:?}");
        assert_eq!(skips.included, [Path::new("/w/vars.mk")]);
        // Discovery reads vars.mk through the Makefile only.
        let d = super::super::discover(Path::new("/w"), &src);
        let ids: Vec<&str> = d.profiles.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["Makefile:rel", "Makefile:build"]);
        assert_eq!(d.problems.len(), 3, "{:#?}", d.problems);
    }
}
