//! Facts derived from C text (what it includes, calls, defines), which a
//! prediction and its fix variants ask for many times: remembered in this
//! process per text, and kept across runs in the header index for files
//! of the module cache, which never change (see `header_index::Trusted`).
//! A vendored C library makes this matter: DataDog/zstd (in k9s) is 40
//! `.c` files that each include some 800 kB of headers, which took most of
//! a prediction to read and preprocess on every run. The `go` lines of
//! module-cache go.mod files are kept the same way (`predict::go_line`).

use crate::load::source::Sources;
use std::any::Any;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Beyond this many remembered texts, start over (a language server's
/// long run).
const MEMO_MAX: usize = 8192;

type Memo = HashMap<MemoKey, Arc<dyn Any + Send + Sync>>;
static MEMO: Mutex<Option<Memo>> = Mutex::new(None);

/// Forgets what this process remembered (a test's "later run").
#[cfg(test)]
pub fn forget_memo() {
    if let Ok(mut m) = MEMO.lock() {
        *m = None;
    }
}

/// Facts that can be kept in the header index, as lists of strings.
pub trait Lists: Sized + Send + Sync + 'static {
    fn to_lists(&self) -> Vec<Vec<String>>;
    fn from_lists(lists: Vec<Vec<String>>) -> Option<Self>;
}

/// What facts of one file are keyed by.
pub struct Key<'a> {
    /// The file the facts are about.
    pub path: &'a Path,
    /// What they are, and what else they depend on (macros, include
    /// path...), as text.
    pub what: String,
    /// Whether the file (and so its facts' key) is under a trusted root
    /// and has no editor buffer: then it never changes.
    pub trusted: bool,
    /// The file's version when it is not trusted: its stamp or the hash of
    /// its contents (ignored when trusted).
    pub version: u64,
}

impl Key<'_> {
    /// The header index's key: the path, a NUL (in no path), the rest.
    fn bytes(&self) -> Vec<u8> {
        let mut k = self.path.as_os_str().as_encoded_bytes().to_vec();
        k.push(0);
        k.extend_from_slice(self.what.as_bytes());
        k
    }
}

/// The facts under `key` if this process or (trusted files) the header
/// index has them, without computing them.
pub fn peek<T: Lists>(sources: &Sources, key: &Key) -> Option<Arc<T>> {
    let k = memo_key(key);
    if let Some(hit) = memo_get::<T>(&k) {
        return Some(hit);
    }
    if !key.trusted {
        return None;
    }
    let saved = Arc::new(T::from_lists(sources.facts(&k.0)?)?);
    memo_put(k, saved.clone());
    Some(saved)
}

/// The facts under `key`: remembered in this process, else (trusted
/// files) from the header index, else computed. `compute` also returns the
/// files it read besides `key.path`: the facts are kept in the index only
/// when they are all trusted too.
///
/// One thread computes a key's facts; another that asks meanwhile waits
/// for them. A prediction and its fix variants run together and ask for
/// the same texts: a cold k9s check preprocessed DataDog/zstd's 40 files
/// twice at once, one copy on each core.
pub fn remembered<T: Lists>(
    sources: &Sources,
    key: &Key,
    compute: impl FnOnce() -> Option<(T, Vec<PathBuf>)>,
) -> Option<Arc<T>> {
    let k = memo_key(key);
    if let Some(hit) = memo_get::<T>(&k) {
        return Some(hit);
    }
    let cell = match IN_FLIGHT.lock() {
        Ok(mut f) => f
            .get_or_insert_with(HashMap::new)
            .entry(k.clone())
            .or_default()
            .clone(),
        Err(_) => Arc::default(),
    };
    let facts = cell
        .get_or_init(|| {
            // (Another thread may have finished while this one waited for
            // the lock.)
            if let Some(hit) = memo_get::<T>(&k) {
                return Some(hit as Arc<dyn Any + Send + Sync>);
            }
            let saved = if key.trusted {
                sources.facts(&k.0).and_then(T::from_lists)
            } else {
                None
            };
            let facts = match saved {
                Some(f) => Arc::new(f),
                None => {
                    let (facts, read) = compute()?;
                    if key.trusted && read.iter().all(|p| sources.trusts(p)) {
                        sources.record_facts(&k.0, &facts.to_lists());
                    }
                    Arc::new(facts)
                }
            };
            memo_put(k.clone(), facts.clone());
            Some(facts as Arc<dyn Any + Send + Sync>)
        })
        .clone();
    if let Ok(mut f) = IN_FLIGHT.lock()
        && let Some(f) = f.as_mut()
        && f.get(&k).is_some_and(|c| Arc::ptr_eq(c, &cell))
    {
        f.remove(&k);
    }
    facts?.downcast::<T>().ok()
}

type MemoKey = (Vec<u8>, u64);

/// Facts being computed, by key: the others asking wait on the cell.
type InFlight = HashMap<MemoKey, Arc<std::sync::OnceLock<Option<Arc<dyn Any + Send + Sync>>>>>;
static IN_FLIGHT: Mutex<Option<InFlight>> = Mutex::new(None);

fn memo_key(key: &Key) -> MemoKey {
    (key.bytes(), if key.trusted { 0 } else { key.version })
}

fn memo_get<T: Lists>(k: &MemoKey) -> Option<Arc<T>> {
    let hit = MEMO
        .lock()
        .ok()
        .and_then(|m| m.as_ref().and_then(|m| m.get(k)).cloned())?;
    hit.downcast::<T>().ok()
}

fn memo_put(k: MemoKey, facts: Arc<dyn Any + Send + Sync>) {
    if let Ok(mut m) = MEMO.lock() {
        let m = m.get_or_insert_with(HashMap::new);
        if m.len() >= MEMO_MAX {
            m.clear();
        }
        m.insert(k, facts);
    }
}

/// A file's version for [`Key::version`]: size and modification time
/// (`None` when it cannot be stat'ed).
pub fn stamp(path: &Path) -> Option<u64> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    Some(meta.len() ^ mtime.rotate_left(17))
}

pub fn hash64(b: &[u8]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    std::hash::Hasher::write(&mut h, b);
    std::hash::Hasher::finish(&h)
}

/// The modification times of the system header directories, looked at
/// at most once a second: installing a `-dev` package adds files to them,
/// which changes what `__has_include` and header aliases find.
pub fn system_dirs_stamp(dirs: &[PathBuf]) -> Vec<u128> {
    use std::time::{Duration, Instant, UNIX_EPOCH};
    type Seen = HashMap<Vec<PathBuf>, (Instant, Vec<u128>)>;
    static SEEN: Mutex<Option<Seen>> = Mutex::new(None);
    if let Ok(m) = SEEN.lock()
        && let Some((at, stamp)) = m.as_ref().and_then(|m| m.get(dirs))
        && at.elapsed() < Duration::from_secs(1)
    {
        return stamp.clone();
    }
    let stamp: Vec<u128> = dirs
        .iter()
        .map(|d| {
            std::fs::metadata(d)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos())
        })
        .collect();
    if let Ok(mut m) = SEEN.lock() {
        m.get_or_insert_with(HashMap::new)
            .insert(dirs.to_vec(), (Instant::now(), stamp.clone()));
    }
    stamp
}

/// A list of strings is its own one list.
impl Lists for Vec<String> {
    fn to_lists(&self) -> Vec<Vec<String>> {
        vec![self.clone()]
    }
    fn from_lists(lists: Vec<Vec<String>>) -> Option<Self> {
        let [one]: [Vec<String>; 1] = lists.try_into().ok()?;
        Some(one)
    }
}
