//! Which build tags are satisfied under one build configuration
//! (go/build's `matchTag`).

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
        let _ = tag;
        todo!("gosrc helper implements this")
    }
}

/// `go1.1` ... `go1.N`.
pub fn release_tags(minor: u32) -> Vec<String> {
    let _ = minor;
    todo!("gosrc helper implements this")
}

/// Architecture feature tags (`amd64.v1` ... up to GOAMD64, and so on).
pub fn arch_feature_tags(goarch: &str, level: Option<&str>) -> Vec<String> {
    let _ = (goarch, level);
    todo!("gosrc helper implements this")
}
