//! The installed Go toolchain, discovered once: `go env -json` (with
//! GOTOOLCHAIN=local so it never switches or downloads a toolchain), the
//! user's go/env file and GOROOT/go.env. When `go` is absent we fall back to
//! the environment and defaults, and say so.

use super::trust;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use trust::{find_go, lookup_path};

/// Environment variables as the go command would see them.
pub type Environ = BTreeMap<String, String>;

#[derive(Debug, Default)]
pub struct Toolchain {
    /// The `go` binary was found and answered.
    pub go_found: bool,
    pub goroot: Option<PathBuf>,
    /// `go1.26.8`.
    pub version: Option<String>,
    pub host_goos: String,
    pub host_goarch: String,
    pub gomodcache: PathBuf,
    /// Values written with `go env -w` (the GOENV file).
    pub goenv_file: Environ,
    /// Values of `$GOROOT/go.env`.
    pub goroot_env: Environ,
    /// Everything `go env -json` reported for the process environment.
    pub reported: Environ,
    /// PATH and CC when `go env` ran: its CGO_ENABLED answer holds only for
    /// an environment with the same C compiler lookup.
    pub reported_for: (Option<String>, Option<String>),
    /// Why some value is a guess (no `go`, unreadable GOROOT...).
    pub notes: Vec<String>,
    /// The host environment this toolchain was discovered in: the only one
    /// that chooses the `go` we run and where our caches live (see
    /// [`trust`]). Predicted builds' environments are data.
    host: Environ,
    /// `go` may run (false in an untrusted workspace).
    may_run_go: bool,
    experiment_tags: Mutex<HashMap<(String, String, String), Vec<String>>>,
}

impl Toolchain {
    /// A fixed toolchain for tests: go1.26.8 on linux/amd64, no GOROOT, and
    /// no `go` run to find it.
    #[cfg(test)]
    pub fn fixed_for_tests() -> Toolchain {
        Toolchain {
            version: Some("go1.26.8".into()),
            host_goos: "linux".into(),
            host_goarch: "amd64".into(),
            ..Toolchain::default()
        }
    }

    /// Discovers the toolchain for the given process environment.
    pub fn discover(env: &Environ) -> Toolchain {
        Toolchain::discover_with(env, true)
    }

    /// Like `discover`; with `run_go` false (an untrusted workspace) no
    /// program runs at all and every fact comes from the environment and
    /// GOROOT's files.
    pub fn discover_with(env: &Environ, run_go: bool) -> Toolchain {
        let mut tc = Toolchain {
            reported_for: (env.get("PATH").cloned(), env.get("CC").cloned()),
            host: env.clone(),
            may_run_go: run_go,
            ..Toolchain::default()
        };
        if !run_go {
            tc.notes.push("linklens.runGo is false: `go env` was not run; GOROOT and settings come from the environment".into());
        }
        // Naming the variables keeps go from computing the costly ones
        // (GOGCCFLAGS runs the C compiler).
        let answer = if run_go {
            tc.go_env_cached(&[
                "env",
                "-json",
                "GOROOT",
                "GOVERSION",
                "GOHOSTOS",
                "GOHOSTARCH",
                "GOMODCACHE",
                "GOENV",
                "CGO_ENABLED",
                "GOOS",
                "GOARCH",
                "CC",
                "GOFLAGS",
                "GOEXPERIMENT",
                // Where cmd/go's module index is (`load::go_index`).
                "GOCACHE",
                "GOCACHEPROG",
                "GODEBUG",
            ])
            .map(Some)
        } else {
            Ok(None)
        };
        match answer {
            Ok(None) => {}
            Ok(Some(out)) => {
                match serde_json::from_slice::<BTreeMap<String, serde_json::Value>>(&out) {
                    Ok(map) => {
                        tc.go_found = true;
                        tc.reported = map
                            .into_iter()
                            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                            .collect();
                    }
                    Err(e) => tc
                        .notes
                        .push(format!("could not read `go env -json` output: {e}")),
                }
            }
            Err(e) => tc.notes.push(format!(
                "{e}; using the environment and Go's defaults instead"
            )),
        }
        let get = |k: &str| {
            tc.reported
                .get(k)
                .filter(|v| !v.is_empty())
                .cloned()
                .or_else(|| env.get(k).filter(|v| !v.is_empty()).cloned())
        };
        tc.goroot = get("GOROOT")
            .map(PathBuf::from)
            .or_else(|| guess_goroot(env));
        tc.host_goos = get("GOHOSTOS").unwrap_or_else(|| host_goos().to_string());
        tc.host_goarch = get("GOHOSTARCH").unwrap_or_else(|| host_goarch().to_string());
        tc.gomodcache = get("GOMODCACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| default_gomodcache(env));
        tc.version = get("GOVERSION").or_else(|| {
            let root = tc.goroot.as_ref()?;
            let text = crate::regular::read_to_string(root.join("VERSION")).ok()?;
            text.lines().next().map(str::to_string)
        });
        if let Some(root) = &tc.goroot {
            tc.goroot_env = read_env_file(&root.join("go.env"));
            if !root.join("src").is_dir() {
                tc.notes.push(format!(
                    "GOROOT {} has no src/ directory: the standard library cannot be read",
                    root.display()
                ));
            }
        } else {
            tc.notes
                .push("GOROOT is unknown: the standard library cannot be read".to_string());
        }
        let goenv_path = get("GOENV")
            .map(PathBuf::from)
            .or_else(|| user_config_dir(env).map(|d| d.join("go/env")));
        if let Some(p) = goenv_path {
            tc.goenv_file = read_env_file(&p);
        }
        tc
    }

    /// The Go minor version (`26` for go1.26.8), used for `go1.N` release tags.
    pub fn minor(&self) -> Option<u32> {
        let v = self.version.as_deref()?.strip_prefix("go1.")?;
        v.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    }

    /// `cfg.Getenv`: the process environment, then the go/env file, then
    /// GOROOT/go.env. Empty values count as unset.
    pub fn getenv(&self, env: &Environ, key: &str) -> Option<String> {
        [
            env.get(key),
            self.goenv_file.get(key),
            self.goroot_env.get(key),
        ]
        .into_iter()
        .flatten()
        .find(|v| !v.is_empty())
        .cloned()
    }

    /// `go env` with `args`, from the cache of earlier answers when
    /// nothing it depends on changed (see [`goenv_cache`]), else run (and
    /// then cached).
    fn go_env_cached(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        let key = goenv_cache::key(&self.host, args);
        if let Some(k) = &key
            && let Some(out) = goenv_cache::get(&self.host, k)
        {
            tracing::debug!("go {}: cached answer", args.join(" "));
            return Ok(out);
        }
        let out = self.run_go(&Environ::new(), args)?;
        if let Some(k) = key {
            goenv_cache::put(&self.host, &k, &out);
        }
        Ok(out)
    }

    /// Runs the host's `go` (see [`trust::go_command`]) in a neutral
    /// directory with GOWORK=off, so no go.mod or go.work is read; `data`
    /// gives the predicted build's target variables.
    pub fn run_go(&self, data: &Environ, args: &[&str]) -> Result<Vec<u8>, String> {
        if !self.may_run_go {
            return Err("linklens.runGo is false: `go` is not run".into());
        }
        let mut cmd = trust::go_command(&self.host, data)?;
        cmd.args(args).env("GOWORK", "off");
        let started = std::time::Instant::now();
        let out = cmd.output();
        tracing::debug!(
            elapsed = ?started.elapsed(),
            ok = out.as_ref().is_ok_and(|o| o.status.success()),
            "ran go {}",
            args.join(" ")
        );
        let out = out.map_err(|e| {
            format!(
                "could not run {}: {e}",
                Path::new(cmd.get_program()).display()
            )
        })?;
        if !out.status.success() {
            return Err(format!(
                "`go {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(out.stdout)
    }

    /// A `go` command for the host (see [`trust::go_command`]), for callers
    /// that run it in the workspace (`--cross-check`).
    pub fn go_command(&self, data: &Environ) -> Result<std::process::Command, String> {
        if !self.may_run_go {
            return Err("linklens.runGo is false: `go` is not run".into());
        }
        trust::go_command(&self.host, data)
    }

    /// The host environment (see [`trust`]).
    pub fn host_env(&self) -> &Environ {
        &self.host
    }

    /// The `goexperiment.*` tags the toolchain enables for a target. They
    /// depend on the toolchain's baseline, which only the toolchain knows, so
    /// we ask `go list` once per target and remember the answer.
    pub fn experiment_tags(&self, goos: &str, goarch: &str, goexperiment: &str) -> Vec<String> {
        let key = (
            goos.to_string(),
            goarch.to_string(),
            goexperiment.to_string(),
        );
        if let Ok(cache) = self.experiment_tags.lock()
            && let Some(tags) = cache.get(&key)
        {
            return tags.clone();
        }
        let data: Environ = [
            ("GOOS".to_string(), goos.to_string()),
            ("GOARCH".to_string(), goarch.to_string()),
            ("GOEXPERIMENT".to_string(), goexperiment.to_string()),
        ]
        .into();
        let disk_key = format!(
            "{}|{}|{goos}|{goarch}|{goexperiment}",
            self.goroot
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            self.version.as_deref().unwrap_or_default()
        );
        if let Some(tags) = disk_cache_get(&self.host, &disk_key) {
            if let Ok(mut cache) = self.experiment_tags.lock() {
                cache.insert(key, tags.clone());
            }
            return tags;
        }
        let listed = self
            .run_go(
                &data,
                &["list", "-e", "-f", "{{context.ToolTags}}", "unsafe"],
            )
            .ok();
        let from_go = listed.is_some();
        let tags: Vec<String> = listed
            .map(|out| {
                String::from_utf8_lossy(&out)
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .split_whitespace()
                    .filter(|t| t.starts_with("goexperiment."))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_else(|| {
                goexperiment
                    .split(',')
                    .filter(|x| !x.is_empty() && !x.starts_with("no"))
                    .map(|x| format!("goexperiment.{x}"))
                    .collect()
            });
        if from_go {
            disk_cache_put(&self.host, &disk_key, &tags);
        }
        if let Ok(mut cache) = self.experiment_tags.lock() {
            cache.insert(key, tags.clone());
        }
        tags
    }
}

/// A small on-disk cache of the toolchain's experiment tags, so that a CLI
/// run does not pay for a `go list` each time (they only change with the
/// toolchain, the target and GOEXPERIMENT, which are all in the key).
fn disk_cache_file(env: &Environ) -> Option<PathBuf> {
    Some(user_cache_dir(env)?.join("linklens/experiment-tags.json"))
}

/// Per OS: see `cachedir`.
pub fn user_cache_dir(env: &Environ) -> Option<PathBuf> {
    super::cachedir::user_cache_dir(env)
}

fn disk_cache_get(env: &Environ, key: &str) -> Option<Vec<String>> {
    let text = crate::regular::read_to_string(disk_cache_file(env)?).ok()?;
    let map: BTreeMap<String, Vec<String>> = serde_json::from_str(&text).ok()?;
    map.get(key).cloned()
}

fn disk_cache_put(env: &Environ, key: &str, tags: &[String]) {
    let Some(file) = disk_cache_file(env) else {
        return;
    };
    let mut map: BTreeMap<String, Vec<String>> = crate::regular::read_to_string(&file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    if map.len() > 64 {
        map.clear();
    }
    map.insert(key.to_string(), tags.to_vec());
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // Write then rename, so a concurrent reader never sees half a file.
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    if let Ok(text) = serde_json::to_string(&map)
        && std::fs::write(&tmp, text).is_ok()
    {
        let _ = std::fs::rename(&tmp, &file);
    }
}

/// `go env`'s answers kept between runs: a CLI run would otherwise spend
/// 10-20 ms (more on a busy machine) starting `go` for values that change
/// only with the toolchain or the environment.
///
/// The key is what the answer depends on: the `go` binary the host
/// environment chooses (its path, size, modification and change times and
/// inode: a reinstalled or upgraded toolchain is another key; GOROOT and
/// GOVERSION follow from it or from `GOROOT`), the arguments, and every
/// variable go's configuration reads: `GO*` and `CGO_*` (GOROOT, GOENV,
/// GOFLAGS, GOPATH, GOMODCACHE, GOOS...), `CC`, `CXX`, `AR`, `PKG_CONFIG`,
/// `GCCGO`, `PATH`/`PATHEXT` (the C compiler lookup that sets CGO_ENABLED's
/// default), and the directories go derives its files from (`HOME`,
/// `USERPROFILE`, `APPDATA`, `LOCALAPPDATA`, `XDG_CONFIG_HOME`,
/// `XDG_CACHE_HOME`). An answer also holds only while the files it was
/// read from are as they were (the GOENV file `go env -w` writes and
/// `$GOROOT/go.env`, by stat) and while the C compiler it names is found,
/// or not, where it was. Like every linklens cache it lives in the host
/// environment's cache directory, never a workspace's.
mod goenv_cache {
    use super::{Environ, lookup_path, user_cache_dir};
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    /// Answers kept; beyond this the file starts over.
    const MAX_ENTRIES: usize = 32;
    const VARS: &[&str] = &[
        "CC",
        "CXX",
        "AR",
        "PKG_CONFIG",
        "GCCGO",
        "PATH",
        "PATHEXT",
        "HOME",
        "USERPROFILE",
        "APPDATA",
        "LOCALAPPDATA",
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
    ];

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Entry {
        answer: String,
        /// Files the answer was read from, with their stamps then.
        files: Vec<(PathBuf, Option<String>)>,
        /// Where the C compiler named in the answer was found.
        cc: Option<PathBuf>,
    }

    fn file() -> impl Fn(&Environ) -> Option<PathBuf> {
        |env| Some(user_cache_dir(env)?.join("linklens/go-env.json"))
    }

    /// A file's stamp (size, times, inode) as text; `None` if it is absent.
    fn stamp(path: &Path) -> Option<String> {
        use crate::portable::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(format!(
            "{} {}.{} {}.{} {} {}",
            m.size(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
            m.dev(),
            m.ino()
        ))
    }

    /// The key for `go` with `args` in the host environment `env`; `None`
    /// when there is no `go` to run (nothing is cached then).
    pub fn key(env: &Environ, args: &[&str]) -> Option<String> {
        let go = super::trust::find_go(env)?;
        let mut text = format!("{}\0{}\0{}", go.display(), stamp(&go)?, args.join(" "));
        for (k, v) in env {
            if k.starts_with("GO") || k.starts_with("CGO_") || VARS.contains(&k.as_str()) {
                text.push_str(&format!("\0{k}={v}"));
            }
        }
        use std::hash::Hasher;
        // Two hashes: a collision would need both to agree.
        let mut a = rustc_hash::FxHasher::default();
        a.write(text.as_bytes());
        Some(format!(
            "{:016x}{:08x}",
            a.finish(),
            crc32fast::hash(text.as_bytes())
        ))
    }

    fn load(env: &Environ) -> BTreeMap<String, Entry> {
        file()(env)
            .and_then(|f| crate::regular::read_to_string(f).ok())
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// The answer cached for `key`, if what it depends on is unchanged.
    pub fn get(env: &Environ, key: &str) -> Option<Vec<u8>> {
        let entry = load(env).remove(key)?;
        let fresh = entry.files.iter().all(|(p, s)| stamp(p) == *s)
            && cc_lookup(env, &entry.answer) == entry.cc;
        fresh.then(|| entry.answer.into_bytes())
    }

    /// Where the answer's C compiler (its first word) is found on PATH.
    fn cc_lookup(env: &Environ, answer: &str) -> Option<PathBuf> {
        let map: BTreeMap<String, serde_json::Value> = serde_json::from_str(answer).ok()?;
        let cc = map.get("CC")?.as_str()?;
        lookup_path(cc.split_whitespace().next()?, env)
    }

    pub fn put(env: &Environ, key: &str, answer: &[u8]) {
        let Some(file) = file()(env) else {
            return;
        };
        let Ok(answer) = String::from_utf8(answer.to_vec()) else {
            return;
        };
        let Ok(map) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(&answer) else {
            return;
        };
        let path_of = |k: &str| {
            map.get(k)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let mut files = Vec::new();
        if let Some(goenv) = path_of("GOENV") {
            files.push(goenv);
        }
        if let Some(root) = path_of("GOROOT") {
            files.push(root.join("go.env"));
        }
        let entry = Entry {
            files: files.into_iter().map(|p| (p.clone(), stamp(&p))).collect(),
            cc: cc_lookup(env, &answer),
            answer,
        };
        let mut all = load(env);
        if all.len() >= MAX_ENTRIES {
            all.clear();
        }
        all.insert(key.to_string(), entry);
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // Write then rename, so a concurrent reader never sees half a file.
        let tmp = file.with_extension(format!("tmp{}", std::process::id()));
        if let Ok(text) = serde_json::to_string(&all)
            && std::fs::write(&tmp, text).is_ok()
            && std::fs::rename(&tmp, &file).is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

fn guess_goroot(env: &Environ) -> Option<PathBuf> {
    let go = lookup_path("go", env)?;
    let real = std::fs::canonicalize(go).ok()?;
    let root = real.parent()?.parent()?.to_path_buf();
    root.join("src/runtime").is_dir().then_some(root)
}

fn default_gomodcache(env: &Environ) -> PathBuf {
    gomodcache_for(env, std::env::consts::OS)
}

/// cmd/go's default GOMODCACHE: the first GOPATH entry's `pkg/mod` (GOPATH
/// is a list, `;`-separated on Windows), else `$HOME/go/pkg/mod`
/// (`%USERPROFILE%\go` on Windows).
fn gomodcache_for(env: &Environ, os: &str) -> PathBuf {
    let sep = if os == "windows" { ';' } else { ':' };
    if let Some(gopath) = env
        .get("GOPATH")
        .and_then(|p| p.split(sep).next().map(str::to_string))
        .filter(|p| !p.is_empty())
    {
        return Path::new(&gopath).join("pkg").join("mod");
    }
    let home_var = if os == "windows" {
        "USERPROFILE"
    } else {
        "HOME"
    };
    let home = env.get(home_var).cloned().unwrap_or_else(|| "/root".into());
    Path::new(&home).join("go").join("pkg").join("mod")
}

fn user_config_dir(env: &Environ) -> Option<PathBuf> {
    config_dir_for(env, std::env::consts::OS)
}

/// Go's os.UserConfigDir, where `go env -w` writes `go/env`.
fn config_dir_for(env: &Environ, os: &str) -> Option<PathBuf> {
    let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    match os {
        "windows" => get("AppData"),
        "macos" => get("HOME").map(|h| h.join("Library/Application Support")),
        _ => get("XDG_CONFIG_HOME").or_else(|| get("HOME").map(|h| h.join(".config"))),
    }
}

/// Reads a go/env-style file: `KEY=VALUE` lines, `#` comments.
pub fn read_env_file(path: &Path) -> Environ {
    let Ok(text) = crate::regular::read_to_string(path) else {
        return Environ::new();
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

pub fn host_goos() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    }
}

pub fn host_goarch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environ {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// `go env`'s cached answer follows what it depends on: a `go env -w`
    /// (the GOENV file) and the environment (real go).
    #[test]
    fn the_go_env_cache_follows_the_goenv_file_and_the_environment() {
        let tmp = tempfile::tempdir().unwrap();
        let goenv = tmp.path().join("goenv");
        let host = crate::buildcfg::trust::process_env();
        let mut env: Environ = ["PATH", "HOME", "GOROOT"]
            .iter()
            .filter_map(|k| Some((k.to_string(), host.get(*k)?.clone())))
            .collect();
        env.insert("GOENV".into(), goenv.display().to_string());
        env.insert(
            "XDG_CACHE_HOME".into(),
            tmp.path().join("cache").display().to_string(),
        );
        let modcache = |env: &Environ| Toolchain::discover(env).gomodcache;
        std::fs::write(&goenv, "GOMODCACHE=/tmp/a\n").unwrap();
        assert_eq!(modcache(&env), Path::new("/tmp/a"));
        assert!(tmp.path().join("cache/linklens/go-env.json").is_file());
        assert_eq!(modcache(&env), Path::new("/tmp/a"), "from the cache");
        std::fs::write(&goenv, "GOMODCACHE=/tmp/bb\n").unwrap();
        assert_eq!(modcache(&env), Path::new("/tmp/bb"));
        env.insert("GOMODCACHE".into(), "/tmp/c".into());
        assert_eq!(modcache(&env), Path::new("/tmp/c"));
        env.remove("GOMODCACHE");
        assert_eq!(modcache(&env), Path::new("/tmp/bb"));
    }

    #[test]
    fn gomodcache_and_config_dir_per_os() {
        let e = env(&[("GOPATH", r"C:\go1;D:\go2"), ("USERPROFILE", r"C:\Users\u")]);
        assert_eq!(
            gomodcache_for(&e, "windows"),
            Path::new(r"C:\go1").join("pkg").join("mod")
        );
        let e = env(&[
            ("USERPROFILE", r"C:\Users\u"),
            ("AppData", r"C:\Users\u\AppData\Roaming"),
        ]);
        assert_eq!(
            gomodcache_for(&e, "windows"),
            Path::new(r"C:\Users\u").join("go").join("pkg").join("mod")
        );
        assert_eq!(
            config_dir_for(&e, "windows"),
            Some(PathBuf::from(r"C:\Users\u\AppData\Roaming"))
        );
        let e = env(&[("GOPATH", "/a:/b"), ("HOME", "/home/u")]);
        assert_eq!(gomodcache_for(&e, "linux"), Path::new("/a/pkg/mod"));
        assert_eq!(
            config_dir_for(&e, "linux"),
            Some(PathBuf::from("/home/u/.config"))
        );
        assert_eq!(
            config_dir_for(&e, "macos"),
            Some(PathBuf::from("/home/u/Library/Application Support"))
        );
    }
}
