//! File-name rules: which files of a directory go/build considers at all
//! (`matchFile`'s name checks and `goodOSArchFile`).

use super::syslist::{is_known_arch, is_known_os};
use super::tags::TagContext;

/// Why a file name alone keeps a file out of the build, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameExclusion {
    /// Not a `.go` file.
    NotGo,
    /// Name starts with `_` or `.`.
    Hidden,
    /// `_test.go` file.
    Test,
    /// `_GOOS`, `_GOARCH` or `_GOOS_GOARCH` suffix that does not match.
    OsArch,
}

/// Applies go/build's name rules (`goodOSArchFile` and friends) to `name`
/// (a base name, e.g. `conn_linux_amd64.go`), in this order: hidden, not
/// Go, test, OS/arch suffix.
pub fn exclude_by_name(name: &str, ctx: &TagContext) -> Option<NameExclusion> {
    if name.starts_with('_') || name.starts_with('.') {
        return Some(NameExclusion::Hidden);
    }
    // go/build takes the extension from the last dot.
    if !name.ends_with(".go") {
        return Some(NameExclusion::NotGo);
    }
    if name.ends_with("_test.go") {
        return Some(NameExclusion::Test);
    }
    if !good_os_arch_file(name, ctx) {
        return Some(NameExclusion::OsArch);
    }
    None
}

/// go/build `goodOSArchFile`: `name_GOOS`, `name_GOARCH`, `name_GOOS_GOARCH`
/// (each optionally followed by `_test`) must match; `linux.go` alone is
/// not constrained; only known OS/arch names count (`unix` is not one), and
/// they match through `matchTag`, so `_linux` also matches GOOS=android.
pub fn good_os_arch_file(name: &str, ctx: &TagContext) -> bool {
    // The stem ends at the first dot, not the last.
    let stem = name.split('.').next().unwrap_or("");
    // Everything before the first `_` is ignored, so the prefix can never
    // act as a constraint.
    let Some(underscore) = stem.find('_') else {
        return true;
    };
    let mut parts: Vec<&str> = stem[underscore..].split('_').collect();
    if parts.last() == Some(&"test") {
        parts.pop();
    }
    match parts.as_slice() {
        [.., os, arch] if is_known_os(os) && is_known_arch(arch) => {
            ctx.matches(arch) && ctx.matches(os)
        }
        [.., last] if is_known_os(last) || is_known_arch(last) => ctx.matches(last),
        _ => true,
    }
}
