//! File-name rules: which files of a directory go/build considers at all.

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
/// (a base name, e.g. `conn_linux_amd64.go`).
pub fn exclude_by_name(name: &str, ctx: &TagContext) -> Option<NameExclusion> {
    let _ = (name, ctx);
    todo!("gosrc helper implements this")
}
