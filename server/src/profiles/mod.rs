//! Build profiles: the project's own ways of building — Makefile recipes
//! (and the scripts and makefiles they pull in), Dockerfile stages,
//! `.goreleaser.yaml` builds (with their `dockers:` and `kos:`), `.ko.yaml`
//! builds, GitHub Actions `run:` steps, Taskfile tasks and justfile recipes
//! — plus the editor's default. Each profile is a `go
//! build` configuration with the file span it came from; [`predict`] runs the
//! engine on it, [`findings`] turns results into diagnostics as plain data,
//! and [`edits`] changes the profile's own definition (byte-range text edits
//! that keep the rest of the file as it is).
//!
//! Reading never executes anything from the workspace: values only a shell
//! or make could compute are reported as unknown, with the reason.

pub mod dockerfile;
pub mod edits;
pub mod eval;
pub mod findings;
pub mod images;
pub mod just;
pub mod makefile;
pub mod release;
pub mod shell;
pub mod taskfile;
pub mod workflow;
pub mod yaml;

pub use edits::{Change, Edit};
pub use eval::{ProfilePrediction, predict, predict_all};
pub use findings::{Finding, Severity};

use crate::gosrc::Span;
use serde::Serialize;
use shell::Unknowns;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileKind {
    Make,
    Script,
    Dockerfile,
    Goreleaser,
    Ko,
    /// A GitHub Actions workflow `run:` step.
    Workflow,
    /// A go-task `Taskfile.yml` task.
    Taskfile,
    /// A `justfile` recipe.
    Just,
    Editor,
}

/// The C compiler the build environment has, when it is not this machine's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CCompiler {
    /// This machine's environment decides (Makefiles, goreleaser, editor).
    #[default]
    Host,
    /// The build image has no C compiler (golang:*-alpine without `apk add
    /// gcc`): with CC unset, cgo is off.
    Missing { why: String },
    /// The build image's gcc targets musl (alpine with `apk add gcc`):
    /// predicted with CC=musl-gcc on this machine.
    Musl { why: String },
}

/// What libc a runtime image provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageClass {
    /// `scratch`, distroless static, chainguard static.
    NoLibc,
    Musl,
    Glibc,
    Unknown,
}

/// Where the binary will run: the image of the Dockerfile's final stage, or
/// ko's base image.
#[derive(Debug, Clone, Serialize)]
pub struct Runtime {
    #[serde(serialize_with = "ser_clean")]
    pub image: String,
    pub class: ImageClass,
    #[serde(serialize_with = "crate::predict::serialize_path")]
    pub file: PathBuf,
    /// The image reference (FROM's image word, or the YAML value).
    pub span: Span,
    pub line: usize,
}

/// A Dockerfile build stage as far as replaying its RUN lines needs.
#[derive(Debug, Clone, Serialize)]
pub struct DockerStage {
    pub stage: String,
    #[serde(serialize_with = "ser_clean")]
    pub image: String,
    /// ENV and ARG values of the stage (what RUN sees).
    #[serde(serialize_with = "ser_clean_pairs")]
    pub env: Vec<(String, String)>,
    #[serde(serialize_with = "ser_clean")]
    pub workdir: String,
    /// Where `COPY . <dest>` put the build context.
    #[serde(serialize_with = "ser_clean")]
    pub context_dest: String,
    /// RUN commands of the stage up to and including the build, as shell text.
    #[serde(serialize_with = "ser_clean_vec")]
    pub runs: Vec<String>,
}

/// A build a tool hands to a shell (workflow step, task, just recipe), as
/// that tool would: the script after the tool's own templating, the
/// environment the tool adds, and where it runs. Replays use it.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    /// `bash`, `sh`.
    pub shell: String,
    /// Shell options before `-c` (`-e` for a workflow's bash).
    pub shell_args: Vec<String>,
    #[serde(serialize_with = "ser_clean_pairs")]
    pub env: Vec<(String, String)>,
    #[serde(serialize_with = "ser_clean_path")]
    pub dir: PathBuf,
    /// One script per shell the tool starts, in order (just runs each
    /// recipe line in its own shell).
    #[serde(serialize_with = "ser_clean_vec")]
    pub scripts: Vec<String>,
}

/// A value a profile needs but linklens cannot evaluate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unknown {
    /// `env CGO_ENABLED`, `-tags`, `-ldflags`, `packages`...
    pub field: String,
    pub reason: String,
}

/// One build configuration of the project.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// Unique in the workspace and stable across edits that do not add or
    /// remove builds: `Makefile:build`, `Dockerfile:2`, `.goreleaser.yaml:app:linux/amd64`.
    pub id: String,
    pub kind: ProfileKind,
    /// For people: `make build`, `Dockerfile stage build`, `goreleaser app linux/arm64`.
    #[serde(serialize_with = "ser_clean")]
    pub name: String,
    /// The file defining it (none for the editor profile).
    #[serde(serialize_with = "crate::predict::serialize_opt_path")]
    pub file: Option<PathBuf>,
    /// The `go build` command or build entry in that file.
    pub span: Option<Span>,
    /// 1-based line of `span.start` (0 for the editor profile).
    pub line: usize,
    /// Environment set by the profile, over the base environment (values
    /// may hold unknown markers until [`Profile::unknowns`] reports them;
    /// serialized with `<unknown>` in their place).
    #[serde(serialize_with = "ser_clean_map")]
    pub env: BTreeMap<String, String>,
    /// Variables the build does not inherit from this machine (a container
    /// starts from the image's environment).
    pub env_remove: Vec<String>,
    /// `go build` arguments as go spells them: flags, then packages.
    #[serde(serialize_with = "ser_clean_vec")]
    pub args: Vec<String>,
    /// Where `go build` runs.
    #[serde(serialize_with = "ser_clean_path")]
    pub dir: PathBuf,
    pub c_compiler: CCompiler,
    /// Where the binary runs, when the profile says (Dockerfile, ko).
    pub runtime: Option<Runtime>,
    /// `-o` as written (a container path for Dockerfiles).
    #[serde(serialize_with = "ser_clean_opt")]
    pub output: Option<String>,
    /// The make target that runs it (Makefile and script profiles).
    pub make_target: Option<String>,
    /// goreleaser/ko build id.
    pub build_id: Option<String>,
    /// How the profile was read or emulated ("alpine's gcc is musl: predicted with CC=musl-gcc").
    #[serde(serialize_with = "ser_clean_vec")]
    pub notes: Vec<String>,
    /// The Dockerfile stage that runs the build (for replaying it).
    pub docker: Option<DockerStage>,
    /// The shell run of a workflow step, task or recipe (for replaying it).
    pub replay: Option<Replay>,
    /// The file discovery read to find this profile, when it is not `file`
    /// (a recipe in an included makefile): edits re-read that one.
    #[serde(skip)]
    pub(crate) entry: Option<PathBuf>,
    /// Part of the id after the file name (target, stage, build id).
    #[serde(skip)]
    pub(crate) key: String,
    #[serde(skip)]
    pub(crate) unk: Unknowns,
    #[serde(skip)]
    pub(crate) origin: Origin,
}

/// What an edit needs to know about where the profile is written.
#[derive(Debug, Clone, Default)]
pub(crate) enum Origin {
    #[default]
    None,
    /// A shell command line (Makefile recipe, script, Dockerfile RUN):
    /// its words as written (absolute byte spans), when they can be mapped.
    Shell {
        words: Option<Vec<shell::Word>>,
        /// Make variables the line references, with their value spans.
        vars: Vec<(String, Span)>,
    },
    /// Same, plus the Dockerfile stage's FROM line end and stage facts.
    Docker {
        words: Option<Vec<shell::Word>>,
        /// Byte offset just after the stage's FROM line.
        after_from: usize,
        /// `ENV CGO_ENABLED=...` value span in this stage, if any.
        env_cgo: Option<Span>,
        alpine: bool,
        has_gcc: bool,
    },
    /// A goreleaser/ko build mapping (spans in the YAML file).
    Yaml {
        build: Option<yaml::Node>,
        root: yaml::Node,
    },
}

impl Profile {
    pub fn new(
        kind: ProfileKind,
        name: String,
        file: Option<PathBuf>,
        span: Option<Span>,
        line: usize,
    ) -> Profile {
        Profile {
            id: String::new(),
            kind,
            name,
            file,
            span,
            line,
            env: BTreeMap::new(),
            env_remove: Vec::new(),
            args: Vec::new(),
            dir: PathBuf::new(),
            c_compiler: CCompiler::Host,
            runtime: None,
            output: None,
            make_target: None,
            build_id: None,
            notes: Vec::new(),
            docker: None,
            replay: None,
            entry: None,
            key: String::new(),
            unk: Unknowns::default(),
            origin: Origin::None,
        }
    }

    /// The editor's default build: the environment plus the editor's
    /// settings (the language server supplies both).
    pub fn editor(dir: &Path, env: BTreeMap<String, String>, args: Vec<String>) -> Profile {
        let mut p = Profile::new(ProfileKind::Editor, "editor".into(), None, None, 0);
        p.id = "editor".into();
        p.dir = dir.to_path_buf();
        p.env = env;
        p.args = args;
        p
    }

    /// Values that cannot be evaluated and matter to the link. Markers in
    /// values that do not matter (`-X main.version=$(VERSION)`, `-o`,
    /// unrelated env) are fine.
    pub fn unknowns(&self) -> Vec<Unknown> {
        let mut out = Vec::new();
        let mut add = |field: String, v: &str| {
            for reason in self.unk.reasons_in(v) {
                out.push(Unknown {
                    field: field.clone(),
                    reason,
                });
            }
        };
        for (k, v) in &self.env {
            if link_env(k) {
                add(format!("env {k}"), v);
            }
        }
        let mut i = 0;
        let a = &self.args;
        while i < a.len() {
            let arg = &a[i];
            if !arg.starts_with('-') || arg == "--" {
                for p in &a[i..] {
                    add("packages".into(), p);
                }
                break;
            }
            let body = arg.trim_start_matches('-');
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let takes_value = !matches!(
                name,
                "a" | "asan"
                    | "cover"
                    | "json"
                    | "linkshared"
                    | "modcacherw"
                    | "msan"
                    | "n"
                    | "race"
                    | "trimpath"
                    | "v"
                    | "work"
                    | "x"
            );
            let value = match (inline, takes_value) {
                (Some(v), _) => v,
                (None, true) => {
                    i += 1;
                    a.get(i).cloned().unwrap_or_default()
                }
                (None, false) => String::new(),
            };
            match name {
                "ldflags" => add("-ldflags".into(), &link_relevant_ldflags(&value)),
                "o" | "gcflags" | "asmflags" | "p" | "pgo" | "installsuffix" | "buildvcs"
                | "covermode" | "coverpkg" | "pkgdir" | "toolexec" | "modfile" | "overlay" => {}
                _ if shell::has_unknown(name) => add("go build flags".into(), name),
                _ => add(format!("-{name}"), &value),
            }
            i += 1;
        }
        if shell::has_unknown(&self.dir.to_string_lossy()) {
            add("build directory".into(), &self.dir.to_string_lossy());
        }
        out.dedup();
        out
    }

    /// A one-line summary of the settings that shape the link.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self
            .env
            .iter()
            .filter(|(k, _)| link_env(k))
            .map(|(k, v)| format!("{k}={}", self.unk.display(v)))
            .collect();
        match &self.c_compiler {
            CCompiler::Host => {}
            CCompiler::Missing { .. } => parts.push("(no C compiler)".into()),
            CCompiler::Musl { .. } => parts.push("(musl gcc)".into()),
        }
        parts.extend(self.args.iter().map(|a| {
            let a = self.unk.display(a);
            if a.contains(' ') { format!("'{a}'") } else { a }
        }));
        if parts.is_empty() {
            "(defaults)".into()
        } else {
            parts.join(" ")
        }
    }

    /// Where the binary lands on this machine, when the profile says and it
    /// is not inside a container.
    pub fn local_output(&self) -> Option<PathBuf> {
        let o = self.output.as_ref()?;
        (!shell::has_unknown(o)).then(|| self.dir.join(o))
    }

    /// `args` with unknown values written as `<unknown>` (what a replay of
    /// the build can pass where only `-X` values were templates).
    pub fn args_display(&self) -> Vec<String> {
        self.args.iter().map(|a| self.unk.display(a)).collect()
    }

    /// Packages named on the command line (`.` when none).
    pub fn packages(&self) -> Vec<String> {
        let mut bf = crate::buildcfg::BuildFlags::default();
        match bf.parse_args(&self.args) {
            Ok(p) if p.is_empty() => vec![".".into()],
            Ok(p) => p,
            Err(_) => vec![".".into()],
        }
    }
}

impl Unknowns {
    /// `s` with markers shown as `<unknown>`.
    pub fn display(&self, s: &str) -> String {
        shell::clean(s)
    }
}

// Serializers that write unknown markers as `<unknown>`: markers are an
// internal encoding and never part of any output.
fn ser_clean<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&shell::clean(v))
}

fn ser_clean_opt<S: serde::Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => ser_clean(v, s),
        None => s.serialize_none(),
    }
}

fn ser_clean_vec<S: serde::Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|x| shell::clean(x)))
}

fn ser_clean_pairs<S: serde::Serializer>(v: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|(k, x)| (shell::clean(k), shell::clean(x))))
}

fn ser_clean_map<S: serde::Serializer>(
    v: &BTreeMap<String, String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(v.iter().map(|(k, x)| (shell::clean(k), shell::clean(x))))
}

fn ser_clean_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&shell::clean(&p.to_string_lossy()))
}

/// Environment variables that change what `go build` links.
pub const LINK_ENV: &[&str] = &[
    "CGO_ENABLED",
    "CC",
    "CXX",
    "GOOS",
    "GOARCH",
    "GOFLAGS",
    "CGO_LDFLAGS",
    "CGO_CFLAGS",
    "GOEXPERIMENT",
    "GO_EXTLINK_ENABLED",
    "GOAMD64",
    "GOARM",
];

pub fn link_env(k: &str) -> bool {
    LINK_ENV.contains(&k)
}

/// The file `go build` writes without `-o`: the package's last path
/// element (the module path's for `.` at a module root).
pub fn default_binary_name(dir: &Path, pkg: &str) -> String {
    let pkg = pkg.trim_end_matches('/');
    if pkg != "." && !pkg.is_empty() {
        return pkg.rsplit('/').next().unwrap_or(pkg).to_string();
    }
    let module = crate::regular::read_to_string(dir.join("go.mod"))
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("module ")
                    .map(|m| m.trim().trim_matches('"').to_string())
            })
        });
    match module {
        Some(m) => m.rsplit('/').next().unwrap_or(&m).to_string(),
        None => dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "main".into()),
    }
}

/// The parts of an `-ldflags` value that can change the link: everything
/// but `-X name=value`, `-s`, `-w` and `-buildid`.
fn link_relevant_ldflags(v: &str) -> String {
    let fields = crate::buildcfg::quoted::split(v).unwrap_or_else(|_| vec![v.to_string()]);
    let mut out = Vec::new();
    let mut i = 0;
    while i < fields.len() {
        let f = fields[i].trim_start_matches('-');
        if f == "X" || f == "buildid" {
            i += 2;
            continue;
        }
        if f.starts_with("X=") || f.starts_with("buildid=") || f == "s" || f == "w" {
            i += 1;
            continue;
        }
        out.push(fields[i].clone());
        i += 1;
    }
    out.join(" ")
}

/// File contents, with open editor buffers overriding the disk.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub overlay: BTreeMap<PathBuf, String>,
}

/// Build definition files larger than this are not read.
const MAX_FILE: u64 = 4 << 20;

impl Source {
    pub fn read(&self, path: &Path) -> Option<String> {
        if let Some(t) = self.overlay.get(path) {
            return Some(t.clone());
        }
        let md = std::fs::metadata(path).ok()?;
        if !md.is_file() || md.len() > MAX_FILE {
            return None;
        }
        let bytes = crate::regular::read_all(path).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// 1-based line of byte `at`.
pub fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// What kind of build definition a file name is (workflows are known by
/// their directory: see [`path_kind`]).
pub fn file_kind(name: &str) -> Option<ProfileKind> {
    let lower = name.to_ascii_lowercase();
    if matches!(name, "Makefile" | "makefile" | "GNUmakefile") || lower.ends_with(".mk") {
        Some(ProfileKind::Make)
    } else if lower.starts_with("dockerfile")
        || lower.ends_with(".dockerfile")
        || lower == "containerfile"
    {
        Some(ProfileKind::Dockerfile)
    } else if matches!(
        name,
        ".goreleaser.yaml" | ".goreleaser.yml" | "goreleaser.yaml" | "goreleaser.yml"
    ) {
        Some(ProfileKind::Goreleaser)
    } else if matches!(name, ".ko.yaml" | ".ko.yml") {
        Some(ProfileKind::Ko)
    } else if matches!(
        name,
        "Taskfile.yml"
            | "Taskfile.yaml"
            | "taskfile.yml"
            | "taskfile.yaml"
            | "Taskfile.dist.yml"
            | "Taskfile.dist.yaml"
            | "taskfile.dist.yml"
            | "taskfile.dist.yaml"
    ) {
        Some(ProfileKind::Taskfile)
    } else if lower == "justfile" || lower == ".justfile" {
        Some(ProfileKind::Just)
    } else {
        None
    }
}

/// What kind of build definition a path is: [`file_kind`] of its name, or
/// a GitHub Actions workflow (`.github/workflows/*.yml|*.yaml`).
pub fn path_kind(path: &Path) -> Option<ProfileKind> {
    let name = path.file_name()?.to_str()?;
    if let Some(k) = file_kind(name) {
        return Some(k);
    }
    let parent = path.parent()?;
    let in_workflows = parent.file_name().is_some_and(|n| n == "workflows")
        && parent
            .parent()
            .and_then(|g| g.file_name())
            .is_some_and(|n| n == ".github");
    (in_workflows && (name.ends_with(".yml") || name.ends_with(".yaml")))
        .then_some(ProfileKind::Workflow)
}

/// Profiles found in a workspace folder.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Discovery {
    pub profiles: Vec<Profile>,
    /// Files that could not be read as what their name says (bad YAML...),
    /// and parts of build files that were not evaluated.
    pub problems: Vec<Finding>,
    /// Every build definition file looked at.
    pub files: Vec<PathBuf>,
    /// Makefiles pulled in by `include` (read as part of their includer,
    /// not on their own).
    #[serde(skip)]
    pub(crate) included: Vec<PathBuf>,
    /// The file whose reading reported each of `problems`.
    #[serde(skip)]
    pub(crate) problem_from: Vec<PathBuf>,
}

/// A part of a build file linklens did not evaluate, reported as a
/// `profile-unknown` finding at its place.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub file: PathBuf,
    pub span: Span,
    pub reason: String,
}

/// Where readers put what they did not evaluate.
#[derive(Debug, Default)]
pub struct Skips {
    pub list: Vec<Skipped>,
    /// Files read on behalf of the file being read (included makefiles).
    pub included: Vec<PathBuf>,
}

impl Skips {
    pub fn add(&mut self, file: &Path, span: Span, reason: impl Into<String>) {
        self.list.push(Skipped {
            file: file.to_path_buf(),
            span,
            reason: reason.into(),
        });
    }
}

/// Directories never searched for build files.
fn skip_dir(name: &str) -> bool {
    name.starts_with('.')
        || matches!(
            name,
            "vendor" | "node_modules" | "testdata" | "target" | "dist"
        )
}

/// Finds the build definition files under `root` (a few levels deep), and
/// the workflows in `root/.github/workflows`.
pub fn find_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                if depth < 4 && !skip_dir(&name) {
                    stack.push((e.path(), depth + 1));
                }
            } else if file_kind(&name).is_some() && out.len() < 256 {
                out.push(e.path());
            }
        }
    }
    // GitHub reads workflows only from the repository root's .github.
    if let Ok(rd) = std::fs::read_dir(root.join(".github").join("workflows")) {
        let mut wf: Vec<PathBuf> = rd
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
            .map(|e| e.path())
            .filter(|p| path_kind(p) == Some(ProfileKind::Workflow))
            .take(64)
            .collect();
        out.append(&mut wf);
    }
    out.sort();
    out
}

/// Reads every build definition in the workspace folder.
pub fn discover(root: &Path, src: &Source) -> Discovery {
    let started = std::time::Instant::now();
    let mut files = find_files(root);
    for p in src.overlay.keys() {
        if p.starts_with(root) && path_kind(p).is_some() && !files.contains(p) {
            files.push(p.clone());
        }
    }
    let mut d = Discovery::default();
    for f in &files {
        d.read_file(root, f, src);
    }
    // A makefile another one includes is read there, with its includer's
    // variables: its own reading would only repeat those profiles with
    // less known.
    let included = d.included.clone();
    d.profiles.retain(|p| {
        p.entry
            .as_ref()
            .or(p.file.as_ref())
            .is_none_or(|f| !included.contains(f))
    });
    let from = std::mem::take(&mut d.problem_from);
    let problems = std::mem::take(&mut d.problems);
    for (i, f) in problems.into_iter().enumerate() {
        if from.get(i).is_none_or(|r| !included.contains(r)) {
            d.problems.push(f);
        }
    }
    if tracing::enabled!(tracing::Level::DEBUG) {
        tracing::debug!(
            root = %root.display(),
            files = d.files.len(),
            profiles = d.profiles.len(),
            unknowns = d.problems.len(),
            elapsed = ?started.elapsed(),
            "profile discovery: read {} build file(s), found {} profile(s)",
            d.files.len(),
            d.profiles.len(),
        );
        for p in &d.profiles {
            tracing::debug!("profile: {}", p.summary());
        }
        for f in &d.problems {
            tracing::debug!(
                "profile unknown: {}:{}: {}",
                f.file.display(),
                f.line,
                f.message
            );
        }
    }
    d
}

impl Discovery {
    /// Adds the profiles of one file.
    pub fn read_file(&mut self, root: &Path, file: &Path, src: &Source) {
        let Some(kind) = path_kind(file) else { return };
        let Some(text) = src.read(file) else { return };
        tracing::trace!(file = %file.display(), kind = ?kind, "reading build file");
        self.files.push(file.to_path_buf());
        let rel = file
            .strip_prefix(root)
            .unwrap_or(file)
            .display()
            .to_string();
        let mut skips = Skips::default();
        let read = match kind {
            ProfileKind::Make => Ok(makefile::read(root, file, &text, src, &mut skips)),
            ProfileKind::Dockerfile => Ok(dockerfile::read(root, file, &text, &mut skips)),
            ProfileKind::Goreleaser | ProfileKind::Ko => {
                release::read(kind, root, file, &text, src, &mut skips)
            }
            ProfileKind::Workflow => workflow::read(root, file, &text, src, &mut skips),
            ProfileKind::Taskfile => taskfile::read(root, file, &text, src, &mut skips),
            ProfileKind::Just => Ok(just::read(root, file, &text, src, &mut skips)),
            _ => Ok(Vec::new()),
        };
        let mut ps = match read {
            Ok(ps) => ps,
            Err((span, msg)) => {
                self.problems.push(Finding {
                    file: file.to_path_buf(),
                    span,
                    line: line_of(&text, span.start),
                    severity: Severity::Warning,
                    code: "profile-unknown".into(),
                    message: format!("{rel} cannot be read: {msg}"),
                    profile: None,
                });
                self.problem_from.push(file.to_path_buf());
                Vec::new()
            }
        };
        for s in skips.list {
            let t = if s.file == file {
                Some(text.clone())
            } else {
                src.read(&s.file)
            };
            let srel = s
                .file
                .strip_prefix(root)
                .unwrap_or(&s.file)
                .display()
                .to_string();
            self.problems.push(Finding {
                line: t.as_deref().map_or(1, |t| line_of(t, s.span.start)),
                file: s.file,
                span: s.span,
                severity: Severity::Warning,
                code: "profile-unknown".into(),
                message: shell::clean(&format!("{srel}: not evaluated: {}", s.reason)),
                profile: None,
            });
            self.problem_from.push(file.to_path_buf());
        }
        for f in skips.included {
            if !self.included.contains(&f) {
                self.included.push(f);
            }
        }
        // Ids: file plus a per-file ordinal, stable under edits that keep the builds.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for p in &mut ps {
            if p.file.as_deref() != Some(file) {
                p.entry = Some(file.to_path_buf());
            }
            let base = format!("{rel}:{}", p.key);
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            p.id = if *n == 1 { base } else { format!("{base}#{n}") };
        }
        self.profiles.extend(ps);
    }
}
