//! Dockerfiles: each stage's base image, `ENV`/`ARG` values, `WORKDIR`,
//! `RUN go build` lines (with `&&` chains, continuations and env prefixes),
//! and which later stage receives the binary with `COPY --from`. The build
//! context is taken to be the Dockerfile's directory. `RUN <<EOF` heredocs
//! are read as the script they are; a stage that builds some other way
//! (`go run`, make, a script) is reported as not evaluated.

use super::shell::{self, Mode, Session, Unknowns, Word};
use super::{
    CCompiler, DockerStage, ImageClass, Origin, Profile, ProfileKind, Runtime, Skips, line_of,
};
use crate::gosrc::Span;
use std::collections::BTreeMap;
use std::path::Path;

/// One instruction: keyword, argument text and spans.
#[derive(Debug, Clone)]
struct Instr {
    keyword: String,
    /// Argument text (file slice, continuations kept), heredoc bodies not included.
    args: Span,
    span: Span,
    /// Heredocs the instruction opens, in order: body spans (the lines
    /// between the `<<WORD` line and the line with WORD).
    heredocs: Vec<Span>,
}

/// The heredoc words of an instruction line: `<<EOF`, `<<-EOF`, `<<"EOF"`,
/// with whether leading tabs are stripped (`<<-`).
fn heredoc_words(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(p) = rest.find("<<") {
        rest = &rest[p + 2..];
        let dash = rest.starts_with('-');
        let r = rest.trim_start_matches('-');
        let (word, used) = match r.chars().next() {
            Some(q @ ('"' | '\'')) => match r[1..].find(q) {
                Some(e) => (r[1..1 + e].to_string(), e + 2),
                None => break,
            },
            _ => {
                let e = r
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(r.len());
                (r[..e].to_string(), e)
            }
        };
        if word.is_empty() {
            continue;
        }
        out.push((word, dash));
        rest = &r[used..];
    }
    out
}

fn instructions(text: &str) -> (Vec<Instr>, char) {
    let mut escape = '\\';
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    let mut directives = true;
    while i < b.len() {
        let line_end = text[i..].find('\n').map_or(b.len(), |p| i + p);
        let line = text[i..line_end].trim();
        if line.is_empty() || line.starts_with('#') {
            if directives && let Some(rest) = line.strip_prefix('#') {
                let rest = rest.trim().to_ascii_lowercase();
                if let Some(e) = rest.strip_prefix("escape=") {
                    escape = if e.trim() == "`" { '`' } else { '\\' };
                }
            }
            if !line.is_empty() && !line.starts_with('#') {
                directives = false;
            }
            i = line_end + 1;
            continue;
        }
        directives = false;
        let start = i + (text[i..line_end].len() - text[i..line_end].trim_start().len());
        // Extend over continuation lines.
        let mut end = line_end;
        let mut cur_end = line_end;
        while text[..cur_end].trim_end().ends_with(escape) && cur_end < b.len() {
            let next_end = text[cur_end + 1..]
                .find('\n')
                .map_or(b.len(), |p| cur_end + 1 + p);
            end = next_end;
            cur_end = next_end;
            // Comment and blank lines inside a continuation do not end it.
            let nl = text[..cur_end].rfind('\n').map_or(0, |p| p + 1);
            let l = text[nl..cur_end].trim();
            if l.starts_with('#') || l.is_empty() {
                if cur_end >= b.len() {
                    break;
                }
                let peek_end = text[cur_end + 1..]
                    .find('\n')
                    .map_or(b.len(), |p| cur_end + 1 + p);
                end = peek_end;
                cur_end = peek_end;
            }
        }
        let end = if end > start && b.get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        let kw_end = text[start..end]
            .find(char::is_whitespace)
            .map_or(end, |p| start + p);
        let args_start = kw_end + (text[kw_end..end].len() - text[kw_end..end].trim_start().len());
        let keyword = text[start..kw_end].to_ascii_uppercase();
        // Heredoc bodies follow the instruction line (BuildKit syntax).
        let mut heredocs = Vec::new();
        let mut instr_end = end;
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            let mut at = (end + 1).min(b.len());
            for (word, dash) in heredoc_words(&text[args_start..end]) {
                let body_start = at;
                let mut body_end = b.len();
                let mut next = b.len();
                let mut p = at;
                while p < b.len() {
                    let le = text[p..].find('\n').map_or(b.len(), |x| p + x);
                    let l = text[p..le].trim_end_matches('\r');
                    let l = if dash { l.trim_start_matches('\t') } else { l };
                    if l == word {
                        body_end = p;
                        next = (le + 1).min(b.len());
                        break;
                    }
                    p = le + 1;
                }
                heredocs.push(Span::new(body_start, body_end.max(body_start)));
                instr_end = next.saturating_sub(1).max(body_end);
                at = next;
            }
        }
        out.push(Instr {
            keyword,
            args: Span::new(args_start, end),
            span: Span::new(start, end),
            heredocs,
        });
        i = instr_end.max(end) + 1;
    }
    (out, escape)
}

/// The libc a base image provides, from its name.
pub fn image_class(image: &str) -> ImageClass {
    let img = image.to_ascii_lowercase();
    let img = img.split('@').next().unwrap_or("");
    let (repo, tag) = match img.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, t),
        _ => (img, ""),
    };
    let last = repo.rsplit('/').next().unwrap_or(repo);
    if repo == "scratch"
        || repo.starts_with("gcr.io/distroless/static")
        || repo.starts_with("cgr.dev/chainguard/static")
    {
        ImageClass::NoLibc
    } else if last == "alpine" || tag.contains("alpine") || repo.contains("alpine") {
        ImageClass::Musl
    } else if matches!(
        last,
        "debian"
            | "ubuntu"
            | "golang"
            | "fedora"
            | "centos"
            | "amazonlinux"
            | "buildpack-deps"
            | "rockylinux"
            | "almalinux"
    ) || repo.starts_with("gcr.io/distroless/base")
        || repo.starts_with("gcr.io/distroless/cc")
        || repo.starts_with("cgr.dev/chainguard/glibc-dynamic")
        || repo.starts_with("cgr.dev/chainguard/wolfi-base")
        || repo.contains("ubi")
    {
        ImageClass::Glibc
    } else {
        ImageClass::Unknown
    }
}

#[derive(Debug, Clone, Default)]
struct Stage {
    name: String,
    image: String,
    class: Option<ImageClass>,
    from_image_span: Span,
    from_line_end: usize,
    env: BTreeMap<String, String>,
    env_cgo: Option<Span>,
    workdir: String,
    context_dest: Option<String>,
    has_gcc: bool,
    runs: Vec<String>,
    /// (from stage, sources, destination) of `COPY --from`.
    copies: Vec<(String, Vec<String>, String)>,
}

/// Profiles for every `go build` in a `RUN` of any stage.
pub fn read(root: &Path, file: &Path, text: &str, skips: &mut Skips) -> Vec<Profile> {
    let (instrs, escape) = instructions(text);
    // Per stage: RUN commands that may build the binary some other way.
    let mut other_builds: Vec<Vec<(Span, String)>> = Vec::new();
    let ctx = file.parent().unwrap_or(root).to_path_buf();
    let mut unk = Unknowns::default();
    let mut global_args: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    let mut pending: Vec<Profile> = Vec::new();
    let mut stage_of: Vec<usize> = Vec::new();
    for ins in &instrs {
        let args = &text[ins.args.start..ins.args.end];
        let cur_vars = stages
            .last()
            .map(|s| s.env.clone())
            .unwrap_or_else(|| global_args.clone());
        let expand = |s: &str, u: &mut Unknowns| -> Vec<Word> {
            shell::parse(s, Mode::Shell, &|n| cur_vars.get(n).cloned(), u)
                .into_iter()
                .flat_map(|c| c.words)
                .collect()
        };
        match ins.keyword.as_str() {
            "FROM" => {
                let words = shell::parse(
                    args,
                    Mode::Shell,
                    &|n| global_args.get(n).cloned(),
                    &mut unk,
                )
                .into_iter()
                .flat_map(|c| c.words)
                .filter(|w| !w.text.starts_with("--"))
                .collect::<Vec<_>>();
                let image = words.first().map(|w| w.text.clone()).unwrap_or_default();
                let name = match (words.get(1), words.get(2)) {
                    (Some(a), Some(n)) if a.text.eq_ignore_ascii_case("as") => n.text.clone(),
                    _ => stages.len().to_string(),
                };
                let img_span = words
                    .first()
                    .map(|w| Span::new(ins.args.start + w.span.start, ins.args.start + w.span.end))
                    .unwrap_or(ins.args);
                let parent = stages
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(&image))
                    .cloned();
                let mut st = match parent {
                    Some(p) => Stage {
                        name: name.clone(),
                        copies: Vec::new(),
                        runs: p.runs.clone(),
                        ..p
                    },
                    None => {
                        let lower = image.to_ascii_lowercase();
                        let repo = lower.split(':').next().unwrap_or("");
                        Stage {
                            name: name.clone(),
                            image: image.clone(),
                            class: Some(image_class(&image)),
                            has_gcc: (repo == "golang" || repo.ends_with("/golang"))
                                && image_class(&image) == ImageClass::Glibc,
                            workdir: "/".into(),
                            ..Stage::default()
                        }
                    }
                };
                st.from_image_span = img_span;
                st.from_line_end = ins.span.end;
                // Global ARGs are not visible inside a stage unless redeclared.
                stages.push(st);
                other_builds.push(Vec::new());
            }
            "ARG" => {
                for w in expand(args, &mut unk) {
                    let (k, v) = match w.text.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (w.text.clone(), None),
                    };
                    let v = v
                        .or_else(|| global_args.get(&k).cloned())
                        .unwrap_or_else(|| {
                            unk.mark(format!(
                                "ARG {k} has no default: its value comes from --build-arg"
                            ))
                        });
                    match stages.last_mut() {
                        Some(s) => {
                            s.env.insert(k, v);
                        }
                        None => {
                            global_args.insert(k, v);
                        }
                    }
                }
            }
            "ENV" => {
                let Some(st) = stages.last_mut() else {
                    continue;
                };
                let words = expand(args, &mut unk);
                let legacy = words.first().is_some_and(|w| !w.text.contains('='));
                if legacy {
                    let k = words[0].text.clone();
                    let v = words[1..]
                        .iter()
                        .map(|w| w.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    st.env.insert(k, v);
                } else {
                    for w in words {
                        if let Some((k, v)) = w.text.split_once('=') {
                            if k == "CGO_ENABLED" {
                                let s = ins.args.start + w.span.start + k.len() + 1;
                                st.env_cgo = Some(Span::new(s, ins.args.start + w.span.end));
                            }
                            st.env.insert(k.into(), v.into());
                        }
                    }
                }
            }
            "WORKDIR" => {
                let Some(st) = stages.last_mut() else {
                    continue;
                };
                let w = expand(args, &mut unk);
                if let Some(w) = w.first() {
                    st.workdir = shell::join_rel(&st.workdir, &w.text);
                }
            }
            "COPY" | "ADD" => {
                let Some(st) = stages.last_mut() else {
                    continue;
                };
                let mut words: Vec<String> = if args.trim_start().starts_with('[') {
                    serde_json::from_str(args).unwrap_or_default()
                } else {
                    expand(args, &mut unk).into_iter().map(|w| w.text).collect()
                };
                let from = words
                    .iter()
                    .find_map(|w| w.strip_prefix("--from=").map(str::to_string));
                words.retain(|w| !w.starts_with("--"));
                let Some(dst) = words.pop() else { continue };
                let dst = shell::join_rel(&st.workdir, &dst);
                match from {
                    Some(f) => st.copies.push((f, words, dst)),
                    None if words.iter().any(|w| matches!(w.as_str(), "." | "./")) => {
                        st.context_dest = Some(dst)
                    }
                    None => {}
                }
            }
            "RUN" => {
                let si = stages.len().saturating_sub(1);
                let Some(st) = stages.last_mut() else {
                    continue;
                };
                // Strip RUN flags (--mount=..., --network=...).
                let mut off = 0;
                while args[off..].starts_with("--") {
                    let e = args[off..]
                        .find(char::is_whitespace)
                        .map_or(args.len(), |p| off + p);
                    off = e + (args[e..].len() - args[e..].trim_start().len());
                }
                let body = &args[off..];
                let mut body_start = ins.args.start + off;
                let first_word = body.split_whitespace().next().unwrap_or("");
                let (script, mapped): (String, bool) = if let (Some(h), true) = (
                    ins.heredocs.first(),
                    body.starts_with("<<")
                        || matches!(first_word, "sh" | "bash" | "/bin/sh" | "/bin/bash")
                            && body.contains("<<"),
                ) {
                    // The heredoc is the script (`RUN <<EOF`, `RUN bash <<EOF`).
                    let hs = &text[h.start..h.end];
                    let interp = hs
                        .lines()
                        .next()
                        .and_then(|l| l.strip_prefix("#!"))
                        .map(|l| l.trim().to_string());
                    if let Some(i) = interp.filter(|i| {
                        !["sh", "bash"].iter().any(|s| {
                            i.ends_with(&format!("/{s}"))
                                || i.ends_with(&format!(" {s}"))
                                || i.contains(&format!("/{s} "))
                        })
                    }) {
                        other_builds[si].push((
                            ins.span,
                            format!(
                                "the RUN heredoc is a `#!{i}` script, which linklens does not read"
                            ),
                        ));
                        st.runs.push(hs.to_string());
                        continue;
                    }
                    body_start = h.start;
                    (hs.to_string(), escape == '\\')
                } else if body.starts_with('[') {
                    let v: Vec<String> = serde_json::from_str(body).unwrap_or_default();
                    match v.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                        ["sh" | "/bin/sh" | "bash" | "/bin/bash", "-c", s, ..] => {
                            (s.to_string(), false)
                        }
                        _ => (
                            v.iter()
                                .map(|a| shell_quote(a))
                                .collect::<Vec<_>>()
                                .join(" "),
                            false,
                        ),
                    }
                } else {
                    (body.to_string(), escape == '\\')
                };
                let lower = script.to_ascii_lowercase();
                if (lower.contains("apk add") || lower.contains("apk --no-cache add"))
                    && (has_word(&lower, "gcc") || has_word(&lower, "build-base"))
                    || (lower.contains("apt-get install") || lower.contains("apt install"))
                        && (has_word(&lower, "gcc") || has_word(&lower, "build-essential"))
                {
                    st.has_gcc = true;
                }
                st.runs.push(script.clone());
                let mut session = Session {
                    vars: st.env.clone(),
                    exported: st.env.clone(),
                    cwd: st.workdir.clone(),
                };
                let env = st.env.clone();
                let cmds = shell::parse(&script, Mode::Shell, &|n| env.get(n).cloned(), &mut unk);
                for c in &cmds {
                    if let Some(what) = other_build(c) {
                        let span = if mapped {
                            Span::new(c.span.start + body_start, c.span.end + body_start)
                        } else {
                            ins.span
                        };
                        other_builds[si].push((span, what));
                    }
                }
                for run in session.walk(&cmds) {
                    let stage_idx = stages.len() - 1;
                    let st = &stages[stage_idx];
                    let abs = |s: Span| Span::new(s.start + body_start, s.end + body_start);
                    let span = if mapped { abs(run.span) } else { ins.span };
                    let mut p = Profile::new(
                        ProfileKind::Dockerfile,
                        format!("Dockerfile stage {}", st.name),
                        Some(file.to_path_buf()),
                        Some(span),
                        line_of(text, span.start),
                    );
                    p.key = st.name.clone();
                    let ctx_dest = st
                        .context_dest
                        .clone()
                        .unwrap_or_else(|| st.workdir.clone());
                    if st.context_dest.is_none() {
                        p.notes.push(format!(
                            "no `COPY . <dir>` before the build: WORKDIR {} is taken to hold the build context",
                            st.workdir
                        ));
                    }
                    let rel = run
                        .cwd
                        .strip_prefix(ctx_dest.trim_end_matches('/'))
                        .map(|r| r.trim_start_matches('/').to_string());
                    match rel {
                        Some(r) => p.dir = ctx.join(r),
                        None => {
                            p.dir = ctx.clone();
                            p.notes.push(format!(
                                "go build runs in {}, outside the copied context {ctx_dest}: predicted from the context root",
                                run.cwd
                            ));
                        }
                    }
                    p.env = run.env.clone();
                    p.env_remove = super::LINK_ENV.iter().map(|s| s.to_string()).collect();
                    p.args = run.inv.args.clone();
                    p.unk = unk.clone();
                    p.output = Some(output_path(&run.cwd, &p.args, &p.dir));
                    let class = st.class.unwrap_or(ImageClass::Unknown);
                    p.c_compiler = match (class, st.has_gcc) {
                        (ImageClass::Musl, true) => CCompiler::Musl {
                            why: format!(
                                "{} with gcc installed: its gcc targets musl, predicted with CC=musl-gcc on this machine",
                                st.image
                            ),
                        },
                        (ImageClass::Musl, false) => CCompiler::Missing {
                            why: format!("{} has no C compiler (no `apk add gcc`)", st.image),
                        },
                        (ImageClass::Glibc, false) => CCompiler::Missing {
                            why: format!("{} has no C compiler installed", st.image),
                        },
                        (ImageClass::Glibc, true) => {
                            p.notes.push(format!(
                                "{}'s gcc targets glibc: predicted with this machine's gcc",
                                st.image
                            ));
                            CCompiler::Host
                        }
                        _ => {
                            p.notes.push(format!("unknown builder image {}: predicted with this machine's C toolchain", st.image));
                            CCompiler::Host
                        }
                    };
                    if let CCompiler::Musl { why } | CCompiler::Missing { why } = &p.c_compiler {
                        p.notes.push(why.clone());
                    }
                    let words = mapped.then(|| {
                        run.words
                            .iter()
                            .map(|w| Word {
                                text: w.text.clone(),
                                span: abs(w.span),
                            })
                            .collect()
                    });
                    p.origin = Origin::Docker {
                        words,
                        after_from: st.from_line_end,
                        env_cgo: st.env_cgo,
                        alpine: class == ImageClass::Musl,
                        has_gcc: st.has_gcc,
                    };
                    p.docker = Some(DockerStage {
                        stage: st.name.clone(),
                        image: st.image.clone(),
                        env: st.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                        workdir: st.workdir.clone(),
                        context_dest: ctx_dest,
                        runs: st.runs.clone(),
                    });
                    pending.push(p);
                    stage_of.push(stage_idx);
                }
            }
            _ => {}
        }
    }
    // A stage that builds no other way: say what it runs instead.
    for (si, list) in other_builds.iter().enumerate() {
        if stage_of.contains(&si) {
            continue;
        }
        for (span, what) in list {
            skips.add(
                file,
                *span,
                format!(
                    "stage {}: {what}, so what this stage builds is not predicted",
                    stages[si].name
                ),
            );
        }
    }
    // Where does each binary run? The final stage, if it copies it there.
    if let Some(last_idx) = stages.len().checked_sub(1) {
        let last = &stages[last_idx];
        let runtime = Runtime {
            image: last.image.clone(),
            class: last.class.unwrap_or(ImageClass::Unknown),
            file: file.to_path_buf(),
            span: last.from_image_span,
            line: line_of(text, last.from_image_span.start),
        };
        for (p, &si) in pending.iter_mut().zip(&stage_of) {
            let st = &stages[si];
            let out = p.output.clone().unwrap_or_default();
            let copied = last.copies.iter().any(|(from, srcs, _)| {
                (from == &st.name || from == &si.to_string())
                    && srcs.iter().any(|s| {
                        let s = shell::join_rel(&st.workdir, s);
                        out == s || out.starts_with(&format!("{}/", s.trim_end_matches('/')))
                    })
            });
            if si == last_idx || copied {
                p.runtime = Some(runtime.clone());
            }
        }
    }
    pending
}

/// The image of the final stage and its span (for goreleaser's `dockers:`).
pub fn final_image(text: &str) -> Option<(String, Span)> {
    let (instrs, _) = instructions(text);
    let from = instrs.iter().rev().find(|i| i.keyword == "FROM")?;
    let args = &text[from.args.start..from.args.end];
    let mut off = 0;
    for w in args.split_whitespace() {
        let at = args[off..].find(w).map_or(off, |p| off + p);
        off = at + w.len();
        if !w.starts_with("--") {
            return Some((
                w.to_string(),
                Span::new(from.args.start + at, from.args.start + off),
            ));
        }
    }
    None
}

/// A command that may build a Go binary without `go build` in the text:
/// `go run`, make, task, just, goreleaser, mage, or a script.
fn other_build(c: &shell::Command) -> Option<String> {
    let w: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
    let i = w.iter().position(|x| shell::assignment(x).is_none())?;
    let show = || shell::clean(&w[i..].join(" "));
    let base = w[i].rsplit('/').next().unwrap_or(w[i]);
    match (base, w.get(i + 1).copied()) {
        ("go", Some("run" | "generate")) => Some(format!(
            "RUN `{}` runs a Go program, which linklens does not execute",
            show()
        )),
        ("make" | "gmake" | "task" | "just" | "goreleaser" | "mage" | "bazel", _) => Some(format!(
            "RUN `{}` hands the build to {base}, which a Dockerfile RUN does not let linklens follow",
            show()
        )),
        ("sh" | "bash", Some(s)) if !s.starts_with('-') => Some(format!(
            "RUN `{}` runs a script, which linklens does not follow from a Dockerfile",
            show()
        )),
        (_, _) if w[i].ends_with(".sh") || w[i].starts_with("./") => Some(format!(
            "RUN `{}` runs a script, which linklens does not follow from a Dockerfile",
            show()
        )),
        _ => None,
    }
}

fn has_word(s: &str, w: &str) -> bool {
    s.split(|c: char| c.is_whitespace() || c == '&' || c == ';')
        .any(|x| x == w)
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=,:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `-o` resolved against the container cwd, or go's default output name.
fn output_path(cwd: &str, args: &[String], local_dir: &Path) -> String {
    let mut bf = crate::buildcfg::BuildFlags::default();
    let pkgs = bf.parse_args(args).unwrap_or_default();
    match bf.output {
        Some(o) => shell::join_rel(cwd, &o),
        None => shell::join_rel(
            cwd,
            &super::default_binary_name(local_dir, pkgs.first().map_or(".", String::as_str)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(t: &str) -> Vec<Profile> {
        read(
            Path::new("/w"),
            Path::new("/w/Dockerfile"),
            t,
            &mut Skips::default(),
        )
    }

    fn skipped(t: &str) -> Vec<String> {
        let mut s = Skips::default();
        read(Path::new("/w"), Path::new("/w/Dockerfile"), t, &mut s);
        s.list
            .iter()
            .map(|x| format!("{}:{}", line_of(t, x.span.start), x.reason))
            .collect()
    }

    #[test]
    fn heredocs_are_scripts() {
        let t = "FROM golang:1.26 AS build\nWORKDIR /src\nCOPY . .\nRUN <<EOF\nset -e\nexport CGO_ENABLED=0\ngo build -tags netgo -o /out/app ./cmd/app\nEOF\nRUN <<-EOT bash\n\tgo build -o /out/b ./cmd/b\n\tEOT\nFROM scratch\nCOPY --from=build /out/app /app\n";
        let ps = read_str(t);
        assert_eq!(ps.len(), 2, "{ps:#?}");
        assert_eq!(ps[0].env["CGO_ENABLED"], "0");
        assert_eq!(
            ps[0].args,
            ["-tags", "netgo", "-o", "/out/app", "./cmd/app"]
        );
        assert_eq!(ps[0].line, 7);
        let sp = ps[0].span.unwrap();
        assert_eq!(
            &t[sp.start..sp.end],
            "go build -tags netgo -o /out/app ./cmd/app"
        );
        assert_eq!(ps[1].line, 10);
        assert!(ps[0].runtime.is_some());
        // The heredoc body is no instruction of its own, and the stage after it is read.
        assert_eq!(ps[0].docker.as_ref().unwrap().runs.len(), 1);
        // A heredoc that is data (cat > file) leaves the command line as the script.
        let ps = read_str("FROM golang:1.26\nRUN cat <<EOF > /x.txt\ngo build .\nEOF\n");
        assert!(ps.is_empty(), "{ps:#?}");
    }

    #[test]
    fn other_builds_are_reported() {
        let s = skipped(
            "FROM golang:1.26 AS build\nCOPY . .\nRUN go run scripts/build.go -o /out/app\nFROM scratch\nCOPY --from=build /out/app /app\n",
        );
        assert_eq!(s.len(), 1, "{s:?}");
        assert!(s[0].starts_with("3:"), "{s:?}");
        assert!(s[0].contains("go run scripts/build.go"), "{s:?}");
        let s = skipped("FROM golang:1.26\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n");
        assert!(s[0].contains("python3"), "{s:?}");
        let s = skipped("FROM golang:1.26\nRUN make build\nRUN ./build.sh\n");
        assert_eq!(s.len(), 2, "{s:?}");
        // A stage with a go build: its go run (code generation) is no loss.
        assert!(skipped("FROM golang:1.26\nRUN go run ./gen && go build -o /a .\n").is_empty());
    }

    #[test]
    fn multi_stage() {
        let t = "# syntax=docker/dockerfile:1\nARG GO=1.26\nFROM golang:${GO}-alpine AS build\nWORKDIR /src\nENV CGO_ENABLED=1 GOFLAGS=-trimpath\nCOPY . .\nRUN apk add --no-cache gcc musl-dev\nRUN go mod download && \\\n    GOOS=linux go build -tags netgo \\\n      -o /out/app ./cmd/web\nFROM scratch\nCOPY --from=build /out/app /app\n";
        let ps = read_str(t);
        assert_eq!(ps.len(), 1);
        let p = &ps[0];
        assert_eq!(p.env.get("CGO_ENABLED").unwrap(), "1");
        assert_eq!(p.env.get("GOOS").unwrap(), "linux");
        assert_eq!(p.args, ["-tags", "netgo", "-o", "/out/app", "./cmd/web"]);
        assert!(matches!(p.c_compiler, CCompiler::Musl { .. }));
        let rt = p.runtime.as_ref().unwrap();
        assert_eq!(rt.class, ImageClass::NoLibc);
        assert_eq!(&t[rt.span.start..rt.span.end], "scratch");
        assert_eq!(p.line, 9);
        assert_eq!(p.dir, Path::new("/w/"));
    }

    #[test]
    fn classes() {
        for (i, c) in [
            ("scratch", ImageClass::NoLibc),
            (
                "gcr.io/distroless/static-debian12:nonroot",
                ImageClass::NoLibc,
            ),
            ("cgr.dev/chainguard/static:latest", ImageClass::NoLibc),
            ("alpine:3.20", ImageClass::Musl),
            ("golang:1.26-alpine", ImageClass::Musl),
            ("golang:1.26", ImageClass::Glibc),
            ("gcr.io/distroless/base-debian12", ImageClass::Glibc),
            ("debian:bookworm-slim", ImageClass::Glibc),
            ("example.com/x:1", ImageClass::Unknown),
        ] {
            assert_eq!(image_class(i), c, "{i}");
        }
    }

    #[test]
    fn hostile_dockerfiles() {
        for t in [
            "FROM",
            "RUN go build",
            "FROM x\nRUN [\"go\", \"build\"",
            "FROM x\nRUN \\",
            "FROM x\r\nENV A=1 \\\r\n  B=2\r\nRUN go build -o a '.\r\n",
            "# escape=`\nFROM x\nRUN go build `\n  .\n",
            "FROM x\nARG\nENV\nWORKDIR\nCOPY\nRUN --mount=type=cache\n",
            "FROM x AS\nCOPY --from= a\n",
            &"RUN go build \\\n".repeat(50_000),
        ] {
            let _ = read_str(t);
        }
        let ps = read_str("FROM golang:1.26\nRUN [\"go\", \"build\", \"-o\", \"/app\", \".\"]\n");
        assert_eq!(ps[0].args, ["-o", "/app", "."]);
    }
}
