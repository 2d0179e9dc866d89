//! The standard-library packages that bring C code into a Go binary: one
//! row each. Everything linklens says or does about them reads this table:
//! the purpose in reasons and hovers, cmd/link's internal-link allow-list,
//! the pure-Go tags and what they change (fixes, the hover table, profile
//! edits), the glibc static-NSS caveat, the generated page
//! `docs/std-cgo.md`, and the ground-truth matrix (`tests/groundtruth.rs`
//! and `tests/fixtures/gt/observe.py` build every row's fixture).
//!
//! Adding a package is one row here plus its fixture under
//! `tests/fixtures/gt/` (see CONTRIBUTING.md, "Adding a rule"). The
//! ground-truth suite fails when GOROOT has a standard package with cgo
//! that is neither a row nor in [`NOT_REACHABLE`], or when the
//! `internal_link` column differs from cmd/link's `internalpkg`.

/// One standard package with C code (or host objects) in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StdCgo {
    pub path: &'static str,
    /// What its C code does, in words a developer knows ("the cgo DNS
    /// resolver ..."). Shown after "uses cgo for".
    pub purpose: &'static str,
    /// cmd/link's `internalpkg` lists it: its host objects do not force
    /// the external linker.
    pub internal_link: bool,
    /// How a build comes to link it.
    pub via: Via,
    /// The build tag that selects its pure-Go implementation (`netgo`).
    pub pure_go_tag: Option<&'static str>,
    /// What the pure-Go implementation (the tag, or CGO_ENABLED=0) does not
    /// do that the cgo one does: a fix's "but".
    pub pure_go_caveat: Option<&'static str>,
    /// The glibc functions its cgo code calls that go through NSS (which
    /// loads shared glibc modules at run time even in a static binary).
    pub nss_calls: Option<&'static str>,
    /// Its ground-truth fixture: `tests/fixtures/gt/<dir>`, main package
    /// `<pkg>`, or why there is none.
    pub ground_truth: GroundTruth,
}

/// What makes a build link the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// An import, direct or not.
    Import,
    /// A `go build` flag (`-race`), which adds it without an import.
    Flag(&'static str),
    /// An environment setting (`GOEXPERIMENT=boringcrypto`).
    Env(&'static str, &'static str),
    /// Another row's package, whose host objects it provides.
    Part(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroundTruth {
    Fixture {
        dir: &'static str,
        pkg: &'static str,
    },
    /// Covered by another row's fixture, or not buildable here; the reason.
    None(&'static str),
}

/// The table (go1.26; checked against GOROOT by `tests/groundtruth.rs`).
pub const STD_CGO: &[StdCgo] = &[
    StdCgo {
        path: "net",
        purpose: "the cgo DNS resolver (getaddrinfo from libc)",
        internal_link: true,
        via: Via::Import,
        pure_go_tag: Some("netgo"),
        pure_go_caveat: Some(
            "net uses Go's own DNS resolver: it reads /etc/resolv.conf and /etc/hosts, but not NSS modules (LDAP, mDNS, systemd-resolved via nss)",
        ),
        nss_calls: Some("getaddrinfo"),
        ground_truth: GroundTruth::Fixture {
            dir: "net",
            pkg: "./cmd/lookup",
        },
    },
    StdCgo {
        path: "os/user",
        purpose: "user and group lookups through libc (getpwnam_r, getgrouplist)",
        internal_link: true,
        via: Via::Import,
        pure_go_tag: Some("osusergo"),
        pure_go_caveat: Some(
            "os/user reads /etc/passwd and /etc/group only: users from LDAP/SSSD are not found",
        ),
        nss_calls: Some("getpwnam_r, getpwuid_r, getgrnam_r, getgrgid_r and getgrouplist"),
        ground_truth: GroundTruth::Fixture {
            dir: "osuser",
            pkg: ".",
        },
    },
    StdCgo {
        path: "runtime/cgo",
        purpose: "the cgo runtime (thread creation through libc)",
        internal_link: true,
        via: Via::Import,
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::Fixture {
            dir: "rtcgo",
            pkg: ".",
        },
    },
    StdCgo {
        path: "plugin",
        purpose: "dlopen from libc",
        internal_link: false,
        via: Via::Import,
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::Fixture {
            dir: "plugin",
            pkg: ".",
        },
    },
    StdCgo {
        path: "runtime/race",
        purpose: "the race detector runtime",
        internal_link: true,
        via: Via::Flag("-race"),
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::Fixture {
            dir: "pure",
            pkg: ".",
        },
    },
    StdCgo {
        path: "runtime/race/internal/amd64v1",
        purpose: "the race detector runtime's prebuilt object (.syso)",
        internal_link: true,
        via: Via::Part("runtime/race"),
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::None("built with runtime/race (GOAMD64=v1)"),
    },
    StdCgo {
        path: "runtime/race/internal/amd64v3",
        purpose: "the race detector runtime's prebuilt object (.syso)",
        internal_link: true,
        via: Via::Part("runtime/race"),
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::None("built with runtime/race when GOAMD64=v3"),
    },
    StdCgo {
        path: "runtime/msan",
        purpose: "the memory sanitizer",
        internal_link: true,
        via: Via::Flag("-msan"),
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::None(
            "needs clang: gcc has no -fsanitize=memory, so `go build -msan` fails in runtime/cgo",
        ),
    },
    StdCgo {
        path: "runtime/asan",
        purpose: "the address sanitizer",
        internal_link: true,
        via: Via::Flag("-asan"),
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::None(
            "not predicted fully: the real link also needs libasan.so.8 (README, Limits)",
        ),
    },
    StdCgo {
        path: "crypto/internal/boring",
        purpose: "BoringSSL's FIPS module, which the crypto packages call (GOEXPERIMENT=boringcrypto)",
        internal_link: true,
        via: Via::Env("GOEXPERIMENT", "boringcrypto"),
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::Fixture {
            dir: "boring",
            pkg: ".",
        },
    },
    StdCgo {
        path: "crypto/internal/boring/syso",
        purpose: "BoringCrypto's prebuilt object (.syso)",
        internal_link: true,
        via: Via::Part("crypto/internal/boring"),
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::None("built with crypto/internal/boring"),
    },
    StdCgo {
        path: "crypto/x509",
        purpose: "no C code on Linux (cmd/link still lists it for its former macOS cgo code)",
        internal_link: true,
        via: Via::Import,
        pure_go_tag: None,
        pure_go_caveat: None,
        nss_calls: None,
        ground_truth: GroundTruth::Fixture {
            dir: "x509",
            pkg: ".",
        },
    },
];

/// Standard packages with `import "C"` that a user's build cannot link,
/// with the reason: the ground-truth suite's GOROOT check skips them.
pub const NOT_REACHABLE: &[(&str, &str)] = &[
    (
        "crypto/internal/sysrand/internal/seccomp",
        "imported only by crypto/internal/sysrand's tests",
    ),
    ("internal/runtime/cgobench", "imported only by benchmarks"),
    ("internal/testpty", "imported only by tests"),
    (
        "net/internal/cgotest",
        "darwin only, imported only by tests",
    ),
];

/// The row of `path`.
pub fn row(path: &str) -> Option<&'static StdCgo> {
    STD_CGO.iter().find(|r| r.path == path)
}

/// cmd/link `internalpkg`: host objects of these packages do not force
/// the external linker.
pub fn internal_link_ok(path: &str) -> bool {
    row(path).is_some_and(|r| r.internal_link)
}

/// What a standard package uses cgo for.
pub fn purpose(path: &str) -> Option<&'static str> {
    row(path).map(|r| r.purpose)
}

/// Every pure-Go tag, in table order (`netgo`, `osusergo`).
pub fn all_pure_go_tags() -> Vec<&'static str> {
    STD_CGO.iter().filter_map(|r| r.pure_go_tag).collect()
}

/// `docs/std-cgo.md`, generated from the table (a unit test keeps the
/// file equal to this; `LINKLENS_BLESS=1` rewrites it).
pub fn markdown() -> String {
    let mut s = String::from(
        "# Standard-library packages that use cgo\n\n\
         Generated from `server/src/predict/stdcgo.rs` (`STD_CGO`); do not edit by hand. Regenerate with\n\
         `LINKLENS_BLESS=1 cargo test -p linklens --lib stdcgo`. `tests/groundtruth.rs` checks the table against\n\
         GOROOT (every standard package with `import \"C\"` is a row or listed as unreachable, and the internal-linker\n\
         column is cmd/link's `internalpkg`) and builds every fixture; `tests/fixtures/gt/observe.py` reads this page.\n\n\
         | package | cgo is used for | internal linker | linked by | pure-Go tag | ground truth | pure-Go caveat | NSS calls |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let cell = |v: Option<&str>| v.map_or("–".to_string(), |v| v.replace('|', "\\|"));
    for r in STD_CGO {
        let via = match r.via {
            Via::Import => "import".to_string(),
            Via::Flag(f) => format!("`{f}`"),
            Via::Env(k, v) => format!("`{k}={v}`"),
            Via::Part(p) => format!("part of `{p}`"),
        };
        let gt = match r.ground_truth {
            GroundTruth::Fixture { dir, pkg } => format!("`{dir}` `{pkg}`"),
            GroundTruth::None(why) => format!("none: {why}"),
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {via} | {} | {gt} | {} | {} |\n",
            r.path,
            r.purpose,
            if r.internal_link { "yes" } else { "no" },
            r.pure_go_tag.map_or("–".into(), |t| format!("`{t}`")),
            cell(r.pure_go_caveat),
            cell(r.nss_calls),
        ));
    }
    s.push_str("\nNot reachable from a user's build (they have `import \"C\"`, but only tests import them):\n\n");
    for (path, why) in NOT_REACHABLE {
        s.push_str(&format!("- `{path}`: {why}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_page_matches_the_table() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/std-cgo.md");
        let want = markdown();
        if std::env::var_os("LINKLENS_BLESS").is_some() {
            std::fs::write(&path, &want).expect("write docs/std-cgo.md");
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/std-cgo.md differs from STD_CGO: run `LINKLENS_BLESS=1 cargo test -p linklens --lib stdcgo`"
        );
    }

    #[test]
    fn rows_are_consistent() {
        for (i, r) in STD_CGO.iter().enumerate() {
            assert!(
                STD_CGO[..i].iter().all(|o| o.path != r.path),
                "{}: two rows",
                r.path
            );
            // A pure-Go tag without words for what it changes would offer a
            // fix with no "but".
            assert_eq!(
                r.pure_go_tag.is_some(),
                r.pure_go_caveat.is_some(),
                "{}: a pure-Go tag needs its caveat and the reverse",
                r.path
            );
            if let Via::Part(p) = r.via {
                assert!(row(p).is_some(), "{}: part of unknown {p}", r.path);
            }
        }
        let tags = all_pure_go_tags();
        for (i, t) in tags.iter().enumerate() {
            assert!(!tags[..i].contains(t), "tag {t} on two rows");
        }
    }

    #[test]
    fn fixtures_exist() {
        let gt = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/gt");
        for r in STD_CGO {
            if let GroundTruth::Fixture { dir, pkg } = r.ground_truth {
                let d = gt.join(dir).join(pkg);
                assert!(
                    d.join("main.go").is_file() || d.is_dir(),
                    "{}: fixture {} is missing",
                    r.path,
                    d.display()
                );
            }
        }
    }
}
