//! GOOS/GOARCH lists, copied from Go's `internal/syslist/syslist.go`
//! (Go 1.26; before 1.24 the same tables lived in `go/build/syslist.go`).

/// Every GOOS go/build knows, past and present: file-name suffixes and tags
/// naming these are treated as OS constraints.
pub const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// GOOS values for which the `unix` build tag is satisfied. `unix` is not a
/// file-name suffix.
pub const UNIX_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "linux",
    "netbsd",
    "openbsd",
    "solaris",
];

/// Every GOARCH go/build knows.
pub const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

pub fn is_known_os(s: &str) -> bool {
    KNOWN_OS.contains(&s)
}

pub fn is_known_arch(s: &str) -> bool {
    KNOWN_ARCH.contains(&s)
}

pub fn is_unix_os(s: &str) -> bool {
    UNIX_OS.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables must be exactly Go's: compare with the source of the
    /// installed toolchain (GOROOT from `go env`, as linklens finds it).
    #[test]
    fn tables_match_installed_go_source() {
        let tc = crate::buildcfg::Toolchain::discover(&crate::buildcfg::trust::process_env());
        let goroot = tc
            .goroot
            .expect("go env GOROOT (Go is a prerequisite of the tests)");
        let file = goroot.join("src/internal/syslist/syslist.go");
        let src = crate::regular::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let section = |var: &str| -> Vec<String> {
            let start = src
                .find(&format!("var {var} = map[string]bool{{"))
                .expect("var present");
            let body = &src[start..];
            let body = &body[..body.find("\n}").expect("map end")];
            body.lines()
                .skip(1)
                .filter_map(|l| l.trim().strip_prefix('"').and_then(|l| l.split('"').next()))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(section("KnownOS"), KNOWN_OS);
        assert_eq!(section("UnixOS"), UNIX_OS);
        assert_eq!(section("KnownArch"), KNOWN_ARCH);
    }
}
