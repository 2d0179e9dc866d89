//! Just enough POSIX shell to read build lines: words with quotes and
//! escapes, `$VAR`/`${VAR}` expansion, command separators, and the `go build`
//! / `go install` invocations with their env prefixes, `export`s and `cd`s.
//! Nothing is executed: a value the text alone cannot give (command
//! substitution, an undefined variable) becomes an "unknown" marker carrying
//! the reason, which the profile reports instead of guessing.

use crate::gosrc::Span;
use std::collections::BTreeMap;

const MARK: &str = "@@linklens-unknown-";

/// Reasons for values that cannot be evaluated; each gets a marker string
/// that travels inside the text until the profile is evaluated.
#[derive(Debug, Clone, Default)]
pub struct Unknowns {
    pub reasons: Vec<String>,
}

impl Unknowns {
    /// A marker standing for a value we cannot know.
    pub fn mark(&mut self, reason: impl Into<String>) -> String {
        let reason = reason.into();
        let i = match self.reasons.iter().position(|r| *r == reason) {
            Some(i) => i,
            None => {
                self.reasons.push(reason);
                self.reasons.len() - 1
            }
        };
        format!("{MARK}{i}@@")
    }

    /// The reasons of the markers found in `s`.
    pub fn reasons_in(&self, s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(p) = rest.find(MARK) {
            rest = &rest[p + MARK.len()..];
            let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let r = n
                .parse::<usize>()
                .ok()
                .and_then(|i| self.reasons.get(i).cloned())
                .unwrap_or_else(|| "a value that cannot be evaluated".into());
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}

pub fn has_unknown(s: &str) -> bool {
    s.contains(MARK)
}

/// `s` with every unknown marker written as `<unknown>`.
pub fn clean(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find(MARK) {
        out.push_str(&rest[..p]);
        out.push_str("<unknown>");
        rest = &rest[p + MARK.len()..];
        rest = rest.split_once("@@").map_or("", |x| x.1);
    }
    out.push_str(rest);
    out
}

/// One shell word: its value after quote removal and expansion, and where it
/// was written (relative to the text given to [`parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// A simple command: its words, in order.
#[derive(Debug, Clone, Default)]
pub struct Command {
    pub words: Vec<Word>,
    pub span: Span,
}

/// How `$` is read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A shell script: expand `$VAR`, mark `$(...)` unknown.
    Shell,
    /// Text make has not expanded yet: keep `$(...)`/`${...}` as written, so
    /// that word boundaries and byte spans match the file.
    Raw,
}

/// Splits `src` into simple commands (`;`, `&&`, `||`, `|`, `&`, newlines
/// separate them). `lookup` gives shell variables; anything it does not know
/// becomes an unknown marker.
#[allow(unused_assignments)] // end_word! also resets state after the last word
pub fn parse(
    src: &str,
    mode: Mode,
    lookup: &dyn Fn(&str) -> Option<String>,
    unk: &mut Unknowns,
) -> Vec<Command> {
    let b = src.as_bytes();
    let mut cmds = Vec::new();
    let mut cur = Command::default();
    let mut word: Option<(String, usize)> = None;
    let mut skip_next_word = false; // redirection target
    let mut i = 0;
    macro_rules! end_word {
        ($end:expr) => {
            if let Some((text, start)) = word.take() {
                if skip_next_word {
                    skip_next_word = false;
                } else {
                    if cur.words.is_empty() {
                        cur.span.start = start;
                    }
                    cur.span.end = $end;
                    cur.words.push(Word {
                        text,
                        span: Span::new(start, $end),
                    });
                }
            }
        };
    }
    macro_rules! end_cmd {
        () => {
            if !cur.words.is_empty() {
                cmds.push(std::mem::take(&mut cur));
            }
        };
    }
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => {
                end_word!(i);
                i += 1;
            }
            b'\n' | b';' | b'&' | b'|' | b'(' | b')' => {
                end_word!(i);
                end_cmd!();
                i += 1;
            }
            b'#' if word.is_none() => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'>' | b'<' => {
                end_word!(i);
                let at = i;
                i += 1;
                while i < b.len() && matches!(b[i], b'>' | b'&' | b'<') {
                    i += 1;
                }
                // `2>&1`: the digit before was a word of its own; drop it.
                if let Some(w) = cur.words.last()
                    && w.text.chars().all(|c| c.is_ascii_digit())
                    && w.span.end == at
                {
                    cur.words.pop();
                }
                skip_next_word = true;
            }
            b'\\' => match src[i + 1..].chars().next() {
                // A line continuation joins lines and is not a word.
                Some('\n') => i += 2,
                Some('\r') if b.get(i + 2) == Some(&b'\n') => i += 3,
                Some(ch) => {
                    let start = word.as_ref().map_or(i, |w| w.1);
                    let text = &mut word.get_or_insert_with(|| (String::new(), start)).0;
                    if mode == Mode::Raw {
                        text.push('\\');
                    }
                    text.push(ch);
                    i += 1 + ch.len_utf8();
                }
                None => i += 1,
            },
            b'\'' => {
                let start = word.as_ref().map_or(i, |w| w.1);
                let end = src[i + 1..].find('\'').map_or(b.len(), |p| i + 1 + p);
                let text = &mut word.get_or_insert_with(|| (String::new(), start)).0;
                if mode == Mode::Raw {
                    text.push_str(&src[i..(end + 1).min(b.len())]);
                } else {
                    text.push_str(&src[i + 1..end]);
                }
                i = (end + 1).min(b.len());
            }
            b'"' => {
                let start = word.as_ref().map_or(i, |w| w.1);
                let mut text = word.take().map(|w| w.0).unwrap_or_default();
                if mode == Mode::Raw {
                    text.push('"');
                }
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && mode == Mode::Shell {
                        match b.get(i + 1) {
                            Some(b'"' | b'\\' | b'$' | b'`') => {
                                text.push(b[i + 1] as char);
                                i += 2;
                                continue;
                            }
                            Some(b'\n') => {
                                i += 2;
                                continue;
                            }
                            _ => {}
                        }
                    }
                    if b[i] == b'$' {
                        i = dollar(src, i, mode, lookup, unk, &mut text);
                        continue;
                    }
                    let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
                    text.push(ch);
                    i += ch.len_utf8().max(1);
                }
                if mode == Mode::Raw && i < b.len() {
                    text.push('"');
                }
                i = (i + 1).min(b.len());
                word = Some((text, start));
            }
            b'`' => {
                let start = word.as_ref().map_or(i, |w| w.1);
                let end = src[i + 1..].find('`').map_or(b.len(), |p| i + 1 + p);
                let text = &mut word.get_or_insert_with(|| (String::new(), start)).0;
                if mode == Mode::Raw {
                    text.push_str(&src[i..(end + 1).min(b.len())]);
                } else {
                    text.push_str(&unk.mark(format!(
                        "command substitution `{}` is only known when the shell runs it",
                        src[i..(end + 1).min(b.len())].trim()
                    )));
                }
                i = (end + 1).min(b.len());
            }
            b'$' => {
                let start = word.as_ref().map_or(i, |w| w.1);
                let text = &mut word.get_or_insert_with(|| (String::new(), start)).0;
                i = dollar(src, i, mode, lookup, unk, text);
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
                let start = word.as_ref().map_or(i, |w| w.1);
                word.get_or_insert_with(|| (String::new(), start))
                    .0
                    .push(ch);
                i += ch.len_utf8().max(1);
            }
        }
    }
    end_word!(b.len());
    end_cmd!();
    cmds
}

/// Reads a `$` expansion at `i`; returns the index after it.
fn dollar(
    src: &str,
    i: usize,
    mode: Mode,
    lookup: &dyn Fn(&str) -> Option<String>,
    unk: &mut Unknowns,
    out: &mut String,
) -> usize {
    let b = src.as_bytes();
    let next = b.get(i + 1).copied();
    match next {
        Some(open @ (b'(' | b'{')) => {
            let close = if open == b'(' { b')' } else { b'}' };
            let end = matching(b, i + 1, open, close);
            let inner = &src[(i + 2).min(end)..end];
            let after = (end + 1).min(b.len());
            if mode == Mode::Raw {
                out.push_str(&src[i..after]);
            } else if open == b'(' {
                out.push_str(&unk.mark(format!(
                    "command substitution `$({inner})` is only known when the shell runs it"
                )));
            } else {
                // ${NAME}, ${NAME:-default}, ${NAME-default}
                let name_end = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, op) = inner.split_at(name_end);
                let default = op
                    .strip_prefix(":-")
                    .or_else(|| op.strip_prefix('-'))
                    .map(str::to_string);
                match lookup(name) {
                    Some(v) if !(v.is_empty() && op.starts_with(':')) => out.push_str(&v),
                    _ if default.is_some() && !default.as_deref().unwrap_or("").contains('$') => {
                        out.push_str(default.as_deref().unwrap_or(""))
                    }
                    _ => out.push_str(&unk.mark(format!(
                        "shell variable ${name} is not set in the file; it comes from the environment"
                    ))),
                }
            }
            after
        }
        Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
            let end = src[i + 1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(b.len(), |p| i + 1 + p);
            let name = &src[i + 1..end];
            if mode == Mode::Raw {
                out.push_str(&src[i..end]);
            } else {
                match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&unk.mark(format!(
                        "shell variable ${name} is not set in the file; it comes from the environment"
                    ))),
                }
            }
            end
        }
        Some(c) if mode == Mode::Shell && (c.is_ascii_digit() || b"@*#?$!-".contains(&c)) => {
            out.push_str(&unk.mark(format!(
                "shell parameter ${} is only known when the script runs",
                c as char
            )));
            i + 2
        }
        _ => {
            out.push('$');
            i + 1
        }
    }
}

/// Index of the bracket closing the one at `open_at` (or the end of input).
pub fn matching(b: &[u8], open_at: usize, open: u8, close: u8) -> usize {
    let mut depth = 0usize;
    let mut j = open_at;
    while j < b.len() {
        if b[j] == open {
            depth += 1;
        } else if b[j] == close {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return j;
            }
        }
        j += 1;
    }
    b.len()
}

pub fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `NAME=value` → (NAME, value).
pub fn assignment(w: &str) -> Option<(&str, &str)> {
    let (k, v) = w.split_once('=')?;
    is_name(k).then_some((k, v))
}

/// A `go build` / `go install` found in a command.
#[derive(Debug, Clone)]
pub struct GoInvocation {
    /// Index of the command in the parsed list.
    pub command: usize,
    /// Env prefix assignments (`CGO_ENABLED=0 go build`, `env X=Y go ...`),
    /// with the word index of each.
    pub prefix: Vec<(String, String, usize)>,
    /// Word index of `go`.
    pub go_word: usize,
    pub subcommand: String,
    /// Arguments after the subcommand.
    pub args: Vec<String>,
}

/// Recognises `[NAME=v...] [env [-i] NAME=v...] go build|install args`.
pub fn go_invocation(idx: usize, cmd: &Command) -> Option<GoInvocation> {
    let w = &cmd.words;
    let mut prefix = Vec::new();
    let mut i = 0;
    loop {
        let t = w.get(i)?.text.as_str();
        if let Some((k, v)) = assignment(t) {
            prefix.push((k.to_string(), v.to_string(), i));
            i += 1;
        } else if t == "env" || t == "exec" || t == "time" || t == "command" || t == "-i" {
            i += 1;
        } else {
            break;
        }
    }
    let go = w.get(i)?.text.as_str();
    let is_go = go == "go" || go.ends_with("/go") || go.ends_with("/go\"");
    let sub = w.get(i + 1)?.text.as_str();
    if !is_go || !(sub == "build" || sub == "install") {
        return None;
    }
    Some(GoInvocation {
        command: idx,
        prefix,
        go_word: i,
        subcommand: sub.to_string(),
        args: w[i + 2..].iter().map(|w| w.text.clone()).collect(),
    })
}

/// Shell state while walking a script: variables, exported names, cwd.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub vars: BTreeMap<String, String>,
    pub exported: BTreeMap<String, String>,
    /// Directory relative to where the script started ("" = same).
    pub cwd: String,
}

/// A go invocation with the environment the shell passes it.
#[derive(Debug, Clone)]
pub struct GoRun {
    pub inv: GoInvocation,
    pub words: Vec<Word>,
    /// Exported variables plus the prefix assignments.
    pub env: BTreeMap<String, String>,
    pub cwd: String,
    pub span: Span,
}

impl Session {
    /// Walks `cmds` in order, updating the session and collecting go runs.
    pub fn walk(&mut self, cmds: &[Command]) -> Vec<GoRun> {
        let mut runs = Vec::new();
        for (idx, c) in cmds.iter().enumerate() {
            let words: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
            match words.first().copied() {
                Some("export") => {
                    for w in &words[1..] {
                        if let Some((k, v)) = assignment(w) {
                            self.vars.insert(k.into(), v.into());
                            self.exported.insert(k.into(), v.into());
                        } else if let Some(v) = self.vars.get(*w).cloned() {
                            self.exported.insert(w.to_string(), v);
                        }
                    }
                }
                Some("unset") => {
                    for w in &words[1..] {
                        self.vars.remove(*w);
                        self.exported.remove(*w);
                    }
                }
                Some("cd") => {
                    let to = words.get(1).copied().unwrap_or("");
                    self.cwd = join_rel(&self.cwd, to);
                }
                Some(_) if words.iter().all(|w| assignment(w).is_some()) => {
                    for w in &words {
                        if let Some((k, v)) = assignment(w) {
                            self.vars.insert(k.into(), v.into());
                            if self.exported.contains_key(k) {
                                self.exported.insert(k.into(), v.into());
                            }
                        }
                    }
                }
                _ => {
                    if let Some(inv) = go_invocation(idx, c) {
                        let mut env = self.exported.clone();
                        for (k, v, _) in &inv.prefix {
                            env.insert(k.clone(), v.clone());
                        }
                        runs.push(GoRun {
                            inv,
                            words: c.words.clone(),
                            env,
                            cwd: self.cwd.clone(),
                            span: c.span,
                        });
                    }
                }
            }
        }
        runs
    }
}

/// A go run found in a script a tool hands to a shell, with the words as
/// written in the file when they could be placed there.
#[derive(Debug, Clone)]
pub struct ScriptRun {
    pub run: GoRun,
    pub words: Option<Vec<Word>>,
    /// File span of the go command (none when it cannot be placed).
    pub span: Option<Span>,
    /// The script lines up to and including this one (what a replay runs).
    pub upto: usize,
}

/// Where a tool's shell runs a recorded script, for [`ScriptRun::profile`].
pub struct RunSite<'a> {
    pub kind: super::ProfileKind,
    pub name: String,
    pub key: String,
    pub file: &'a std::path::Path,
    /// The file's text (for line numbers).
    pub text: &'a str,
    /// Where the script is, when the go command cannot be placed.
    pub fallback_span: Span,
    /// The directory the tool runs the script in.
    pub dir: &'a std::path::Path,
    /// The replay: shell, its options, the environment the tool passes,
    /// the scripts the tool runs before this one.
    pub shell: &'a str,
    pub shell_args: &'a [&'a str],
    pub env: &'a std::collections::BTreeMap<String, String>,
    pub earlier_scripts: &'a [String],
}

impl ScriptRun {
    /// The profile of this `go build` run in a tool's shell script (a
    /// workflow step, a Taskfile task, a just recipe): its settings, its
    /// place in the file, and the replay that runs it for real in the
    /// ground truth. `script` is the whole script the run came from.
    pub fn profile(&self, site: &RunSite, script: &str, unk: &Unknowns) -> super::Profile {
        let span = self.span.unwrap_or(site.fallback_span);
        let mut p = super::Profile::new(
            site.kind,
            site.name.clone(),
            Some(site.file.to_path_buf()),
            Some(span),
            super::line_of(site.text, span.start),
        );
        p.key = site.key.clone();
        p.dir = site.dir.join(&self.run.cwd);
        p.env = self.run.env.clone();
        p.args = self.run.inv.args.clone();
        p.output = super::makefile::output_of(&p.args, &p.dir);
        p.unk = unk.clone();
        p.origin = super::Origin::Shell {
            words: self.words.clone(),
            vars: Vec::new(),
        };
        let mut scripts = site.earlier_scripts.to_vec();
        scripts.push(script[..self.upto].to_string());
        p.replay = Some(super::Replay {
            shell: site.shell.to_string(),
            shell_args: site.shell_args.iter().map(|a| a.to_string()).collect(),
            env: site
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            dir: site.dir.to_path_buf(),
            scripts,
        });
        p
    }
}

/// Walks `script` (the text after the tool's own templating) line by line,
/// so that assignments take effect in order. `raw` is the text as written
/// and `map` places a byte of `raw` in the file; words are mapped only
/// when the raw text has the same lines and commands.
pub fn script_runs(
    script: &str,
    raw: &str,
    map: &dyn Fn(usize) -> Option<usize>,
    session: &mut Session,
    unk: &mut Unknowns,
) -> Vec<ScriptRun> {
    let lines = super::makefile::logical_lines(script);
    let raw_lines = super::makefile::logical_lines(raw);
    let same_lines = lines.len() == raw_lines.len();
    let mut out = Vec::new();
    for (li, &(s, e)) in lines.iter().enumerate() {
        let vars = session.vars.clone();
        let cmds = parse(&script[s..e], Mode::Shell, &|n| vars.get(n).cloned(), unk);
        let runs = session.walk(&cmds);
        if runs.is_empty() {
            continue;
        }
        let raw_cmds = same_lines.then(|| {
            let (rs, re) = raw_lines[li];
            (
                rs,
                parse(&raw[rs..re], Mode::Raw, &|_| None, &mut Unknowns::default()),
            )
        });
        for run in runs {
            let words = raw_cmds.as_ref().and_then(|(rs, rc)| {
                if rc.len() != cmds.len() {
                    return None;
                }
                rc[run.inv.command]
                    .words
                    .iter()
                    .map(|w| {
                        Some(Word {
                            text: w.text.clone(),
                            span: Span::new(map(rs + w.span.start)?, map(rs + w.span.end)?),
                        })
                    })
                    .collect::<Option<Vec<_>>>()
            });
            let span = words
                .as_ref()
                .and_then(|w| Some(Span::new(w.first()?.span.start, w.last()?.span.end)));
            out.push(ScriptRun {
                run,
                words,
                span,
                upto: e,
            });
        }
    }
    out
}

/// `base` joined with a relative `to` (absolute paths are kept as written).
pub fn join_rel(base: &str, to: &str) -> String {
    if to.starts_with('/') {
        return to.to_string();
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    let abs = base.starts_with('/');
    for p in to.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let j = parts.join("/");
    if abs { format!("/{j}") } else { j }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<Vec<String>> {
        let mut u = Unknowns::default();
        parse(src, Mode::Shell, &|_| None, &mut u)
            .into_iter()
            .map(|c| c.words.into_iter().map(|w| w.text).collect())
            .collect()
    }

    #[test]
    fn quotes_and_separators() {
        assert_eq!(
            words("CGO_ENABLED=0 go build -ldflags '-s -w' -o bin/x ./cmd/x && echo ok"),
            vec![
                vec![
                    "CGO_ENABLED=0",
                    "go",
                    "build",
                    "-ldflags",
                    "-s -w",
                    "-o",
                    "bin/x",
                    "./cmd/x"
                ],
                vec!["echo", "ok"]
            ]
        );
        assert_eq!(
            words("go build \\\n  -tags \"a b\" . 2>&1 > log"),
            vec![vec!["go", "build", "-tags", "a b", "."]]
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        for s in [
            "'unterminated",
            "\"unterminated $(",
            "${",
            "$(((",
            "\\",
            "é\"$x\\é",
            "`",
            "a\r\nb\t\tc",
        ] {
            let _ = words(s);
            let mut u = Unknowns::default();
            let _ = parse(s, Mode::Raw, &|_| None, &mut u);
        }
        let huge = "go build ".to_string() + &"-x ".repeat(200_000);
        assert_eq!(words(&huge)[0].len(), 200_002);
    }

    #[test]
    fn unknowns_carry_reasons() {
        let mut u = Unknowns::default();
        let c = parse(
            "go build -tags $(cat tags) $X",
            Mode::Shell,
            &|_| None,
            &mut u,
        );
        let t = &c[0].words[3].text;
        assert!(has_unknown(t));
        assert!(u.reasons_in(t)[0].contains("command substitution"));
        assert!(u.reasons_in(&c[0].words[4].text)[0].contains("$X"));
    }

    #[test]
    fn raw_spans_match_source() {
        let src = "\t@CGO_ENABLED=1 $(GO) build -tags \"$(TAGS)\" ./cmd";
        let mut u = Unknowns::default();
        let c = parse(src, Mode::Raw, &|_| None, &mut u);
        for w in &c[0].words {
            assert_eq!(&src[w.span.start..w.span.end], w.text);
        }
    }
}
