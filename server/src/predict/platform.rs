//! Platform facts from Go's `internal/platform` and cmd/link, for the
//! targets linklens predicts. The standard packages with C code are in
//! `stdcgo`.

/// `platform.InternalLinkPIESupported`.
pub fn internal_link_pie_supported(goos: &str, goarch: &str) -> bool {
    matches!(
        (goos, goarch),
        ("android", "arm64")
            | ("darwin", "amd64" | "arm64")
            | ("linux", "amd64" | "arm64" | "loong64" | "ppc64le")
            | ("windows", "386" | "amd64" | "arm64")
    )
}

/// `platform.MustLinkExternal(goos, goarch, withCgo)` for Linux targets.
pub fn must_link_external(goos: &str, goarch: &str, with_cgo: bool) -> Option<String> {
    if goos == "android" && (with_cgo || goarch != "arm64") {
        return Some(format!("{goos}/{goarch} requires external linking"));
    }
    if with_cgo && matches!(goarch, "mips" | "mipsle" | "mips64" | "mips64le") {
        return Some(format!("{goarch} does not support internal cgo"));
    }
    if with_cgo && goarch == "ppc64" && matches!(goos, "linux" | "aix") {
        return Some(format!("{goarch} does not support internal cgo"));
    }
    None
}

/// `-race` support (internal/platform.RaceDetectorSupported).
pub fn race_supported(goos: &str, goarch: &str) -> bool {
    match goos {
        "linux" => matches!(goarch, "amd64" | "arm64" | "loong64" | "ppc64le" | "s390x"),
        "darwin" => matches!(goarch, "amd64" | "arm64"),
        "freebsd" | "netbsd" | "windows" => goarch == "amd64",
        _ => false,
    }
}
