//! Build profiles in the language server: per workspace folder, the
//! project's own builds (Makefile, Dockerfile, goreleaser, ko, GitHub
//! workflows, Taskfile, justfile) discovered
//! with open buffers as overlay, predicted, and their findings. The profile
//! data stays as `crate::profiles` computes it; this module only converts it
//! at the edge (diagnostics, hover rows, workspace edits).

use super::position::{Encoding, LineIndex};
use crate::buildcfg::Environ;
use crate::engine::Engine;
use crate::profiles::{self, Discovery, Edit, Finding, ProfilePrediction, Severity, Source};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::DiagnosticSeverity;

/// What one workspace folder's build profiles predict.
#[derive(Default)]
pub struct FolderProfiles {
    pub root: PathBuf,
    pub discovery: Discovery,
    /// Same order as `discovery.profiles`.
    pub preds: Vec<ProfilePrediction>,
    pub findings: Vec<Finding>,
    /// The buffers the discovery read (edits are computed on the same text).
    pub source: Source,
    /// Checked edits per profile id, computed on the first code action
    /// request and dropped on every recompute.
    pub edits: HashMap<String, Vec<Edit>>,
}

/// Whether `path` is a build definition file (Makefile, *.mk, Dockerfile,
/// goreleaser, ko, .github/workflows/*.yml, Taskfile, justfile).
pub fn is_build_file(path: &Path) -> bool {
    profiles::path_kind(path).is_some()
}

/// Whether a change to `path` can change a profile: a build file, a shell
/// script (Makefile recipes call scripts, which are read too) or a dotenv
/// file (Taskfile `dotenv:`, just `set dotenv-load`).
pub fn is_profile_input(path: &Path) -> bool {
    is_build_file(path)
        || path.extension().is_some_and(|e| e == "sh")
        || path.file_name().is_some_and(|n| n == ".env")
}

/// Globs for the client's file watcher (a superset of [`is_build_file`]).
pub const WATCH_GLOBS: [&str; 14] = [
    "**/Makefile*",
    "**/makefile",
    "**/GNUmakefile",
    "**/*.mk",
    "**/Dockerfile*",
    "**/*.[dD]ockerfile",
    "**/Containerfile",
    "**/{.,}goreleaser.y*ml",
    "**/.ko.y*ml",
    "**/*.sh",
    "**/.github/workflows/*.y*ml",
    "**/[tT]askfile*.y*ml",
    "**/{justfile,Justfile,JUSTFILE,.justfile}",
    "**/.env",
];

impl FolderProfiles {
    /// Discovers the folder's profiles (reading `source` over the disk).
    pub fn discover(root: &Path, source: Source) -> FolderProfiles {
        FolderProfiles {
            root: root.to_path_buf(),
            discovery: profiles::discover(root, &source),
            source,
            ..Default::default()
        }
    }

    /// (Re)predicts every profile and recomputes the findings.
    pub fn predict(&mut self, engine: &Engine, env: &Environ) {
        self.preds = profiles::predict_all(engine, env, &self.discovery.profiles);
        self.findings =
            profiles::findings::all(&self.discovery, &self.preds, &engine.toolchain.host_goarch);
        self.edits.clear();
    }

    /// The checked edits of a profile (cached until the next recompute).
    pub fn edits_for(&mut self, engine: &Engine, env: &Environ, id: &str) -> Vec<Edit> {
        if let Some(e) = self.edits.get(id) {
            return e.clone();
        }
        let Some((p, pr)) = self
            .discovery
            .profiles
            .iter()
            .zip(&self.preds)
            .find(|(p, _)| p.id == id)
        else {
            return Vec::new();
        };
        let e = profiles::edits::for_profile(engine, env, &self.root, &self.source, p, pr);
        self.edits.insert(id.to_string(), e.clone());
        e
    }

    /// The checked edit of a profile that lowers its glibc floor to `min`
    /// (`zig-glibc`), cached as the others.
    pub fn glibc_edit_for(
        &mut self,
        engine: &Engine,
        env: &Environ,
        id: &str,
        min: &[u32],
    ) -> Option<Edit> {
        let key = format!("{id}\0zig-glibc\0{min:?}");
        if let Some(e) = self.edits.get(&key) {
            return e.first().cloned();
        }
        let (p, pr) = self
            .discovery
            .profiles
            .iter()
            .zip(&self.preds)
            .find(|(p, _)| p.id == id)?;
        let e = profiles::edits::lower_glibc(engine, env, &self.root, &self.source, p, pr, min);
        self.edits.insert(key, e.iter().cloned().collect());
        e
    }

    /// With no build definition in the folder at all: the checked edit that
    /// creates a small Makefile with a static `build` target.
    pub fn create_makefile(&mut self, engine: &Engine, env: &Environ) -> Option<Edit> {
        const KEY: &str = "\0create-makefile";
        if !self.discovery.profiles.is_empty() {
            return None;
        }
        if let Some(e) = self.edits.get(KEY) {
            return e.first().cloned();
        }
        // Every main package of the folder, as the new `build` target builds them.
        let editor = profiles::Profile::editor(&self.root, Environ::new(), vec!["./...".into()]);
        let pred = profiles::predict(engine, env, &editor);
        let e = profiles::edits::create_makefile(engine, env, &self.root, &pred);
        self.edits
            .insert(KEY.to_string(), e.iter().cloned().collect());
        e
    }

    /// Markdown rows, one per profile that builds `import_path`.
    pub fn hover_rows(&self, import_path: &str) -> Vec<String> {
        let mut rows = Vec::new();
        for (p, pr) in self.discovery.profiles.iter().zip(&self.preds) {
            let at = match &p.file {
                Some(f) => format!(
                    "{}:{}",
                    f.strip_prefix(&self.root).unwrap_or(f).display(),
                    p.line
                ),
                None => "(editor settings)".into(),
            };
            // Profiles whose values cannot be evaluated name no package.
            let Some(pkg) = pr.packages.iter().find(|x| x.import_path == import_path) else {
                continue;
            };
            let verdict = crate::report::label(&pkg.link);
            rows.push(format!(
                "| {} | `{}` | `{}` | {} |",
                p.name,
                at,
                p.summary().replace('|', "\\|"),
                verdict
            ));
        }
        rows
    }
}

/// The hover section for a main package, or nothing when no profile builds it.
pub fn hover_section(rows: Vec<String>) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let mut s = String::from(
        "**Build profiles**\n\n| profile | defined at | settings | predicted |\n|---|---|---|---|\n",
    );
    for r in rows {
        s.push_str(&r);
        s.push('\n');
    }
    Some(s)
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Information => DiagnosticSeverity::INFORMATION,
    }
}

/// Byte range → LSP range in the negotiated encoding.
pub fn range(
    text: &str,
    span: crate::gosrc::Span,
    enc: Encoding,
) -> tower_lsp_server::ls_types::Range {
    LineIndex::new(text).range(span.start, span.end, enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_inputs() {
        for f in [
            "Makefile",
            "GNUmakefile",
            "rules.mk",
            "Dockerfile",
            "Dockerfile.alpine",
            "app.Dockerfile",
            "Containerfile",
            ".goreleaser.yaml",
            ".goreleaser.yml",
            ".ko.yaml",
            "/r/.github/workflows/ci.yml",
            ".github/workflows/release.yaml",
            "Taskfile.yml",
            "Taskfile.dist.yaml",
            "justfile",
            ".justfile",
            "Justfile",
        ] {
            assert!(is_build_file(Path::new(f)), "{f}");
        }
        assert!(!is_build_file(Path::new("/r/.github/ci.yml")));
        assert!(!is_build_file(Path::new("/r/workflows/ci.yml")));
        assert!(is_profile_input(Path::new("/r/.env")));
        assert!(is_profile_input(Path::new("scripts/build.sh")));
        assert!(!is_profile_input(Path::new("main.go")));
        assert!(!is_profile_input(Path::new("README.md")));
    }
}
