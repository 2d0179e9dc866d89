//! Platform facts from Go's `internal/platform` and cmd/link, for the
//! targets linklens predicts.

/// Standard packages whose cgo objects the internal linker can handle
/// (cmd/link `internalpkg`); cgo anywhere else forces the external linker.
pub const INTERNAL_LINK_PACKAGES: &[&str] = &[
    "crypto/internal/boring",
    "crypto/internal/boring/syso",
    "crypto/x509",
    "net",
    "os/user",
    "runtime/cgo",
    "runtime/race",
    "runtime/race/internal/amd64v1",
    "runtime/race/internal/amd64v3",
    "runtime/msan",
    "runtime/asan",
];

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

/// What a standard package uses cgo for, in words a developer knows.
pub fn std_cgo_purpose(path: &str) -> Option<&'static str> {
    Some(match path {
        "net" => "the cgo DNS resolver (getaddrinfo from libc)",
        "os/user" => "user and group lookups through libc (getpwnam_r, getgrouplist)",
        "runtime/cgo" => "the cgo runtime (thread creation through libc)",
        "plugin" => "dlopen from libc",
        "runtime/race" => "the race detector runtime",
        "runtime/msan" => "the memory sanitizer",
        "runtime/asan" => "the address sanitizer",
        "crypto/internal/boring" => "BoringCrypto (GOEXPERIMENT=boringcrypto)",
        _ => return None,
    })
}
