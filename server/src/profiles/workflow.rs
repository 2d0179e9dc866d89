//! GitHub Actions workflows (`.github/workflows/*.yml`): every `go build` /
//! `go install` in a `run:` step, with the environment GitHub gives it
//! (`env:` of the workflow, the job and the step, later steps' view of
//! `$GITHUB_ENV`), `defaults.run` and the step's `shell:` and
//! `working-directory:`. `${{ matrix.x }}` is expanded per combination of a
//! literal `strategy.matrix` (one profile each); other `${{ }}` expressions
//! are only known when GitHub runs the job, and become unknowns.
//!
//! Hand-written: no crate evaluates Actions semantics (expression
//! substitution, env precedence, matrix include/exclude). The YAML is parsed
//! by saphyr-parser through [`super::yaml`], whose spans place each word.

use super::shell::{self, Session, Unknowns};
use super::yaml::{self, Node};
use super::{Profile, ProfileKind, Skips, Source};
use crate::gosrc::Span;
use std::collections::BTreeMap;
use std::path::Path;

/// More combinations than this are not expanded (a matrix can multiply).
const MAX_COMBOS: usize = 64;

type Combo = BTreeMap<String, String>;

/// Expands `${{ ... }}`: `matrix.*` from the combination, `env.*` from the
/// environment so far; anything else is a marker with the reason.
fn expr(
    s: &str,
    combo: Option<&Combo>,
    env: &BTreeMap<String, String>,
    unk: &mut Unknowns,
    matrix_err: Option<&str>,
) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find("${{") {
        out.push_str(&rest[..p]);
        let end = rest[p..].find("}}").map_or(rest.len(), |e| p + e + 2);
        let whole = &rest[p..end];
        let inner = whole
            .trim_start_matches("${{")
            .trim_end_matches("}}")
            .trim();
        let val = if let Some(k) = inner.strip_prefix("matrix.") {
            match (combo.and_then(|c| c.get(k)), matrix_err) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(e)) => {
                    out.push_str(&unk.mark(format!("`{whole}`: {e}")));
                    rest = &rest[end..];
                    continue;
                }
                (None, None) => Some(String::new()),
            }
        } else if let Some(k) = inner.strip_prefix("env.") {
            env.get(k).cloned()
        } else {
            None
        };
        match val {
            Some(v) => out.push_str(&v),
            None => out.push_str(&unk.mark(format!(
                "the expression `{whole}` is evaluated by GitHub Actions when the job runs"
            ))),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A scalar as a string (numbers and booleans as written).
fn scalar(n: &Node) -> Option<String> {
    n.as_str().map(str::to_string)
}

/// The combinations of a literal `strategy.matrix`, or why there are none.
fn combos(matrix: Option<&Node>) -> Result<Vec<Combo>, String> {
    let Some(m) = matrix else {
        return Ok(vec![Combo::new()]);
    };
    if m.as_str().is_some() {
        return Err(format!(
            "the matrix is the expression `{}`, evaluated by GitHub Actions",
            m.as_str().unwrap_or("")
        ));
    }
    // A value that is a mapping (`platform: [{os: linux, arch: amd64}]`)
    // is read as its keys (`matrix.platform.os`).
    let flat = |prefix: &str, v: &Node| -> Option<Combo> {
        let mut c = Combo::new();
        match scalar(v) {
            Some(s) => {
                c.insert(prefix.to_string(), s);
            }
            None => {
                for (k, x) in v.entries() {
                    let k = format!("{prefix}.{}", k.as_str()?);
                    c.insert(k, scalar(x)?);
                }
                if c.is_empty() {
                    return None;
                }
            }
        }
        Some(c)
    };
    let mut out = vec![Combo::new()];
    for (k, v) in m.entries() {
        let Some(key) = k.as_str() else { continue };
        if key == "include" || key == "exclude" {
            continue;
        }
        if v.as_str().is_some() || v.items().is_empty() {
            return Err(format!("matrix.{key} is not a literal list"));
        }
        let mut next = Vec::new();
        for c in &out {
            for item in v.items() {
                let x = flat(key, item)
                    .ok_or_else(|| format!("matrix.{key} has a value that is not literal"))?;
                let mut c = c.clone();
                c.extend(x);
                next.push(c);
            }
        }
        out = next;
        if out.len() > MAX_COMBOS {
            return Err(format!(
                "the matrix has more than {MAX_COMBOS} combinations"
            ));
        }
    }
    let entry = |n: &Node| -> Result<Combo, String> {
        let mut c = Combo::new();
        for (k, v) in n.entries() {
            let key = k.as_str().unwrap_or("");
            c.extend(flat(key, v).ok_or_else(|| format!("matrix entry {key} is not literal"))?);
        }
        Ok(c)
    };
    if let Some(ex) = m.get("exclude") {
        if ex.as_str().is_some() {
            return Err("matrix.exclude is an expression".into());
        }
        for e in ex.items() {
            let e = entry(e)?;
            out.retain(|c| !e.iter().all(|(k, v)| c.get(k) == Some(v)));
        }
    }
    if let Some(inc) = m.get("include") {
        if inc.as_str().is_some() {
            return Err("matrix.include is an expression".into());
        }
        let original: Vec<String> = m
            .entries()
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .filter(|k| *k != "include" && *k != "exclude")
            .map(str::to_string)
            .collect();
        let is_orig = |k: &str| {
            original
                .iter()
                .any(|o| k == o || k.starts_with(&format!("{o}.")))
        };
        for i in inc.items() {
            let i = entry(i)?;
            // Added to every combination whose original values it does not
            // overwrite; a new combination when there is none.
            let mut added = false;
            let base = out.len();
            for c in out.iter_mut().take(base) {
                let fits = i
                    .iter()
                    .filter(|(k, _)| is_orig(k))
                    .all(|(k, v)| c.get(k).is_none_or(|x| x == v));
                if fits && !original.is_empty() {
                    c.extend(i.clone());
                    added = true;
                }
            }
            if !added {
                if out.len() == 1 && out[0].is_empty() {
                    out[0] = i;
                } else {
                    out.push(i);
                }
            }
        }
    }
    if out.len() > MAX_COMBOS {
        return Err(format!(
            "the matrix has more than {MAX_COMBOS} combinations"
        ));
    }
    Ok(out)
}

/// Reads an `env:` mapping into `env`, expanding expressions.
fn env_into(
    n: Option<&Node>,
    combo: Option<&Combo>,
    env: &mut BTreeMap<String, String>,
    unk: &mut Unknowns,
    merr: Option<&str>,
) {
    let Some(n) = n else { return };
    if let Some(s) = n.as_str() {
        let m = unk.mark(format!(
            "`env: {s}` is an expression evaluated by GitHub Actions"
        ));
        for k in super::LINK_ENV {
            env.insert(k.to_string(), m.clone());
        }
        return;
    }
    for (k, v) in n.entries() {
        let (Some(k), Some(v)) = (k.as_str(), scalar(v)) else {
            continue;
        };
        let v = expr(&v, combo, env, unk, merr);
        env.insert(k.to_string(), v);
    }
}

/// Lines `echo "NAME=value" >> $GITHUB_ENV` of a step: what later steps of
/// the job see. Other writes to $GITHUB_ENV are reported.
fn github_env_writes(
    script: &str,
    env: &mut BTreeMap<String, String>,
    unk: &mut Unknowns,
) -> Option<String> {
    let mut unread = None;
    for line in script.lines().filter(|l| l.contains("GITHUB_ENV")) {
        let vars = env.clone();
        let cmds = shell::parse(line, shell::Mode::Shell, &|n| vars.get(n).cloned(), unk);
        match cmds
            .first()
            .map(|c| c.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>())
        {
            Some(w) if w.len() == 2 && (w[0] == "echo" || w[0] == "printf") => {
                if let Some((k, v)) = shell::assignment(w[1]) {
                    env.insert(k.to_string(), v.to_string());
                    continue;
                }
                unread = Some(line.trim().to_string());
            }
            _ => unread = Some(line.trim().to_string()),
        }
    }
    unread
}

pub fn read(
    _root: &Path,
    file: &Path,
    text: &str,
    _src: &Source,
    skips: &mut Skips,
) -> Result<Vec<Profile>, (Span, String)> {
    let doc = yaml::parse(text)?;
    // The repository root: .github/workflows/x.yml is three levels down.
    let repo = file
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .unwrap_or(Path::new("/"))
        .to_path_buf();
    let wf_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    let Some(jobs) = doc.get("jobs") else {
        return Ok(out);
    };
    for (jk, job) in jobs.entries() {
        let Some(job_id) = jk.as_str() else { continue };
        let matrix = job.get("strategy").and_then(|s| s.get("matrix"));
        let (combos, merr) = match combos(matrix) {
            Ok(c) => (c, None),
            Err(e) => (vec![Combo::new()], Some(e)),
        };
        let expand_matrix = combos.len() > 1 || combos.first().is_some_and(|c| !c.is_empty());
        for combo in &combos {
            let mut unk = Unknowns::default();
            let c = expand_matrix.then_some(combo);
            let merr = merr.as_deref();
            let mut wf_env = BTreeMap::new();
            env_into(doc.get("env"), c, &mut wf_env, &mut unk, merr);
            let mut job_env = wf_env.clone();
            env_into(job.get("env"), c, &mut job_env, &mut unk, merr);
            let runs_on = job
                .get("runs-on")
                .map(|r| r.strings().join(" "))
                .map(|r| expr(&r, c, &job_env, &mut unk, merr))
                .unwrap_or_default();
            let lower = runs_on.to_ascii_lowercase();
            let runner_os = if shell::has_unknown(&runs_on) {
                Err(format!(
                    "the job runs on `{}`, which is only known when GitHub runs it",
                    shell::clean(&runs_on)
                ))
            } else if lower.contains("windows") || lower.contains("macos") {
                Err(format!(
                    "the job runs on {runs_on}; linklens predicts Linux builds"
                ))
            } else {
                Ok(())
            };
            let defaults = |k: &str| {
                job.get("defaults")
                    .and_then(|d| d.get("run"))
                    .and_then(|r| r.get(k))
                    .or_else(|| {
                        doc.get("defaults")
                            .and_then(|d| d.get("run"))
                            .and_then(|r| r.get(k))
                    })
                    .and_then(Node::as_str)
                    .map(str::to_string)
            };
            let suffix = if expand_matrix {
                format!(
                    " [{}]",
                    combo
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            };
            for (si, step) in job
                .get("steps")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let Some(run) = step.get("run") else { continue };
                let Some(raw) = run.as_str() else { continue };
                let mut env = job_env.clone();
                env_into(step.get("env"), c, &mut env, &mut unk, merr);
                let script = expr(raw, c, &env, &mut unk, merr);
                // What this step writes to $GITHUB_ENV, later steps see.
                if raw.contains("GITHUB_ENV") {
                    let mut later = BTreeMap::new();
                    if let Some(line) = github_env_writes(&script, &mut later, &mut unk) {
                        skips.add(
                            file,
                            run.span,
                            format!(
                                "job {job_id} step {}: `{}` writes $GITHUB_ENV in a way linklens does not read; later steps' environment may differ",
                                si + 1,
                                shell::clean(&line)
                            ),
                        );
                    }
                    job_env.extend(later);
                }
                let mentions_go_build =
                    script.contains("go build") || script.contains("go install");
                let step_name = step
                    .get("name")
                    .and_then(Node::as_str)
                    .map(|n| format!("\"{n}\""))
                    .unwrap_or_else(|| format!("#{}", si + 1));
                let shell_name = step
                    .get("shell")
                    .and_then(Node::as_str)
                    .map(str::to_string)
                    .or_else(|| defaults("shell"))
                    .unwrap_or_else(|| "bash".into());
                let shell_bin = shell_name
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string();
                let shell_base = shell_bin.rsplit('/').next().unwrap_or("").to_string();
                if mentions_go_build {
                    if let Err(why) = &runner_os {
                        skips.add(
                            file,
                            run.span,
                            format!("job {job_id} step {step_name}{suffix}: {why}"),
                        );
                        continue;
                    }
                    if !matches!(shell_base.as_str(), "bash" | "sh") {
                        skips.add(
                            file,
                            run.span,
                            format!("job {job_id} step {step_name}: `shell: {shell_name}` is not a POSIX shell linklens reads"),
                        );
                        continue;
                    }
                }
                let wd = step
                    .get("working-directory")
                    .and_then(Node::as_str)
                    .map(str::to_string)
                    .or_else(|| defaults("working-directory"))
                    .map(|w| expr(&w, c, &env, &mut unk, merr))
                    .unwrap_or_default();
                let base_dir = repo.join(&wd);
                let mut session = Session {
                    vars: env.clone(),
                    exported: env.clone(),
                    cwd: String::new(),
                };
                let lines = yaml::scalar_lines(text, run);
                let map = |at: usize| lines.as_ref().and_then(|l| yaml::map_offset(l, at));
                let found = shell::script_runs(&script, raw, &map, &mut session, &mut unk);
                let site = shell::RunSite {
                    kind: ProfileKind::Workflow,
                    name: format!("workflow {wf_name} job {job_id} step {step_name}{suffix}"),
                    key: format!("{job_id}:{}{}", si + 1, suffix.replace(' ', "")),
                    file,
                    text,
                    fallback_span: run.span,
                    dir: &base_dir,
                    shell: &shell_base,
                    shell_args: &["-e"],
                    env: &env,
                    earlier_scripts: &[],
                };
                for sr in &found {
                    let mut p = sr.profile(&site, &script, &unk);
                    if sr.words.is_none() {
                        p.notes.push("the run text is not placed word by word in the file (folded or escaped YAML): no edits".into());
                    }
                    out.push(p);
                }
                // A build handed to another tool gets this step's
                // environment, which that tool's own profiles do not have.
                let set: Vec<String> = env
                    .iter()
                    .filter(|(k, _)| super::link_env(k))
                    .map(|(k, v)| format!("{k}={}", shell::clean(v)))
                    .collect();
                if found.is_empty() && !set.is_empty() {
                    for line in script.lines() {
                        let first = line
                            .split_whitespace()
                            .find(|w| shell::assignment(w).is_none())
                            .unwrap_or("");
                        let base = first.rsplit('/').next().unwrap_or("");
                        if matches!(
                            base,
                            "make" | "gmake" | "task" | "just" | "goreleaser" | "mage"
                        ) || base.ends_with(".sh")
                        {
                            skips.add(
                                file,
                                run.span,
                                format!(
                                    "job {job_id} step {step_name}: `{}` runs with {} from the workflow, which that tool's own profiles are predicted without",
                                    shell::clean(line.trim()),
                                    set.join(" ")
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(t: &str) -> (Vec<Profile>, Skips) {
        let mut s = Skips::default();
        let ps = read(
            Path::new("/w"),
            Path::new("/w/.github/workflows/ci.yml"),
            t,
            &Source::default(),
            &mut s,
        )
        .unwrap();
        (ps, s)
    }

    #[test]
    fn env_at_three_levels_and_block_runs() {
        let t = "on: push\nenv:\n  CGO_ENABLED: 1\n  GOFLAGS: -tags=netgo\njobs:\n  build:\n    runs-on: ubuntu-latest\n    env:\n      GOFLAGS: -trimpath\n    defaults:\n      run:\n        working-directory: app\n    steps:\n      - uses: actions/checkout@v4\n      - name: Build\n        env:\n          CGO_ENABLED: 0\n        run: |\n          mkdir -p bin\n          go build \\\n            -o bin/web ./cmd/web\n";
        let (ps, _) = read_str(t);
        assert_eq!(ps.len(), 1);
        let p = &ps[0];
        assert_eq!(p.env["CGO_ENABLED"], "0", "step over workflow");
        assert_eq!(p.env["GOFLAGS"], "-trimpath", "job over workflow");
        assert_eq!(p.dir, Path::new("/w/app"));
        assert_eq!(p.args, ["-o", "bin/web", "./cmd/web"]);
        assert_eq!(p.line, 20);
        let sp = p.span.unwrap();
        assert!(t[sp.start..sp.end].starts_with("go build \\\n"));
        assert!(t[sp.start..sp.end].ends_with("./cmd/web"));
        assert_eq!(p.name, "workflow ci.yml job build step \"Build\"");
    }

    #[test]
    fn matrix_literal_and_not() {
        let t = "jobs:\n  rel:\n    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n        os: [ubuntu-latest]\n        goarch: [amd64, arm64]\n        include:\n          - goarch: arm64\n            cc: aarch64-linux-gnu-gcc\n        exclude:\n          - goarch: '386'\n    steps:\n      - run: CC=${{ matrix.cc }} GOARCH=${{ matrix.goarch }} go build -o out/x .\n  dyn:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix: ${{ fromJSON(needs.plan.outputs.m) }}\n    steps:\n      - run: GOOS=${{ matrix.goos }} go build .\n      - run: go build -ldflags \"-X main.v=${{ github.ref_name }}\" .\n";
        let (ps, _) = read_str(t);
        assert_eq!(
            ps.len(),
            4,
            "{:#?}",
            ps.iter().map(|p| &p.name).collect::<Vec<_>>()
        );
        assert_eq!(ps[0].env["GOARCH"], "amd64");
        assert_eq!(ps[0].env["CC"], "");
        assert_eq!(ps[1].env["GOARCH"], "arm64");
        assert_eq!(ps[1].env["CC"], "aarch64-linux-gnu-gcc");
        assert!(ps[1].id.is_empty() && ps[0].key != ps[1].key);
        let u = ps[2].unknowns();
        assert_eq!(u.len(), 1, "{u:?}");
        assert!(u[0].reason.contains("fromJSON"), "{u:?}");
        assert!(ps[3].unknowns().is_empty(), "-X values do not matter");
    }

    #[test]
    fn other_shells_and_runners_are_reported() {
        let t = "jobs:\n  w:\n    runs-on: windows-latest\n    steps:\n      - run: go build .\n  p:\n    runs-on: ubuntu-latest\n    steps:\n      - shell: pwsh\n        run: go build .\n      - run: echo \"CGO_ENABLED=0\" >> $GITHUB_ENV\n      - run: go build -o a .\n      - env:\n          CGO_ENABLED: 0\n        run: make build\n";
        let (ps, s) = read_str(t);
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].env["CGO_ENABLED"], "0", "from $GITHUB_ENV");
        let r: Vec<&str> = s.list.iter().map(|x| x.reason.as_str()).collect();
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(r[0].contains("windows"), "{r:?}");
        assert!(r[1].contains("pwsh"), "{r:?}");
        assert!(r[2].contains("make build"), "{r:?}");
    }
}
