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
    // The last two `_` elements, after dropping a final `test` (no
    // allocation: asked of every file of every package loaded). The first
    // element is always the empty one before the first `_`.
    let mut parts = stem[underscore..].rsplit('_');
    let mut last = parts.next().unwrap_or("");
    if last == "test" {
        last = parts.next().unwrap_or("");
    }
    if let Some(os) = parts.next()
        && is_known_os(os)
        && is_known_arch(last)
    {
        return ctx.matches(last) && ctx.matches(os);
    }
    if is_known_os(last) || is_known_arch(last) {
        return ctx.matches(last);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go/build's TestGoodOSArchFile cases (linux/amd64), with `_test`
    /// suffixes and names whose only `_` starts a known name.
    #[test]
    fn os_arch_suffixes_as_go_build_reads_them() {
        let ctx = TagContext {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo_enabled: true,
            compiler: "gc".into(),
            build_tags: vec![],
            tool_tags: vec![],
            release_tags: vec![],
        };
        for (name, want) in [
            ("file.go", true),
            ("file_foo.go", true),
            ("file_amd64.go", true),
            ("file_arm64.go", false),
            ("file_linux.go", true),
            ("file_windows.go", false),
            ("file_linux_amd64.go", true),
            ("file_windows_amd64.go", false),
            ("file_linux_arm64.go", false),
            ("file_windows_arm64.go", false),
            ("file_foo_amd64.go", true),
            ("file_foo_arm64.go", false),
            ("file_linux.c", true),
            ("file_windows.c", false),
            ("file_windows_test.go", false),
            ("file_linux_amd64_test.go", true),
            ("file_windows_amd64_test.go", false),
            ("file_test.go", true),
            ("_test.go", true),
            ("windows.go", true),
            ("x_windows.pb.go", false),
            ("x_unix.go", true),
            ("x_amd64_windows.go", false),
            ("x_android.go", false),
            ("file_arm64_linux.go", true),
        ] {
            assert_eq!(good_os_arch_file(name, &ctx), want, "{name}");
        }
    }
}
