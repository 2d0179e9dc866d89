//! What the server asks the client to watch (`client/registerCapability`
//! for `workspace/didChangeWatchedFiles`): Go sources, module files, the
//! folder's VS Code settings, build-profile files, and every file (built
//! binaries have any name; the server keeps the Go executables).
//!
//! Clients that advertise `relativePatternSupport` get one RelativePattern
//! per workspace folder and glob (`baseUri` + pattern, the way gopls
//! registers them), so each folder's patterns are matched against that
//! folder wherever it is. Other clients get the plain glob strings.

use super::profiles;
use tower_lsp_server::ls_types::{
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, OneOf, Registration,
    RelativePattern, Unregistration, Uri,
};

pub const METHOD: &str = "workspace/didChangeWatchedFiles";

/// Globs besides the build-profile files (`profiles::WATCH_GLOBS`).
pub const GLOBS: [&str; 7] = [
    "**/*.go",
    "**/go.mod",
    "**/go.sum",
    "**/go.work",
    "**/vendor/modules.txt",
    "**/.vscode/settings.json",
    // Built binaries (any name): filtered by the server to Go executables.
    "**/*",
];

/// Every glob the server watches.
pub fn globs() -> impl Iterator<Item = &'static str> {
    GLOBS.iter().chain(profiles::WATCH_GLOBS.iter()).copied()
}

/// The watchers: per folder and glob when `relative` (and there are
/// folders), else the glob strings.
pub fn watchers(folders: &[Uri], relative: bool) -> Vec<FileSystemWatcher> {
    let watcher = |glob_pattern| FileSystemWatcher {
        glob_pattern,
        kind: None, // Create | Change | Delete
    };
    if relative && !folders.is_empty() {
        folders
            .iter()
            .flat_map(|f| {
                globs().map(move |g| {
                    watcher(GlobPattern::Relative(RelativePattern {
                        base_uri: OneOf::Right(f.clone()),
                        pattern: g.to_string(),
                    }))
                })
            })
            .collect()
    } else {
        globs()
            .map(|g| watcher(GlobPattern::String(g.to_string())))
            .collect()
    }
}

/// The registration with id `linklens-watched-files-<generation>`.
pub fn registration(generation: u32, folders: &[Uri], relative: bool) -> Registration {
    Registration {
        id: registration_id(generation),
        method: METHOD.into(),
        register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
            watchers: watchers(folders, relative),
        })
        .ok(),
    }
}

pub fn unregistration(generation: u32) -> Unregistration {
    Unregistration {
        id: registration_id(generation),
        method: METHOD.into(),
    }
}

fn registration_id(generation: u32) -> String {
    format!("linklens-watched-files-{generation}")
}

/// The workspace folders the registration covers (the client's folders,
/// not the implicit ones the server makes for files outside them: those
/// can be a home directory), and its generation.
#[derive(Debug, Default)]
pub struct Watched {
    pub folders: Vec<Uri>,
    /// Generation of the registration in force (None: not registered).
    pub registered: Option<u32>,
    next: u32,
}

impl Watched {
    /// Applies a folder change; returns whether the folder list changed.
    pub fn change(&mut self, added: &[Uri], removed: &[Uri]) -> bool {
        let before = self.folders.clone();
        self.folders.retain(|f| !removed.contains(f));
        for a in added {
            if !self.folders.contains(a) {
                self.folders.push(a.clone());
            }
        }
        self.folders != before
    }

    /// The generation for a new registration.
    pub fn next_generation(&mut self) -> u32 {
        self.next += 1;
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn relative_patterns_per_folder_else_strings() {
        let folders = [uri("file:///w/a"), uri("file:///w/b")];
        let r = registration(1, &folders, true);
        assert_eq!(r.id, "linklens-watched-files-1");
        let opts = r.register_options.unwrap();
        let ws = opts["watchers"].as_array().unwrap();
        assert_eq!(ws.len(), 2 * globs().count());
        for f in ["file:///w/a", "file:///w/b"] {
            for g in [
                "**/*.go",
                "**/go.mod",
                "**/go.sum",
                "**/go.work",
                "**/vendor/modules.txt",
            ] {
                assert!(
                    ws.contains(&json!({"globPattern": {"baseUri": f, "pattern": g}})),
                    "{f} {g}: {ws:#?}"
                );
            }
        }
        let plain = registration(2, &folders, false).register_options.unwrap();
        let ws = plain["watchers"].as_array().unwrap();
        assert_eq!(ws.len(), globs().count());
        assert!(ws.contains(&json!({"globPattern": "**/go.mod"})));
        // No folder (a single file opened): the strings.
        let none = registration(3, &[], true).register_options.unwrap();
        assert!(none["watchers"][0]["globPattern"].is_string());
    }

    #[test]
    fn folder_changes() {
        let mut w = Watched {
            folders: vec![uri("file:///a")],
            ..Default::default()
        };
        assert!(!w.change(&[uri("file:///a")], &[]));
        assert!(w.change(&[uri("file:///b")], &[uri("file:///a")]));
        assert_eq!(w.folders, [uri("file:///b")]);
        assert_eq!((w.next_generation(), w.next_generation()), (1, 2));
    }
}
