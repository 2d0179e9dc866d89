//! Edits that change a profile's own definition, as byte-range text
//! replacements (the rest of the file, comments and layout included, stays
//! as it is). Every edit is checked before it is offered: it is applied in
//! memory, the file is read again, and the engine predicts the result.

use super::shell::Word;
use super::yaml::Node;
use super::{
    Discovery, ImageClass, Origin, Profile, ProfileKind, ProfilePrediction, Source, eval, findings,
};
use crate::buildcfg::Environ;
use crate::engine::Engine;
use crate::gosrc::Span;
use crate::predict::{Link, Verdict};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One text change. `range: None` creates `file` with `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    #[serde(serialize_with = "crate::predict::serialize_path")]
    pub file: PathBuf,
    pub range: Option<Span>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edit {
    /// Says which file changes and the predicted result.
    pub title: String,
    /// The profile it changes ([`Profile::id`]).
    pub profile: String,
    /// `cgo-disabled`, `netgo-osusergo`, `musl-static`, `runtime-image`, `create-makefile`.
    pub fix: String,
    pub changes: Vec<Change>,
    /// Predicted link per main package after the edit.
    pub result: Vec<(String, Link)>,
}

/// The pure-Go tags of the standard packages that use cgo (`netgo`,
/// `osusergo`; `predict::stdcgo`).
fn pure_go_tags() -> Vec<&'static str> {
    crate::predict::stdcgo::all_pure_go_tags()
}
const STATIC_LD: &str = "-linkmode external -extldflags -static";
const STATIC_LD_NEW: &str = "-ldflags '-linkmode external -extldflags \"-static\"'";

/// Applies changes to one file's text (changes sorted from the end).
pub fn apply(text: &str, changes: &[&Change]) -> String {
    let mut cs: Vec<&&Change> = changes.iter().filter(|c| c.range.is_some()).collect();
    cs.sort_by_key(|c| std::cmp::Reverse(c.range.map_or(0, |r| r.start)));
    let mut out = text.to_string();
    for c in cs {
        let Some(r) = c.range else { continue };
        if r.start <= r.end
            && r.end <= out.len()
            && out.is_char_boundary(r.start)
            && out.is_char_boundary(r.end)
        {
            out.replace_range(r.start..r.end, &c.text);
        }
    }
    out
}

fn nl(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn line_end(text: &str, at: usize) -> usize {
    let e = text[at.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |p| at + p);
    if e > 0 && text.as_bytes().get(e - 1) == Some(&b'\r') {
        e - 1
    } else {
        e
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].rfind('\n').map_or(0, |p| p + 1)
}

fn ins(file: &Path, at: usize, text: String) -> Change {
    Change {
        file: file.to_path_buf(),
        range: Some(Span::new(at, at)),
        text,
    }
}

fn rep(file: &Path, span: Span, text: String) -> Change {
    Change {
        file: file.to_path_buf(),
        range: Some(span),
        text,
    }
}

/// Merges tags into a comma- or space-separated list, keeping its style.
fn merge_tags(existing: &str, add: &[&str]) -> String {
    let sep = if existing.contains(',') || !existing.trim().contains(' ') {
        ","
    } else {
        " "
    };
    let mut tags: Vec<String> = existing
        .split([',', ' '])
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    for t in add {
        if !tags.iter().any(|x| x == t) {
            tags.push(t.to_string());
        }
    }
    tags.join(sep)
}

fn is_go_word(w: &str) -> bool {
    w == "go" || w.ends_with("/go") || w.starts_with("$(") || w.starts_with("${")
}

/// Index of `go` in raw words (followed by build/install).
fn go_index(words: &[Word]) -> Option<usize> {
    (0..words.len().saturating_sub(1)).find(|&i| {
        is_go_word(&words[i].text) && matches!(words[i + 1].text.as_str(), "build" | "install")
    })
}

/// Sets `KEY=value` as an env prefix of the go command.
fn shell_env(file: &Path, words: &[Word], key: &str, value: &str) -> Option<Change> {
    let g = go_index(words)?;
    if let Some(w) = words[..g]
        .iter()
        .find(|w| w.text.starts_with(&format!("{key}=")))
    {
        return Some(rep(file, w.span, format!("{key}={value}")));
    }
    Some(ins(file, words[g].span.start, format!("{key}={value} ")))
}

/// A flag's value word as written: (span, raw text).
fn flag_value(words: &[Word], g: usize, name: &str) -> Option<(Span, String)> {
    let mut found = None;
    let mut i = g + 2;
    while i < words.len() {
        let t = words[i].text.trim_start_matches('-');
        if t == name && words[i].text.starts_with('-') {
            if let Some(v) = words.get(i + 1) {
                found = Some((v.span, v.text.clone()));
            }
            i += 1;
        } else if let Some(v) = t
            .strip_prefix(&format!("{name}="))
            .filter(|_| words[i].text.starts_with('-'))
        {
            let off = words[i].text.len() - v.len();
            found = Some((
                Span::new(words[i].span.start + off, words[i].span.end),
                v.to_string(),
            ));
        }
        i += 1;
    }
    found
}

fn unquote(raw: &str) -> (Option<char>, &str) {
    for q in ['\'', '"'] {
        if raw.len() >= 2 && raw.starts_with(q) && raw.ends_with(q) {
            return (Some(q), &raw[1..raw.len() - 1]);
        }
    }
    (None, raw)
}

/// Adds tags to the go command, merging into an existing `-tags`; a value
/// that is a make variable reference is merged into the variable.
fn shell_tags(
    file: &Path,
    words: &[Word],
    vars: &[(String, Span)],
    text: &str,
    effective: &[String],
) -> Option<Change> {
    let g = go_index(words)?;
    if let Some((span, raw)) = flag_value(words, g, "tags") {
        let (q, inner) = unquote(&raw);
        if !inner.contains('$') {
            let merged = merge_tags(inner, &pure_go_tags());
            let q = q.map(String::from).unwrap_or_default();
            return Some(rep(file, span, format!("{q}{merged}{q}")));
        }
        let name = inner
            .trim_start_matches("$(")
            .trim_start_matches("${")
            .trim_end_matches([')', '}']);
        let (_, vspan) = vars.iter().find(|(n, _)| n == name)?;
        let cur = text.get(vspan.start..vspan.end)?;
        return Some(rep(file, *vspan, merge_tags(cur, &pure_go_tags())));
    }
    let mut all: Vec<&str> = effective.iter().map(String::as_str).collect();
    for t in pure_go_tags() {
        if !all.contains(&t) {
            all.push(t);
        }
    }
    Some(ins(
        file,
        words[g + 1].span.end,
        format!(" -tags {}", all.join(",")),
    ))
}

/// Adds the static external-link flags to `-ldflags`.
fn shell_ldflags(file: &Path, words: &[Word]) -> Option<Change> {
    let g = go_index(words)?;
    if let Some((span, raw)) = flag_value(words, g, "ldflags") {
        let (q, inner) = unquote(&raw);
        let text = match q {
            Some(q) => format!("{q}{inner} {STATIC_LD}{q}"),
            None if inner.contains('$') => format!("\"{inner} {STATIC_LD}\""),
            None => format!("'{inner} {STATIC_LD}'"),
        };
        return Some(rep(file, span, text));
    }
    Some(ins(
        file,
        words[g + 1].span.end,
        format!(" {STATIC_LD_NEW}"),
    ))
}

/// YAML: sets or adds `item` in the list `key` of `map`, replacing an item
/// that starts with `prefix`.
fn yaml_list_set(
    file: &Path,
    text: &str,
    map: &Node,
    key: &str,
    prefix: &str,
    item: &str,
) -> Option<Change> {
    if map.aliased {
        return None;
    }
    let n = nl(text);
    match map.get(key) {
        Some(list) if !list.aliased => {
            if let Some(it) = list
                .items()
                .iter()
                .find(|i| i.as_str().is_some_and(|s| s.starts_with(prefix)))
            {
                let raw = &text[it.span.start..it.span.end];
                let (q, _) = unquote(raw);
                let q = q.map(String::from).unwrap_or_default();
                return Some(rep(file, it.span, format!("{q}{item}{q}")));
            }
            if list.flow {
                let close = list.span.end.checked_sub(1)?;
                let sep = if list.items().is_empty() { "" } else { ", " };
                return Some(ins(file, close, format!("{sep}{item}")));
            }
            let last = list.items().last()?;
            let ls = line_start(text, last.span.start);
            let prefix_text = &text[ls..last.span.start];
            let lead = if prefix_text.trim() == "-" {
                prefix_text.to_string()
            } else {
                format!("{}- ", " ".repeat(prefix_text.len().saturating_sub(2)))
            };
            Some(ins(
                file,
                line_end(text, last.last_byte()),
                format!("{n}{lead}{item}"),
            ))
        }
        Some(_) => None,
        None => {
            if map.flow {
                let close = map.span.end.checked_sub(1)?;
                return Some(ins(file, close, format!(", {key}: [{item}]")));
            }
            let first = map.entries().first()?.0.span.start;
            let col = first - line_start(text, first);
            let pad = " ".repeat(col);
            Some(ins(
                file,
                line_end(text, map.last_byte()),
                format!("{n}{pad}{key}:{n}{pad}  - {item}"),
            ))
        }
    }
}

/// Candidate changes for a fix on a profile, before checking.
fn candidates(p: &Profile, pred: &ProfilePrediction, text: &str, fix: &str) -> Option<Vec<Change>> {
    let file = p.file.as_deref()?;
    let effective_tags: Vec<String> = pred
        .config
        .as_ref()
        .map(|c| c.tags.clone())
        .unwrap_or_default();
    match (&p.origin, fix) {
        (
            Origin::Shell {
                words: Some(w),
                vars,
                ..
            },
            f,
        ) => Some(match f {
            "cgo-disabled" => vec![shell_env(file, w, "CGO_ENABLED", "0")?],
            "netgo-osusergo" => vec![shell_tags(file, w, vars, text, &effective_tags)?],
            "musl-static" => vec![
                shell_env(file, w, "CC", "musl-gcc")?,
                shell_ldflags(file, w)?,
            ],
            _ => return None,
        }),
        (
            Origin::Docker {
                words,
                after_from,
                env_cgo,
                alpine,
                has_gcc,
                ..
            },
            f,
        ) => {
            let n = nl(text);
            Some(match f {
                "cgo-disabled" => match (
                    words.as_deref().and_then(|w| {
                        let g = go_index(w)?;
                        w[..g]
                            .iter()
                            .any(|x| x.text.starts_with("CGO_ENABLED="))
                            .then(|| shell_env(file, w, "CGO_ENABLED", "0"))?
                    }),
                    env_cgo,
                ) {
                    (Some(c), _) => vec![c],
                    (None, Some(s)) => vec![rep(file, *s, "0".into())],
                    (None, None) => vec![ins(file, *after_from, format!("{n}ENV CGO_ENABLED=0"))],
                },
                "netgo-osusergo" => vec![shell_tags(
                    file,
                    words.as_deref()?,
                    &[],
                    text,
                    &effective_tags,
                )?],
                "musl-static" => {
                    let w = words.as_deref()?;
                    let mut cs = Vec::new();
                    if *alpine {
                        if !has_gcc {
                            cs.push(ins(
                                file,
                                *after_from,
                                format!("{n}RUN apk add --no-cache gcc musl-dev"),
                            ));
                        }
                    } else {
                        cs.push(ins(
                            file,
                            *after_from,
                            format!("{n}RUN apt-get update && apt-get install -y --no-install-recommends musl-tools"),
                        ));
                        cs.push(shell_env(file, w, "CC", "musl-gcc")?);
                    }
                    cs.push(shell_ldflags(file, w)?);
                    cs
                }
                "runtime-image" => vec![docker_runtime_image(p, pred)?],
                _ => return None,
            })
        }
        (
            Origin::Yaml {
                build: Some(b),
                root,
            },
            f,
        ) => {
            let ko = p.kind == ProfileKind::Ko;
            let in_goreleaser = file
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(super::file_kind)
                == Some(ProfileKind::Goreleaser);
            Some(match (f, ko) {
                ("cgo-disabled", false) => vec![yaml_list_set(
                    file,
                    text,
                    b,
                    "env",
                    "CGO_ENABLED=",
                    "CGO_ENABLED=0",
                )?],
                ("cgo-disabled", true) => {
                    // goreleaser's kos: the entry's own env; .ko.yaml: the
                    // build's env if it sets CGO_ENABLED, else defaultEnv.
                    let in_build = in_goreleaser
                        || b.get("env").is_some_and(|e| {
                            e.strings().iter().any(|s| s.starts_with("CGO_ENABLED="))
                        });
                    let target = if in_build { b } else { root };
                    let key = if in_build { "env" } else { "defaultEnv" };
                    vec![yaml_list_set(
                        file,
                        text,
                        target,
                        key,
                        "CGO_ENABLED=",
                        "CGO_ENABLED=0",
                    )?]
                }
                ("netgo-osusergo", false) => {
                    let tags = b.get("tags");
                    match tags {
                        Some(t) if t.as_str().is_some() && !t.aliased => {
                            let merged = merge_tags(t.as_str().unwrap_or(""), &pure_go_tags());
                            vec![rep(file, t.span, merged)]
                        }
                        _ => {
                            let mut cs = Vec::new();
                            let have = tags.map(Node::strings).unwrap_or_default();
                            // Adding both items to one spot keeps the order.
                            let missing: Vec<&str> = pure_go_tags()
                                .into_iter()
                                .filter(|t| !have.iter().any(|h| h == t))
                                .collect();
                            if missing.is_empty() {
                                return None;
                            }
                            let mut c = yaml_list_set(file, text, b, "tags", "\u{0}", missing[0])?;
                            for m in &missing[1..] {
                                let sep = if c.text.contains('[') || (tags.is_some_and(|t| t.flow))
                                {
                                    ", ".to_string()
                                } else {
                                    let last_line = c.text.rsplit(['\n']).next().unwrap_or("");
                                    let lead = &last_line[..last_line.len() - missing[0].len()];
                                    format!("{}{lead}", nl(text))
                                };
                                c.text.push_str(&format!("{sep}{m}"));
                            }
                            cs.push(c);
                            cs
                        }
                    }
                }
                ("runtime-image", false) => {
                    // goreleaser dockers: the Dockerfile's final image.
                    vec![docker_runtime_image(p, pred)?]
                }
                ("runtime-image", true) if in_goreleaser => {
                    let img = "cgr.dev/chainguard/glibc-dynamic";
                    match b.get("base_image") {
                        Some(n) if !n.aliased && n.as_str().is_some() => {
                            vec![rep(file, n.span, img.into())]
                        }
                        // No base_image line to change: no edit offered.
                        _ => return None,
                    }
                }
                ("runtime-image", true) => {
                    // ko: a base image with glibc for a cgo build.
                    let img = "cgr.dev/chainguard/glibc-dynamic";
                    match root.get("defaultBaseImage") {
                        Some(n) if !n.aliased && n.as_str().is_some() => {
                            vec![rep(file, n.span, img.into())]
                        }
                        Some(_) => return None,
                        None => vec![ins(file, 0, format!("defaultBaseImage: {img}{}", nl(text)))],
                    }
                }
                ("netgo-osusergo", true) => {
                    let flags = b.get("flags");
                    let existing = flags
                        .map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .find(|i| i.as_str().is_some_and(|s| s.starts_with("-tags=")));
                    let merged = match existing {
                        Some(e) => format!(
                            "-tags={}",
                            merge_tags(
                                e.as_str().unwrap_or("").trim_start_matches("-tags="),
                                &pure_go_tags()
                            )
                        ),
                        None => format!("-tags={}", pure_go_tags().join(",")),
                    };
                    vec![yaml_list_set(file, text, b, "flags", "-tags=", &merged)?]
                }
                _ => return None,
            })
        }
        _ => None,
    }
}

/// Switches a Dockerfile's runtime image to one with the libc the binary needs.
fn docker_runtime_image(p: &Profile, pred: &ProfilePrediction) -> Option<Change> {
    let rt = p.runtime.as_ref()?;
    let musl_bin = pred.packages.iter().any(|x| {
        x.link
            .interpreter
            .as_deref()
            .is_some_and(|i| i.contains("ld-musl"))
    });
    let img = rt.image.to_ascii_lowercase();
    let new = if musl_bin {
        "alpine:3.20".to_string()
    } else if img.starts_with("gcr.io/distroless/static") {
        rt.image.replacen("static", "base", 1)
    } else if img.starts_with("cgr.dev/chainguard/static") {
        rt.image.replacen("static", "glibc-dynamic", 1)
    } else {
        "gcr.io/distroless/base-debian12".to_string()
    };
    Some(rep(&rt.file, rt.span, new))
}

fn file_label(root: &Path, f: &Path) -> String {
    f.strip_prefix(root).unwrap_or(f).display().to_string()
}

fn result_label(result: &[(String, Link)]) -> String {
    let mut labels: Vec<String> = result
        .iter()
        .map(|(_, l)| crate::report::label(l))
        .collect();
    labels.dedup();
    labels.join(", ")
}

/// "glibc floor GLIBC_2.3.2" (the newest among the packages).
fn floor_result_label(result: &[(String, Link)]) -> String {
    let floor = result
        .iter()
        .filter_map(|(_, l)| l.glibc_floor.as_deref())
        .max_by_key(|f| crate::predict::glibc::parse_version(f));
    format!("glibc floor {}", floor.unwrap_or("unknown"))
}

fn fix_words(fix: &str) -> String {
    match fix {
        "zig-glibc" => "build with zig cc against an older glibc".into(),
        "cgo-disabled" => "set CGO_ENABLED=0".into(),
        "netgo-osusergo" => format!("add -tags {}", pure_go_tags().join(",")),
        "musl-static" => {
            "link statically against musl (CC=musl-gcc, -linkmode external -extldflags -static)"
                .into()
        }
        "runtime-image" => "switch the runtime image to one with the libc the binary needs".into(),
        _ => "change the build".into(),
    }
}

/// Checked edits for one profile: each is applied in memory, the file is
/// read again and the profile predicted. Kept when the result is static (or,
/// for a runtime image switch, when the image finding goes away).
pub fn for_profile(
    engine: &Engine,
    base: &Environ,
    root: &Path,
    src: &Source,
    p: &Profile,
    pred: &ProfilePrediction,
) -> Vec<Edit> {
    let dynamic: Vec<_> = pred
        .packages
        .iter()
        .filter(|x| x.link.result == Verdict::Dynamic)
        .collect();
    // Windows and macOS binaries are never static, so no edit could pass
    // the check below; their fixes are in the prediction's own list.
    let never_static = matches!(
        p.env.get("GOOS").map(String::as_str),
        Some("windows" | "darwin")
    );
    if dynamic.is_empty() || p.file.is_none() || never_static {
        return Vec::new();
    }
    let needs_cgo = dynamic
        .iter()
        .any(|x| x.cgo_packages.iter().any(|c| !c.standard));
    let mut fixes = vec!["cgo-disabled", "netgo-osusergo"];
    if needs_cgo {
        fixes.push("musl-static");
        if p.runtime
            .as_ref()
            .is_some_and(|r| r.class != ImageClass::Unknown)
        {
            fixes.push("runtime-image");
        }
    }
    let Some(file) = p.file.as_deref() else {
        return Vec::new();
    };
    let Some(text) = src.read(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for fix in fixes {
        let Some(changes) = candidates(p, pred, &text, fix) else {
            continue;
        };
        if let Some(e) = check(engine, base, root, src, p, fix, changes) {
            out.push(e);
        }
    }
    out
}

/// What a checked edit must reach.
enum Goal<'a> {
    /// Every main package static.
    Static,
    /// No `image-*` finding left, and no failing build.
    RuntimeImage,
    /// Every main package dynamic with a glibc floor at or below this one.
    GlibcFloor(&'a [u32]),
}

/// The checked edit that lowers a profile's glibc floor to `min`: its
/// `go build` command gets `CC="zig cc -target <triple>.<min>"` (shell
/// commands only: a Makefile recipe, a script, a just or task recipe).
/// Kept when every main package it builds is predicted dynamic with a
/// floor at or below `min` (so zig must be on the build's PATH).
pub fn lower_glibc(
    engine: &Engine,
    base: &Environ,
    root: &Path,
    src: &Source,
    p: &Profile,
    pred: &ProfilePrediction,
    min: &[u32],
) -> Option<Edit> {
    let file = p.file.as_deref()?;
    let Origin::Shell { words: Some(w), .. } = &p.origin else {
        return None;
    };
    let goarch = pred.config.as_ref()?.goarch.as_str();
    let v = crate::predict::fixes::Variant::zig_glibc(goarch, min)?;
    let (_, cc) = v.env.first()?;
    let change = shell_env(file, w, "CC", &format!("\"{cc}\""))?;
    let mut e = check_for(
        engine,
        base,
        root,
        src,
        p,
        v.id,
        vec![change],
        Goal::GlibcFloor(&crate::predict::glibc::trim_version(min)),
    )?;
    // "Makefile: build with CC="zig cc -target …" → glibc floor GLIBC_2.3.2".
    e.title = format!(
        "{}: build with {} → {}",
        file_label(root, file),
        v.title,
        floor_result_label(&e.result)
    );
    Some(e)
}

/// Applies `changes` in memory, re-reads, re-predicts; the edit if it works.
fn check(
    engine: &Engine,
    base: &Environ,
    root: &Path,
    src: &Source,
    p: &Profile,
    fix: &str,
    changes: Vec<Change>,
) -> Option<Edit> {
    let goal = if fix == "runtime-image" {
        Goal::RuntimeImage
    } else {
        Goal::Static
    };
    check_for(engine, base, root, src, p, fix, changes, goal)
}

/// [`check`] against an explicit goal.
#[allow(clippy::too_many_arguments)]
fn check_for(
    engine: &Engine,
    base: &Environ,
    root: &Path,
    src: &Source,
    p: &Profile,
    fix: &str,
    changes: Vec<Change>,
    goal: Goal,
) -> Option<Edit> {
    let mut overlay = src.clone();
    let mut files: Vec<PathBuf> = changes.iter().map(|c| c.file.clone()).collect();
    files.dedup();
    for f in &files {
        let cur = overlay.read(f).unwrap_or_default();
        let mine: Vec<&Change> = changes.iter().filter(|c| &c.file == f).collect();
        let new = if mine.iter().any(|c| c.range.is_none()) {
            mine.iter()
                .find(|c| c.range.is_none())
                .map(|c| c.text.clone())
                .unwrap_or_default()
        } else {
            apply(&cur, &mine)
        };
        overlay.overlay.insert(f.clone(), new);
    }
    // A script is only read through the Makefile that calls it, and an
    // included makefile through its includer.
    let d = if p.kind == ProfileKind::Script {
        super::discover(root, &overlay)
    } else {
        let mut d = Discovery::default();
        d.read_file(root, p.entry.as_deref().or(p.file.as_deref())?, &overlay);
        d
    };
    let np = d.profiles.iter().find(|x| x.id == p.id)?;
    let npred = eval::predict(engine, base, np);
    if npred.packages.is_empty() {
        return None;
    }
    let ok = match goal {
        Goal::RuntimeImage => {
            findings::for_profile(np, &npred)
                .iter()
                .all(|f| !f.code.starts_with("image-"))
                && npred
                    .packages
                    .iter()
                    .all(|x| x.link.result != Verdict::Fails)
        }
        Goal::Static => npred
            .packages
            .iter()
            .all(|x| x.link.result == Verdict::Static),
        Goal::GlibcFloor(min) => npred.packages.iter().all(|x| {
            x.link.result == Verdict::Dynamic
                && x.link
                    .glibc_floor
                    .as_deref()
                    .and_then(crate::predict::glibc::parse_version)
                    .is_some_and(|f| f.as_slice() <= min)
        }),
    };
    if !ok {
        return None;
    }
    let result: Vec<(String, Link)> = npred
        .packages
        .iter()
        .map(|x| (x.import_path.clone(), x.link.clone()))
        .collect();
    let title = format!(
        "{}: {} → {}",
        files
            .iter()
            .map(|f| file_label(root, f))
            .collect::<Vec<_>>()
            .join(", "),
        fix_words(fix),
        match goal {
            Goal::RuntimeImage => format!(
                "binary stays {}, the image provides it",
                result_label(&result)
            ),
            Goal::GlibcFloor(_) => floor_result_label(&result),
            Goal::Static => result_label(&result),
        }
    );
    Some(Edit {
        title,
        profile: p.id.clone(),
        fix: fix.into(),
        changes,
        result,
    })
}

/// With no build definition in the workspace: a small Makefile whose
/// `build` target builds every main package static, if that works.
pub fn create_makefile(
    engine: &Engine,
    base: &Environ,
    root: &Path,
    editor: &ProfilePrediction,
) -> Option<Edit> {
    let file = root.join("Makefile");
    if file.exists() || editor.packages.is_empty() {
        return None;
    }
    let needs_cgo = editor
        .packages
        .iter()
        .any(|x| x.cgo_packages.iter().any(|c| !c.standard));
    let cmd = if needs_cgo {
        format!("CC=musl-gcc go build {STATIC_LD_NEW} -o bin/ ./...")
    } else {
        "CGO_ENABLED=0 go build -o bin/ ./...".to_string()
    };
    let text = format!(
        "# Static build: {}\n.PHONY: build\nbuild:\n\t{cmd}\n",
        if needs_cgo {
            "cgo linked statically against musl (needs musl-gcc)"
        } else {
            "pure Go, no C toolchain needed"
        }
    );
    let change = Change {
        file: file.clone(),
        range: None,
        text,
    };
    let mut p = Profile::new(ProfileKind::Make, "make build".into(), Some(file), None, 0);
    p.id = "Makefile:build".into();
    check(
        engine,
        base,
        root,
        &Source::default(),
        &p,
        "create-makefile",
        vec![change],
    )
    .map(|mut e| {
        e.title = format!(
            "create Makefile with a static `build` target → {}",
            result_label(&e.result)
        );
        e
    })
}
