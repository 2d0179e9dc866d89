//! `.goreleaser.yaml` `builds[]` (or v1's single `build:`) and `.ko.yaml`
//! builds, translated to the `go build` each tool runs; goreleaser's
//! `dockers:` say which image a build's binary ends up in (the final stage
//! of the Dockerfile they name), and its `kos:` are ko builds. Go templates
//! (`{{ ... }}`) become unknowns, which only matter when they land in a
//! link-relevant place.

use super::shell::Unknowns;
use super::yaml::{self, Node};
use super::{ImageClass, Origin, Profile, ProfileKind, Runtime, Skips, Source, line_of};
use crate::gosrc::Span;
use std::path::Path;

/// goreleaser's default ldflags (v2).
const GORELEASER_LDFLAGS: &str = "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser";
/// ko's default base image: no libc.
pub const KO_DEFAULT_BASE: &str = "cgr.dev/chainguard/static";

/// Replaces each template with an unknown marker.
fn untemplate(s: &str, unk: &mut Unknowns, what: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find("{{") {
        out.push_str(&rest[..p]);
        let end = rest[p..].find("}}").map_or(rest.len(), |e| p + e + 2);
        out.push_str(&unk.mark(format!(
            "{what} uses the template `{}`, evaluated only at release time",
            &rest[p..end]
        )));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

pub fn read(
    kind: ProfileKind,
    root: &Path,
    file: &Path,
    text: &str,
    src: &Source,
    skips: &mut Skips,
) -> Result<Vec<Profile>, (Span, String)> {
    let doc = yaml::parse(text)?;
    Ok(match kind {
        ProfileKind::Ko => ko(root, file, text, doc),
        _ => {
            let mut ps = goreleaser(root, file, text, doc.clone());
            ps.extend(goreleaser_kos(root, file, text, &doc, skips));
            dockers(root, file, text, &doc, &mut ps, src, skips);
            ps
        }
    })
}

/// goreleaser's `dockers:`: each names a Dockerfile (default `Dockerfile`)
/// whose final stage receives the binaries of the builds it selects by
/// `ids` (default all), `goos` (default linux) and `goarch` (default amd64).
fn dockers(
    root: &Path,
    file: &Path,
    text: &str,
    doc: &Node,
    ps: &mut [Profile],
    src: &Source,
    skips: &mut Skips,
) {
    let dir = file.parent().unwrap_or(root);
    if let Some(k) = doc.key("dockers_v2") {
        skips.add(
            file,
            k.span,
            "`dockers_v2:` is not read: the images its builds end up in are not checked",
        );
    }
    for d in doc.get("dockers").map(Node::items).unwrap_or_default() {
        let at = Span::new(d.span.start, first_line_end(text, d.span.start));
        let ids = d.get("ids").map(Node::strings);
        let goos = d.get("goos").and_then(Node::as_str).unwrap_or("linux");
        let goarch = d.get("goarch").and_then(Node::as_str).unwrap_or("amd64");
        let name = d
            .get("dockerfile")
            .and_then(Node::as_str)
            .unwrap_or("Dockerfile");
        if name.contains("{{") || goos.contains("{{") || goarch.contains("{{") {
            skips.add(file, at, format!("dockers entry uses templates (`{name}`, {goos}/{goarch}), evaluated only at release time: its image is not checked"));
            continue;
        }
        let path = dir.join(name);
        let inside = path.starts_with(root)
            && path
                .components()
                .all(|c| !matches!(c, std::path::Component::ParentDir));
        let Some(dtext) = src.read(&path).filter(|_| inside) else {
            skips.add(file, at, format!("the dockers entry's Dockerfile {name} is not a file in the workspace: its image is not checked"));
            continue;
        };
        let Some((image, ispan)) = super::dockerfile::final_image(&dtext) else {
            skips.add(
                file,
                at,
                format!("{name} has no FROM: the image is not known"),
            );
            continue;
        };
        let mut matched = false;
        for p in ps.iter_mut().filter(|p| p.kind == ProfileKind::Goreleaser) {
            let id_ok = ids
                .as_ref()
                .is_none_or(|ids| p.build_id.as_ref().is_some_and(|b| ids.contains(b)));
            if id_ok
                && p.env.get("GOOS").map(String::as_str) == Some(goos)
                && p.env.get("GOARCH").map(String::as_str) == Some(goarch)
            {
                matched = true;
                p.runtime = Some(Runtime {
                    image: image.clone(),
                    class: super::dockerfile::image_class(&image),
                    file: path.clone(),
                    span: ispan,
                    line: line_of(&dtext, ispan.start),
                });
                p.notes.push(format!(
                    "goreleaser's dockers puts the binary in {image} ({name})"
                ));
            }
        }
        if !matched {
            skips.add(
                file,
                at,
                format!(
                    "the dockers entry for {goos}/{goarch} selects no build (ids {:?})",
                    ids.unwrap_or_default()
                ),
            );
        }
    }
}

/// goreleaser's `kos:`: ko builds that take `main`, `env`, `flags` and
/// `ldflags` from the build they name (`build:`), over ko's defaults
/// (CGO_ENABLED=0, base image cgr.dev/chainguard/static, linux/amd64).
fn goreleaser_kos(
    root: &Path,
    file: &Path,
    text: &str,
    doc: &Node,
    skips: &mut Skips,
) -> Vec<Profile> {
    let dir = file.parent().unwrap_or(root);
    let builds: Vec<Node> = match doc.get("builds") {
        Some(b) if !b.items().is_empty() => b.items().to_vec(),
        _ => doc.get("build").into_iter().cloned().collect(),
    };
    let mut out = Vec::new();
    for (ki, k) in doc
        .get("kos")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let bid = k.get("build").and_then(Node::as_str);
        let b = match bid {
            Some(id) => builds
                .iter()
                .find(|b| b.get("id").and_then(Node::as_str) == Some(id)),
            None => builds.first(),
        };
        let id = k
            .get("id")
            .and_then(Node::as_str)
            .or(bid)
            .map(str::to_string)
            .unwrap_or_else(|| format!("ko{ki}"));
        let get = |key: &str| k.get(key).or_else(|| b.and_then(|b| b.get(key)));
        let mut platforms = Vec::new();
        for pl in k
            .get("platforms")
            .map(Node::strings)
            .unwrap_or_else(|| vec!["linux/amd64".into()])
        {
            let mut it = pl.split('/');
            match (it.next(), it.next()) {
                (Some(os), Some(arch)) if !pl.contains("{{") => {
                    platforms.push((os.to_string(), arch.to_string()))
                }
                _ => skips.add(
                    file,
                    k.span,
                    format!("kos {id}: platform `{pl}` is not read"),
                ),
            }
        }
        let span = Span::new(k.span.start, first_line_end(text, k.span.start));
        let (image, ispan) = match k.get("base_image") {
            Some(n) if n.as_str().is_some_and(|s| !s.trim().is_empty()) => {
                (n.as_str().unwrap_or("").to_string(), n.span)
            }
            _ => (KO_DEFAULT_BASE.to_string(), span),
        };
        for (os, arch) in &platforms {
            let mut unk = Unknowns::default();
            let mut p = Profile::new(
                ProfileKind::Ko,
                format!("goreleaser ko {id} {os}/{arch}"),
                Some(file.to_path_buf()),
                Some(span),
                line_of(text, span.start),
            );
            p.key = format!("kos:{id}:{os}/{arch}");
            p.build_id = Some(id.clone());
            p.dir = dir.join(k.get("working_dir").and_then(Node::as_str).unwrap_or("."));
            p.env.insert("CGO_ENABLED".into(), "0".into());
            env_list(b.and_then(|b| b.get("env")), &mut unk, &mut p);
            env_list(k.get("env"), &mut unk, &mut p);
            p.env.insert("GOOS".into(), os.clone());
            p.env.insert("GOARCH".into(), arch.clone());
            let mut args = vec!["-trimpath".to_string()];
            args.extend(
                get("flags")
                    .map(Node::strings)
                    .unwrap_or_default()
                    .iter()
                    .map(|f| untemplate(f, &mut unk, "flags")),
            );
            let ld: Vec<String> = get("ldflags")
                .map(Node::strings)
                .unwrap_or_default()
                .iter()
                .map(|f| untemplate(f, &mut unk, "ldflags"))
                .collect();
            if !ld.is_empty() {
                args.push(format!("-ldflags={}", ld.join(" ")));
            }
            let out_path = format!("ko-out/{id}");
            args.push("-o".into());
            args.push(out_path.clone());
            let main = get("main").and_then(Node::as_str).unwrap_or(".");
            args.push(untemplate(main, &mut unk, "main"));
            p.args = args;
            p.output = Some(out_path);
            p.unk = unk;
            p.runtime = Some(Runtime {
                image: image.clone(),
                class: super::dockerfile::image_class(&image),
                file: file.to_path_buf(),
                span: ispan,
                line: line_of(text, ispan.start),
            });
            p.origin = Origin::Yaml {
                build: Some(k.clone()),
                root: doc.clone(),
            };
            out.push(p);
        }
    }
    out
}

fn env_list(n: Option<&Node>, unk: &mut Unknowns, p: &mut Profile) {
    for e in n.map(Node::strings).unwrap_or_default() {
        if let Some((k, v)) = e.split_once('=') {
            let v = untemplate(v, unk, &format!("env {k}"));
            p.env.insert(k.trim().to_string(), v);
        }
    }
}

fn goreleaser(root: &Path, file: &Path, text: &str, doc: Node) -> Vec<Profile> {
    let dir = file.parent().unwrap_or(root);
    let builds: Vec<Node> = match (doc.get("builds"), doc.get("build")) {
        (Some(b), _) if !b.items().is_empty() => b.items().to_vec(),
        // goreleaser v1: a single `build:` mapping.
        (_, Some(b)) if !b.entries().is_empty() => vec![b.clone()],
        // No builds: goreleaser builds the main package at the root.
        _ => vec![Node {
            value: yaml::Value::Map(Vec::new()),
            span: doc.key("builds").map_or(Span::new(0, 0), |k| k.span),
            flow: false,
            aliased: false,
        }],
    };
    let project = doc.get("project_name").and_then(Node::as_str).unwrap_or("");
    let mut out = Vec::new();
    for (bi, b) in builds.iter().enumerate() {
        if b.get("skip").and_then(Node::as_str) == Some("true")
            || b.get("builder")
                .and_then(Node::as_str)
                .is_some_and(|x| x != "go")
        {
            continue;
        }
        let id = b
            .get("id")
            .and_then(Node::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                if project.is_empty() {
                    format!("build{bi}")
                } else {
                    project.to_string()
                }
            });
        let strs = |k: &str, d: &[&str]| -> Vec<String> {
            b.get(k)
                .map(Node::strings)
                .unwrap_or_else(|| d.iter().map(|s| s.to_string()).collect())
        };
        let mut targets: Vec<(String, String)> = Vec::new();
        if let Some(t) = b.get("targets") {
            for s in t.strings() {
                let mut parts = s.split('_');
                if let (Some(os), Some(arch)) = (parts.next(), parts.next()) {
                    targets.push((os.into(), arch.into()));
                }
            }
        } else {
            let ignore: Vec<(String, String)> = b
                .get("ignore")
                .map(|i| {
                    i.items()
                        .iter()
                        .map(|x| {
                            (
                                x.get("goos")
                                    .and_then(Node::as_str)
                                    .unwrap_or("*")
                                    .to_string(),
                                x.get("goarch")
                                    .and_then(Node::as_str)
                                    .unwrap_or("*")
                                    .to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            for os in strs("goos", &["darwin", "linux", "windows"]) {
                for arch in strs("goarch", &["386", "amd64", "arm64"]) {
                    let ignored = ignore
                        .iter()
                        .any(|(o, a)| (o == "*" || *o == os) && (a == "*" || *a == arch));
                    // goreleaser's built-in ignore of darwin/386.
                    if !ignored && (os != "darwin" || arch != "386") {
                        targets.push((os.clone(), arch.clone()));
                    }
                }
            }
        }
        let span = if b.span == Span::new(0, 0) {
            None
        } else {
            Some(b.span)
        };
        for (os, arch) in targets {
            let mut unk = Unknowns::default();
            let mut p = Profile::new(
                ProfileKind::Goreleaser,
                format!("goreleaser {id} {os}/{arch}"),
                Some(file.to_path_buf()),
                span.map(|s| Span::new(s.start, s.start.max(first_line_end(text, s.start)))),
                span.map_or(1, |s| line_of(text, s.start)),
            );
            p.key = format!("{id}:{os}/{arch}");
            p.build_id = Some(id.clone());
            let bdir = b.get("dir").and_then(Node::as_str).unwrap_or(".");
            p.dir = dir.join(bdir);
            env_list(b.get("env"), &mut unk, &mut p);
            p.env.insert("GOOS".into(), os.clone());
            p.env.insert("GOARCH".into(), arch.clone());
            let mut flags = strs("flags", &[]);
            let mut tags = strs("tags", &[]);
            let mut ldflags = strs("ldflags", &[GORELEASER_LDFLAGS]);
            let mut buildmode = b
                .get("buildmode")
                .and_then(Node::as_str)
                .map(str::to_string);
            for o in b.get("overrides").map(Node::items).unwrap_or_default() {
                let m = |k: &str, v: &str| o.get(k).and_then(Node::as_str).is_none_or(|x| x == v);
                if !(m("goos", &os) && m("goarch", &arch)) {
                    continue;
                }
                env_list(o.get("env"), &mut unk, &mut p);
                if let Some(f) = o.get("flags") {
                    flags = f.strings();
                }
                if let Some(t) = o.get("tags") {
                    tags = t.strings();
                }
                if let Some(l) = o.get("ldflags") {
                    ldflags = l.strings();
                }
                if let Some(bm) = o.get("buildmode").and_then(Node::as_str) {
                    buildmode = Some(bm.into());
                }
                p.notes.push(format!("overrides for {os}/{arch} applied"));
            }
            // The command goreleaser runs: flags, -tags, -ldflags, -o, main.
            let mut args: Vec<String> = flags
                .iter()
                .map(|f| untemplate(f, &mut unk, "flags"))
                .collect();
            if !tags.is_empty() {
                let t: Vec<String> = tags
                    .iter()
                    .map(|t| untemplate(t, &mut unk, "tags"))
                    .collect();
                args.push(format!("-tags={}", t.join(",")));
            }
            if !ldflags.is_empty() {
                let l: Vec<String> = ldflags
                    .iter()
                    .map(|t| untemplate(t, &mut unk, "ldflags"))
                    .collect();
                args.push(format!("-ldflags={}", l.join(" ")));
            }
            if let Some(bm) = buildmode {
                args.push(format!("-buildmode={bm}"));
            }
            let binary = b
                .get("binary")
                .and_then(Node::as_str)
                .unwrap_or(&id)
                .to_string();
            let out_path = format!("dist/{id}_{os}_{arch}/{binary}");
            args.push("-o".into());
            args.push(out_path.clone());
            let main = b.get("main").and_then(Node::as_str).unwrap_or(".");
            args.push(untemplate(main, &mut unk, "main"));
            p.args = args;
            p.output = Some(out_path);
            p.unk = unk;
            p.origin = Origin::Yaml {
                build: span.map(|_| b.clone()),
                root: doc.clone(),
            };
            out.push(p);
        }
    }
    out
}

fn first_line_end(text: &str, at: usize) -> usize {
    text[at.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |p| at + p)
}

fn ko(root: &Path, file: &Path, text: &str, doc: Node) -> Vec<Profile> {
    let dir = file.parent().unwrap_or(root);
    let default_base = doc.get("defaultBaseImage");
    let base_for = |importpath: &str| -> (String, Span) {
        if let Some(o) = doc.get("baseImageOverrides") {
            for (k, v) in o.entries() {
                if k.as_str() == Some(importpath)
                    && let Some(s) = v.as_str().filter(|s| !s.trim().is_empty())
                {
                    return (s.to_string(), v.span);
                }
            }
        }
        // An empty value (`defaultBaseImage: ""`) means ko's default, as in ko.
        let set = |n: &Node| {
            n.as_str()
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
        };
        match default_base.and_then(|n| set(n).map(|s| (s, n.span))) {
            Some(x) => x,
            None => (KO_DEFAULT_BASE.to_string(), Span::new(0, 0)),
        }
    };
    let platforms: Vec<(String, String)> = doc
        .get("defaultPlatforms")
        .map(Node::strings)
        .unwrap_or_else(|| vec!["linux/amd64".into()])
        .iter()
        .filter_map(|p| {
            let mut it = p.split('/');
            Some((it.next()?.to_string(), it.next()?.to_string()))
        })
        .collect();
    let builds: Vec<Option<Node>> = match doc.get("builds") {
        Some(b) if !b.items().is_empty() => b.items().iter().cloned().map(Some).collect(),
        _ => vec![None],
    };
    let mut out = Vec::new();
    for (bi, b) in builds.iter().enumerate() {
        let get = |k: &str| b.as_ref().and_then(|b| b.get(k));
        let id = get("id")
            .and_then(Node::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("build{bi}"));
        let main = get("main")
            .or_else(|| get("dir"))
            .and_then(Node::as_str)
            .unwrap_or("./...")
            .to_string();
        for (os, arch) in &platforms {
            let mut unk = Unknowns::default();
            let span = b
                .as_ref()
                .map(|b| Span::new(b.span.start, first_line_end(text, b.span.start)));
            let mut p = Profile::new(
                ProfileKind::Ko,
                format!("ko {id} {os}/{arch}"),
                Some(file.to_path_buf()),
                span,
                span.map_or(1, |s| line_of(text, s.start)),
            );
            p.key = if platforms.len() == 1 {
                id.clone()
            } else {
                format!("{id}:{os}/{arch}")
            };
            p.build_id = Some(id.clone());
            p.dir = dir.to_path_buf();
            // ko builds with CGO_ENABLED=0 unless the config says otherwise.
            p.env.insert("CGO_ENABLED".into(), "0".into());
            env_list(doc.get("defaultEnv"), &mut unk, &mut p);
            env_list(get("env"), &mut unk, &mut p);
            p.env.insert("GOOS".into(), os.clone());
            p.env.insert("GOARCH".into(), arch.clone());
            let mut args = vec!["-trimpath".to_string()];
            let flags = get("flags").or_else(|| doc.get("defaultFlags"));
            args.extend(
                flags
                    .map(Node::strings)
                    .unwrap_or_default()
                    .iter()
                    .map(|f| untemplate(f, &mut unk, "flags")),
            );
            let ld = get("ldflags").or_else(|| doc.get("defaultLdflags"));
            let ld: Vec<String> = ld
                .map(Node::strings)
                .unwrap_or_default()
                .iter()
                .map(|f| untemplate(f, &mut unk, "ldflags"))
                .collect();
            if !ld.is_empty() {
                args.push(format!("-ldflags={}", ld.join(" ")));
            }
            let out_path = format!("ko-out/{id}");
            args.push("-o".into());
            args.push(out_path.clone());
            args.push(main.clone());
            p.args = args;
            p.output = Some(out_path);
            p.unk = unk;
            let importpath = main.trim_start_matches("./");
            let (image, ispan) = base_for(importpath);
            let class = super::dockerfile::image_class(&image);
            p.runtime = Some(Runtime {
                image: image.clone(),
                class,
                file: file.to_path_buf(),
                span: if ispan == Span::new(0, 0) {
                    span.unwrap_or(ispan)
                } else {
                    ispan
                },
                line: line_of(
                    text,
                    if ispan == Span::new(0, 0) {
                        span.map_or(0, |s| s.start)
                    } else {
                        ispan.start
                    },
                ),
            });
            if ispan == Span::new(0, 0) {
                p.notes.push(format!(
                    "ko's default base image {KO_DEFAULT_BASE} has no libc"
                ));
            }
            debug_assert!(class != ImageClass::Unknown || !image.is_empty());
            p.origin = Origin::Yaml {
                build: b.clone(),
                root: doc.clone(),
            };
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goreleaser_builds() {
        let t = "version: 2\nbuilds:\n  - id: web\n    main: ./cmd/web\n    env:\n      - CGO_ENABLED=1\n    tags: [netgo]\n    ldflags:\n      - -s -w -X main.version={{.Version}}\n    goos: [linux]\n    goarch: [amd64, arm64]\n    overrides:\n      - goos: linux\n        goarch: arm64\n        env:\n          - CC={{ .Env.CC_ARM64 }}\n";
        let ps = read(
            ProfileKind::Goreleaser,
            Path::new("/w"),
            Path::new("/w/.goreleaser.yaml"),
            t,
            &Source::default(),
            &mut Skips::default(),
        )
        .unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(
            ps[0].args,
            [
                "-tags=netgo",
                "-ldflags=-s -w -X main.version=@@linklens-unknown-0@@",
                "-o",
                "dist/web_linux_amd64/web",
                "./cmd/web"
            ]
        );
        assert!(ps[0].unknowns().is_empty(), "-X templates do not matter");
        let u = ps[1].unknowns();
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].field, "env CC");
        assert_eq!(ps[0].line, 3);
    }

    #[test]
    fn ko_defaults() {
        let t = "defaultEnv: [GOFLAGS=-mod=mod]\nbuilds:\n- id: api\n  main: ./cmd/api\n  env: [CGO_ENABLED=1]\n  ldflags: [\"-extldflags '{{.Env.X}}'\"]\n";
        let ps = read(
            ProfileKind::Ko,
            Path::new("/w"),
            Path::new("/w/.ko.yaml"),
            t,
            &Source::default(),
            &mut Skips::default(),
        )
        .unwrap();
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].env["CGO_ENABLED"], "1");
        assert_eq!(ps[0].runtime.as_ref().unwrap().class, ImageClass::NoLibc);
        assert_eq!(ps[0].unknowns()[0].field, "-ldflags");
    }

    fn goreleaser(t: &str, src: &Source) -> (Vec<Profile>, Skips) {
        let mut s = Skips::default();
        let ps = read(
            ProfileKind::Goreleaser,
            Path::new("/w"),
            Path::new("/w/.goreleaser.yaml"),
            t,
            src,
            &mut s,
        )
        .unwrap();
        (ps, s)
    }

    #[test]
    fn v1_single_build() {
        let t = "project_name: croc\nbuild:\n  main: main.go\n  binary: croc\n  env:\n    - CGO_ENABLED=0\n  goos: [linux]\n  goarch: [amd64]\n";
        let (ps, _) = goreleaser(t, &Source::default());
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].env["CGO_ENABLED"], "0");
        assert_eq!(ps[0].args.last().unwrap(), "main.go");
        assert_eq!(ps[0].line, 3);
    }

    #[test]
    fn dockers_and_kos() {
        let mut src = Source::default();
        src.overlay.insert(
            "/w/release.Dockerfile".into(),
            "FROM alpine AS x\nFROM gcr.io/distroless/static-debian12\nCOPY web /web\n".into(),
        );
        let t = "builds:\n  - id: web\n    main: ./cmd/web\n    env: [CGO_ENABLED=1]\n    goos: [linux]\n    goarch: [amd64, arm64]\n  - id: other\n    goos: [linux]\n    goarch: [amd64]\ndockers:\n  - ids: [web]\n    dockerfile: release.Dockerfile\n  - dockerfile: missing.Dockerfile\n    goarch: arm64\nkos:\n  - build: web\n    base_image: alpine:3.20\n    platforms: [linux/arm64]\n";
        let (ps, s) = goreleaser(t, &src);
        assert_eq!(ps.len(), 4);
        let rt = ps[0].runtime.as_ref().unwrap();
        assert_eq!(rt.class, ImageClass::NoLibc);
        assert_eq!(rt.line, 2);
        assert!(
            ps[1].runtime.is_none(),
            "arm64 is not in the default dockers goarch"
        );
        assert!(ps[2].runtime.is_none(), "ids select web only");
        let ko = &ps[3];
        assert_eq!(ko.kind, ProfileKind::Ko);
        assert_eq!(ko.env["CGO_ENABLED"], "1", "from the build it names");
        assert_eq!(ko.env["GOARCH"], "arm64");
        assert_eq!(ko.args.last().unwrap(), "./cmd/web");
        assert_eq!(ko.runtime.as_ref().unwrap().class, ImageClass::Musl);
        assert_eq!(s.list.len(), 1, "{:?}", s.list);
        assert!(s.list[0].reason.contains("missing.Dockerfile"));
    }
}
