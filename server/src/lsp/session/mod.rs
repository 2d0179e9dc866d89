//! The server's session: what the client has open, the workspace folders
//! and their state, the main packages with their predictions, and every
//! change to them, as plain synchronous code. The protocol layer
//! (`lsp::backend`) runs it on a blocking thread behind one lock, so
//! changes are serialized, and turns the returned `Out` into notifications.
//!
//! Incrementality: each main package keeps its prediction and the findings
//! it contributes. An edit invalidates the edited directory in the engine,
//! re-predicts only the main packages whose import graph holds that package
//! (or the package itself when it is a main), and republishes only files
//! whose diagnostics came from, or now come from, those mains.
//!
//! `folders` (folder life and configuration), `mains` (main packages, last
//! builds, queries), `changes` (edits and file events), `profiles` (build
//! profiles) and `diagnostics` (findings to protocol diagnostics) each add
//! to `impl Session`.

mod changes;
mod diagnostics;
mod folders;
mod mains;
mod profiles;

use super::position::LineIndex;
use super::profiles::FolderProfiles;
use super::settings::{Layers, Settings};
use crate::buildcfg::{Config, Environ};
use crate::engine::Engine;
use crate::engine::binaries::Bin;
pub use crate::engine::lastbuild::LastBuild;
use crate::gosrc::Span;
use crate::predict::{Location, Prediction};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::{Diagnostic, Range, Uri};

pub use super::capabilities::Caps;
pub use crate::report::DOCS_BASE;
use diagnostics::{Contrib, FindingContext, diag};
pub use diagnostics::{SOURCE, docs_href};

pub struct Doc {
    pub uri: Uri,
    pub version: i32,
    pub text: Arc<str>,
}

pub struct Folder {
    pub id: FolderId,
    pub uri: Uri,
    pub path: PathBuf,
    pub layers: Layers,
    pub settings: Settings,
    pub state: FolderState,
}

/// A workspace folder's identity. Ids are never reused: a removed folder's
/// id, held by a code action or a request in flight, cannot name another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FolderId(pub u64);

/// Where a folder is in its life.
#[derive(Debug, Clone)]
pub enum FolderState {
    /// Added; its settings have not been read yet.
    Loading,
    /// Its build configuration, for every prediction in the folder.
    Ready(Box<Config>),
    /// No prediction can be made in the folder.
    Failed(FolderFailure),
    /// The client removed it: it keeps no main package, profile or
    /// diagnostic. Adding the same directory again makes a new folder.
    Removed,
}

/// Why a folder has no build configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum FolderFailure {
    /// `go env`, GOFLAGS or the editor's build flags and environment do not
    /// make a configuration (go's words).
    BuildSettings(String),
}

impl FolderState {
    pub fn config(&self) -> Option<&Config> {
        match self {
            FolderState::Ready(c) => Some(c.as_ref()),
            _ => None,
        }
    }
}

pub struct MainEntry {
    pub folder: FolderId,
    pub pred: Prediction,
    contribs: Vec<Contrib>,
    pub last: Option<LastBuild>,
}

/// A main package's lens as shown: verdict title, and last build with its
/// contradictions.
type LensShown = (String, Option<(PathBuf, Vec<String>)>);

/// Notifications for the protocol layer to send.
#[derive(Default)]
pub struct Out {
    pub publish: Vec<(Uri, Vec<Diagnostic>, Option<i32>)>,
    pub logs: Vec<String>,
    pub messages: Vec<String>,
    pub lens_changed: bool,
}

impl Out {
    /// `self`, then `later`: a document both publish is published once, as
    /// `later` has it (an edit that stepped aside for a newer one).
    pub fn then(mut self, later: Out) -> Out {
        self.publish
            .retain(|(u, _, _)| !later.publish.iter().any(|(l, _, _)| l == u));
        self.publish.extend(later.publish);
        self.logs.extend(later.logs);
        self.messages.extend(later.messages);
        self.lens_changed |= later.lens_changed;
        self
    }
}

#[derive(Default)]
pub struct Session {
    pub caps: Caps,
    /// In the order they were added; removed ones stay, as `Removed`.
    pub folders: Vec<Folder>,
    next_folder: u64,
    pub init_options: Option<Value>,
    pub proc_env: Environ,
    engine: Option<Engine>,
    engine_run_go: bool,
    pub docs: HashMap<PathBuf, Doc>,
    pub mains: BTreeMap<PathBuf, MainEntry>,
    published: HashMap<PathBuf, Vec<Diagnostic>>,
    /// Open Go files that are in no module.
    outside: HashSet<PathBuf>,
    /// Texts of files not open in the editor, with their line starts, read
    /// once and dropped when the file changes (watchers tell us, as they
    /// tell the engine's caches).
    texts: HashMap<PathBuf, (Arc<str>, Arc<[usize]>)>,
    /// Go binaries found in the folders, by path.
    pub binaries: BTreeMap<PathBuf, Arc<Bin>>,
    /// Build profiles per folder.
    pub profiles: HashMap<FolderId, FolderProfiles>,
    /// Folders whose profile predictions a change made stale (true: read
    /// their build files again too): brought up to date by `settle_profiles`
    /// after the edited file's diagnostics are out, or before a request
    /// reads them (see `profiles_current`).
    stale_profiles: BTreeMap<FolderId, bool>,
    pub loaded: bool,
    /// What an edit computed but did not send because a newer edit of the
    /// same document had arrived: sent before the next change's output.
    pub held: Out,
    /// Predictions replaced by newer ones, freed once the answer is sent
    /// (`drop_retired`): freeing a 2,000-package graph is thousands of
    /// reference counts the editor need not wait for.
    retired: Vec<Prediction>,
}

pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    super::fileuri::uri_path(uri)
}

pub fn path_uri(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

fn is_go(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "go")
}

impl Session {
    pub fn new(proc_env: Environ) -> Session {
        Session {
            proc_env,
            ..Default::default()
        }
    }

    pub fn engine(&self) -> Option<&Engine> {
        self.engine.as_ref()
    }

    /// Frees the predictions replaced since the last call.
    pub fn drop_retired(&mut self) {
        self.retired.clear();
    }

    /// The text of a file: the open buffer, else the disk (cached by mtime).
    pub fn text_of(&mut self, path: &Path) -> Option<Arc<str>> {
        if let Some(d) = self.docs.get(path) {
            return Some(d.text.clone());
        }
        self.disk_text(path).map(|(t, _)| t)
    }

    fn disk_text(&mut self, path: &Path) -> Option<(Arc<str>, Arc<[usize]>)> {
        if let Some(t) = self.texts.get(path) {
            return Some(t.clone());
        }
        let text: Arc<str> =
            Arc::from(String::from_utf8_lossy(&crate::regular::read_all(path).ok()?).into_owned());
        let starts: Arc<[usize]> = super::position::line_starts(&text).into();
        self.texts
            .insert(path.to_path_buf(), (text.clone(), starts.clone()));
        Some((text, starts))
    }

    /// Forgets the text read for `path` (a file or a directory).
    fn forget_texts(&mut self, path: &Path) {
        if self.texts.remove(path).is_none() {
            self.texts.retain(|p, _| !p.starts_with(path));
        }
    }

    fn range_of(&mut self, loc: &Location) -> Option<Range> {
        let enc = self.caps.encoding;
        if let Some(d) = self.docs.get(&loc.file) {
            return Some(LineIndex::new(&d.text).range(loc.span.start, loc.span.end, enc));
        }
        let (text, starts) = self.disk_text(&loc.file)?;
        Some(LineIndex::with_starts(&text, &starts).range(loc.span.start, loc.span.end, enc))
    }

    pub fn range_in(&mut self, path: &Path, span: Span) -> Option<Range> {
        self.range_of(&Location {
            file: path.to_path_buf(),
            span,
        })
    }

    pub fn offset_of(
        &mut self,
        path: &Path,
        pos: tower_lsp_server::ls_types::Position,
    ) -> Option<usize> {
        let text = self.text_of(path)?;
        Some(LineIndex::new(&text).offset(pos, self.caps.encoding))
    }

    /// A position of `offset` in `path` in the negotiated encoding.
    pub fn position_at(
        &mut self,
        path: &Path,
        offset: usize,
    ) -> Option<tower_lsp_server::ls_types::Position> {
        let text = self.text_of(path)?;
        Some(LineIndex::new(&text).position(offset, self.caps.encoding))
    }

    pub fn folder_settings(&self, id: FolderId) -> Option<(&Settings, &Config)> {
        let f = self.folder(id)?;
        Some((&f.settings, f.state.config()?))
    }
}
