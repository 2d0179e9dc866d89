//! go-task `Taskfile.yml`: every `go build` / `go install` in a task's
//! `cmds:`, with Task's templating of `{{.VAR}}` (task `vars:` over file
//! `vars:`, plus `.TASK` and the directory variables), the environment Task
//! gives each command (file `env:` then task `env:`, `dotenv:` files) and
//! the task's `dir:`. Each command runs in a shell of its own, as Task does.
//! Dynamic variables (`sh:`), template functions and `for:` loops are only
//! known when Task runs: they become unknowns or are reported.
//!
//! Hand-written: no crate understands Taskfile semantics. The YAML is parsed
//! by saphyr-parser through [`super::yaml`], whose spans place each word.

use super::shell::{self, Session, Unknowns};
use super::yaml::{self, Node};
use super::{Profile, ProfileKind, Skips, Source};
use crate::gosrc::Span;
use std::collections::BTreeMap;
use std::path::Path;

/// A value as Task would give it: literal, or a marker with why not.
fn var_value(n: &Node, name: &str, unk: &mut Unknowns) -> String {
    if let Some(s) = n.as_str() {
        return s.to_string();
    }
    if let Some(sh) = n.get("sh").and_then(Node::as_str) {
        return unk.mark(format!(
            "Task variable {name} is the output of `sh: {}`, known only when Task runs it",
            sh.trim()
        ));
    }
    unk.mark(format!(
        "Task variable {name} is not a plain value (ref, map or list)"
    ))
}

/// Expands Task's templates: `{{.NAME}}` from `vars`; anything else is a
/// marker with the reason. Values are expanded again (Task does), to a depth.
fn template(s: &str, vars: &BTreeMap<String, String>, unk: &mut Unknowns, depth: usize) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find("{{") {
        out.push_str(&rest[..p]);
        let end = rest[p..].find("}}").map_or(rest.len(), |e| p + e + 2);
        let whole = &rest[p..end];
        let inner = whole.trim_start_matches("{{").trim_end_matches("}}").trim();
        let name = inner.strip_prefix('.').filter(|n| shell::is_name(n));
        match name.and_then(|n| vars.get(n)) {
            Some(v) if depth < 8 => out.push_str(&template(v, vars, unk, depth + 1)),
            _ => out.push_str(&unk.mark(match name {
                Some(n) => format!("the Task variable {n} (`{whole}`) is not set in the Taskfile: it comes from the command line or the environment"),
                None => format!("the template `{whole}` is evaluated by Task when it runs"),
            })),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `KEY=value` lines of a dotenv file.
pub(crate) fn dotenv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let k = k.trim();
            if !shell::is_name(k) {
                return None;
            }
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

/// One command of a task: the node holding its text.
fn cmd_node(c: &Node) -> Option<&Node> {
    if c.as_str().is_some() {
        return Some(c);
    }
    c.get("cmd").filter(|n| n.as_str().is_some())
}

pub fn read(
    root: &Path,
    file: &Path,
    text: &str,
    src: &Source,
    skips: &mut Skips,
) -> Result<Vec<Profile>, (Span, String)> {
    let doc = yaml::parse(text)?;
    let dir = file.parent().unwrap_or(root).to_path_buf();
    let mut out = Vec::new();
    let mut base_unk = Unknowns::default();
    let mut file_vars = BTreeMap::new();
    file_vars.insert("ROOT_DIR".to_string(), dir.display().to_string());
    file_vars.insert("TASKFILE_DIR".to_string(), dir.display().to_string());
    let mut file_env = BTreeMap::new();
    // dotenv files: read from the workspace, as Task does before the tasks.
    for d in doc.get("dotenv").map(Node::strings).unwrap_or_default() {
        let path = dir.join(&d);
        let inside = path.starts_with(root)
            && path
                .components()
                .all(|c| !matches!(c, std::path::Component::ParentDir));
        match src.read(&path).filter(|_| inside && !d.contains("{{")) {
            Some(t) => file_env.extend(dotenv(&t)),
            None => skips.add(
                file,
                doc.key("dotenv").map_or(Span::new(0, 0), |k| k.span),
                format!("dotenv file {d} is not in the workspace: its variables are not read"),
            ),
        }
    }
    for (k, v) in doc.get("vars").map(Node::entries).unwrap_or_default() {
        if let Some(k) = k.as_str() {
            let v = var_value(v, k, &mut base_unk);
            file_vars.insert(k.to_string(), v);
        }
    }
    for (k, v) in doc.get("env").map(Node::entries).unwrap_or_default() {
        if let Some(k) = k.as_str() {
            let v = var_value(v, k, &mut base_unk);
            let v = template(&v, &file_vars, &mut base_unk, 0);
            file_env.insert(k.to_string(), v);
        }
    }
    if let Some(k) = doc.key("includes") {
        skips.add(
            file,
            k.span,
            "`includes:` are not followed: included Taskfiles named Taskfile.yml are read on their own, without this file's vars",
        );
    }
    let Some(tasks) = doc.get("tasks") else {
        return Ok(out);
    };
    for (tk, task) in tasks.entries() {
        let Some(name) = tk.as_str() else { continue };
        let mut unk = base_unk.clone();
        let mut vars = file_vars.clone();
        vars.insert("TASK".into(), name.to_string());
        let mut env = file_env.clone();
        let cmds: Vec<&Node> = if task.as_str().is_some() {
            vec![task]
        } else if !task.items().is_empty() {
            task.items().iter().collect()
        } else {
            for (k, v) in task.get("vars").map(Node::entries).unwrap_or_default() {
                if let Some(k) = k.as_str() {
                    let v = var_value(v, k, &mut unk);
                    vars.insert(k.to_string(), v);
                }
            }
            for (k, v) in task.get("env").map(Node::entries).unwrap_or_default() {
                if let Some(k) = k.as_str() {
                    let v = var_value(v, k, &mut unk);
                    let v = template(&v, &vars, &mut unk, 0);
                    env.insert(k.to_string(), v);
                }
            }
            match task.get("cmds") {
                Some(c) => c.items().iter().collect(),
                None => task.get("cmd").into_iter().collect(),
            }
        };
        let tdir = task
            .get("dir")
            .and_then(Node::as_str)
            .map(|d| template(d, &vars, &mut unk, 0))
            .unwrap_or_default();
        let task_dir = dir.join(&tdir);
        let mut scripts: Vec<String> = Vec::new();
        for c in cmds {
            if c.get("for").is_some() {
                skips.add(
                    file,
                    c.span,
                    format!("task {name}: a `for:` loop command is not evaluated"),
                );
                continue;
            }
            let Some(node) = cmd_node(c) else { continue };
            let raw = node.as_str().unwrap_or("");
            let script = template(raw, &vars, &mut unk, 0);
            scripts.push(script.clone());
            // Task starts each command in the task's dir with its env.
            let mut session = Session {
                vars: env.clone(),
                exported: env.clone(),
                cwd: String::new(),
            };
            let lines = yaml::scalar_lines(text, node);
            let map = |at: usize| lines.as_ref().and_then(|l| yaml::map_offset(l, at));
            let site = shell::RunSite {
                kind: ProfileKind::Taskfile,
                name: format!("task {name}"),
                key: name.to_string(),
                file,
                text,
                fallback_span: node.span,
                dir: &task_dir,
                shell: "bash",
                shell_args: &["-e"],
                env: &env,
                earlier_scripts: &scripts[..scripts.len() - 1],
            };
            for sr in shell::script_runs(&script, raw, &map, &mut session, &mut unk) {
                out.push(sr.profile(&site, &script, &unk));
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
            Path::new("/w/Taskfile.yml"),
            t,
            &Source::default(),
            &mut s,
        )
        .unwrap();
        (ps, s)
    }

    #[test]
    fn tasks_vars_env_dir() {
        let t = "version: '3'\nvars:\n  TAGS: netgo\n  VERSION:\n    sh: git describe\nenv:\n  CGO_ENABLED: 1\ntasks:\n  build:\n    dir: app\n    env:\n      CGO_ENABLED: 0\n    vars:\n      OUT: bin/{{.TASK}}\n    cmds:\n      - go generate ./...\n      - cmd: go build -tags {{.TAGS}} -ldflags \"-X main.v={{.VERSION}}\" -o {{.OUT}} ./cmd/web\n  short: go build -o x .\n  list:\n    - go build -tags {{.EXTRA}} .\n  fn:\n    cmds:\n      - go build -o bin/x{{exeExt}} .\n";
        let (ps, _) = read_str(t);
        assert_eq!(ps.len(), 4);
        let b = &ps[0];
        assert_eq!(b.name, "task build");
        assert_eq!(b.env["CGO_ENABLED"], "0");
        assert_eq!(b.dir, Path::new("/w/app"));
        assert_eq!(b.args[..2], ["-tags", "netgo"]);
        assert_eq!(b.args[4..], ["-o", "bin/build", "./cmd/web"]);
        assert!(b.unknowns().is_empty(), "{:?}", b.unknowns());
        assert_eq!(b.line, 17);
        let sp = b.span.unwrap();
        assert!(t[sp.start..sp.end].starts_with("go build -tags {{.TAGS}}"));
        assert_eq!(b.replay.as_ref().unwrap().scripts.len(), 2);
        assert_eq!(ps[1].env["CGO_ENABLED"], "1");
        assert!(ps[2].unknowns()[0].reason.contains("EXTRA"));
        assert!(ps[3].unknowns().is_empty(), "-o does not matter");
    }
}
