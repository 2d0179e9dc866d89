//! Which build tags are satisfied under one build configuration
//! (go/build's `matchTag`), and constructors for the implicit tag lists
//! (`ReleaseTags`, the arch-feature part of `ToolTags`).

use super::syslist;
use std::cell::RefCell;

/// A question put to a `TagContext` and its answer: a tag name, or
/// [`CGO_ENABLED_QUERY`] for whether cgo is on.
pub type TagQuery = (Box<str>, bool);

/// The query `TagContext::cgo_enabled()` records (not a valid tag name).
pub const CGO_ENABLED_QUERY: &str = "\0cgo-enabled";

thread_local! {
    /// The queries made on this thread while `record` runs.
    static QUERIES: RefCell<Option<Vec<TagQuery>>> = const { RefCell::new(None) };
}

/// Runs `f` and returns, with its result, every question it put to any
/// `TagContext` on this thread and the answer it got. Whatever `f`
/// computes from a context alone is the same under another context that
/// gives the same answers: package loading uses this to share a package
/// between build variants whose tags differ only where it does not look.
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Vec<TagQuery>) {
    let outer = QUERIES.with(|q| q.borrow_mut().replace(Vec::new()));
    let out = f();
    let mut queries = QUERIES
        .with(|q| std::mem::replace(&mut *q.borrow_mut(), outer))
        .unwrap_or_default();
    queries.sort_unstable();
    queries.dedup();
    (out, queries)
}

fn note(query: &str, answer: bool) -> bool {
    QUERIES.with(|q| {
        // A package asks a few tags many times (each file's name and
        // constraint): one copy each, not an allocation per question. A
        // context answers a tag one way, so the first answer stands.
        if let Some(list) = q.borrow_mut().as_mut() {
            match list.iter().find(|(q, _)| &**q == query) {
                // (A recording spans one load, under one context.)
                Some((_, first)) => debug_assert_eq!(*first, answer, "{query}"),
                None => list.push((query.into(), answer)),
            }
        }
    });
    answer
}

/// The tag-relevant part of a build configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagContext {
    pub goos: String,
    pub goarch: String,
    pub cgo_enabled: bool,
    /// `gc` for the standard toolchain.
    pub compiler: String,
    /// `-tags` from flags and GOFLAGS.
    pub build_tags: Vec<String>,
    /// `goexperiment.*`, arch feature tags (`amd64.v1`...), `race`/`msan`/`asan`.
    pub tool_tags: Vec<String>,
    /// `go1.1` ... `go1.N` for the toolchain's version.
    pub release_tags: Vec<String>,
}

impl TagContext {
    /// Whether `tag` is satisfied (go/build `matchTag`): cgo, GOOS, GOARCH,
    /// compiler, `unix` for unix-like GOOS, `linux` for android, `solaris`
    /// for illumos, `darwin` for ios, `boringcrypto`, and the tag lists.
    pub fn matches(&self, tag: &str) -> bool {
        note(tag, self.match_tag(tag))
    }

    /// Whether cgo is on (recorded like a tag query).
    pub fn cgo(&self) -> bool {
        note(CGO_ENABLED_QUERY, self.cgo_enabled)
    }

    /// Whether every recorded query gets the same answer here.
    pub fn answers(&self, queries: &[TagQuery]) -> bool {
        queries.iter().all(|(q, answer)| {
            let now = if &**q == CGO_ENABLED_QUERY {
                self.cgo_enabled
            } else {
                self.match_tag(q)
            };
            now == *answer
        })
    }

    fn match_tag(&self, tag: &str) -> bool {
        if self.cgo_enabled && tag == "cgo" {
            return true;
        }
        if tag == self.goos || tag == self.goarch || tag == self.compiler {
            return true;
        }
        match (self.goos.as_str(), tag) {
            ("android", "linux") | ("illumos", "solaris") | ("ios", "darwin") => return true,
            _ => {}
        }
        if tag == "unix" && syslist::is_unix_os(&self.goos) {
            return true;
        }
        // An old name for the experiment, kept working by go/build.
        let tag = if tag == "boringcrypto" {
            "goexperiment.boringcrypto"
        } else {
            tag
        };
        [&self.build_tags, &self.tool_tags, &self.release_tags]
            .iter()
            .any(|list| list.iter().any(|t| t == tag))
    }
}

/// `go1.1` ... `go1.<minor>`: go/build's `ReleaseTags` for a Go 1.`minor`
/// toolchain (no tags for patch releases or betas).
pub fn release_tags(minor: u32) -> Vec<String> {
    (1..=minor).map(|i| format!("go1.{i}")).collect()
}

/// The architecture feature tags cmd/go adds to `ToolTags`
/// (internal/buildcfg `gogoarchTags`) for `goarch` at microarchitecture
/// `level`: the value of GOAMD64, GOARM, GOARM64, GO386, GOMIPS, GOMIPS64,
/// GOPPC64 or GORISCV64 (whichever applies; `None` = Go's default). An
/// invalid level falls back to the default, as buildcfg does after
/// reporting the error.
pub fn arch_feature_tags(goarch: &str, level: Option<&str>) -> Vec<String> {
    let level = level.filter(|l| !l.is_empty());
    match goarch {
        "386" => {
            let v = level
                .filter(|v| matches!(*v, "sse2" | "softfloat"))
                .unwrap_or("sse2");
            vec![format!("386.{v}")]
        }
        "amd64" => {
            let n = match level {
                Some("v2") => 2,
                Some("v3") => 3,
                Some("v4") => 4,
                _ => 1,
            };
            (1..=n).map(|i| format!("amd64.v{i}")).collect()
        }
        "arm" => {
            // GOARM=7,softfloat: the float suffix does not change the tags.
            let v = level.map(|l| {
                l.strip_suffix(",softfloat")
                    .or(l.strip_suffix(",hardfloat"))
                    .unwrap_or(l)
            });
            let n = match v {
                Some("5") => 5,
                Some("6") => 6,
                _ => 7,
            };
            (5..=n).map(|i| format!("arm.{i}")).collect()
        }
        "arm64" => {
            let (major, minor) = level.and_then(parse_goarm64).unwrap_or((8, 0));
            let mut tags: Vec<String> =
                (0..=minor).map(|i| format!("arm64.v{major}.{i}")).collect();
            // v9.x includes v8.(x+5).
            if major == 9 {
                tags.extend((0..=(minor + 5).min(9)).map(|i| format!("arm64.v8.{i}")));
            }
            tags
        }
        "mips" | "mipsle" | "mips64" | "mips64le" => {
            let v = level
                .filter(|v| matches!(*v, "hardfloat" | "softfloat"))
                .unwrap_or("hardfloat");
            vec![format!("{goarch}.{v}")]
        }
        "ppc64" | "ppc64le" => {
            let n = match level {
                Some("power9") => 9,
                Some("power10") => 10,
                _ => 8,
            };
            (8..=n).map(|i| format!("{goarch}.power{i}")).collect()
        }
        "riscv64" => {
            let n = match level {
                Some("rva22u64") => 22,
                Some("rva23u64") => 23,
                _ => 20,
            };
            let mut tags = vec!["riscv64.rva20u64".to_string()];
            if n >= 22 {
                tags.push("riscv64.rva22u64".to_string());
            }
            if n >= 23 {
                tags.push("riscv64.rva23u64".to_string());
            }
            tags
        }
        "wasm" => vec!["wasm.satconv".to_string(), "wasm.signext".to_string()],
        _ => Vec::new(),
    }
}

/// GOARM64 (`v8.0`..`v8.9`, `v9.0`..`v9.5`, optional `,lse`/`,crypto`
/// suffixes in any order) as (major, minor).
fn parse_goarm64(v: &str) -> Option<(u32, u32)> {
    let mut v = v;
    while let Some(rest) = v.strip_suffix(",lse").or_else(|| v.strip_suffix(",crypto")) {
        v = rest;
    }
    let b = v.as_bytes();
    if b.len() != 4 || b[0] != b'v' || b[2] != b'.' || !b[3].is_ascii_digit() {
        return None;
    }
    let (major, minor) = (
        u32::from(b[1]).wrapping_sub(u32::from(b'0')),
        u32::from(b[3] - b'0'),
    );
    match major {
        8 => Some((8, minor)),
        9 if minor <= 5 => Some((9, minor)),
        _ => None,
    }
}
