//! Other ways to build the same package, each predicted by the same engine:
//! the fixes offered to the user and the rows of the hover table.

use super::{CgoPackage, Verdict};
use crate::buildcfg::flags::PerPackage;
use crate::buildcfg::{Config, Toolchain};

/// A way of building, relative to a base configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub id: &'static str,
    pub title: String,
    pub env: Vec<(String, String)>,
    pub add_tags: Vec<String>,
    pub add_ldflags: Vec<String>,
}

pub const STATIC_LDFLAGS: [&str; 4] = ["-linkmode", "external", "-extldflags", "-static"];

impl Variant {
    pub fn cgo_disabled() -> Variant {
        Variant {
            id: "cgo-disabled",
            title: "CGO_ENABLED=0".into(),
            env: vec![("CGO_ENABLED".into(), "0".into())],
            add_tags: vec![],
            add_ldflags: vec![],
        }
    }

    /// The pure-Go tags that matter for these cgo packages (netgo for net,
    /// osusergo for os/user); `None` when neither is involved.
    pub fn pure_go_tags(cgo: &[CgoPackage]) -> Option<Variant> {
        let mut tags = Vec::new();
        if cgo.iter().any(|c| c.import_path == "net") {
            tags.push("netgo".to_string());
        }
        if cgo.iter().any(|c| c.import_path == "os/user") {
            tags.push("osusergo".to_string());
        }
        (!tags.is_empty()).then(|| Variant {
            id: "netgo-osusergo",
            title: format!("-tags {}", tags.join(",")),
            env: vec![],
            add_tags: tags,
            add_ldflags: vec![],
        })
    }

    /// The table row: both tags, whether they matter or not.
    pub fn both_tags() -> Variant {
        Variant {
            id: "netgo-osusergo",
            title: "-tags netgo,osusergo".into(),
            env: vec![],
            add_tags: vec!["netgo".into(), "osusergo".into()],
            add_ldflags: vec![],
        }
    }

    pub fn glibc_static() -> Variant {
        Variant {
            id: "glibc-static",
            title: "-ldflags '-linkmode external -extldflags \"-static\"' (glibc)".into(),
            env: vec![],
            add_tags: vec![],
            add_ldflags: STATIC_LDFLAGS.iter().map(|s| s.to_string()).collect(),
        }
    }

    pub fn musl_static() -> Variant {
        Variant {
            id: "musl-static",
            title: "CC=musl-gcc -ldflags '-linkmode external -extldflags \"-static\"'".into(),
            env: vec![("CC".into(), "musl-gcc".into())],
            add_tags: vec![],
            add_ldflags: STATIC_LDFLAGS.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Windows: MinGW's gcc links its runtime (libwinpthread, libstdc++,
    /// libgcc) from the static archives; system DLLs stay imports.
    pub fn mingw_static() -> Variant {
        Variant {
            id: "mingw-static",
            title: "-ldflags '-extldflags \"-static\"' (MinGW)".into(),
            env: vec![],
            add_tags: vec![],
            add_ldflags: vec!["-extldflags".into(), "-static".into()],
        }
    }

    /// The configuration for this variant of `base`, for main package `main`.
    pub fn apply(&self, tc: &Toolchain, base: &Config, main: &str) -> Config {
        let mut env = base.env.clone();
        for (k, v) in &self.env {
            env.insert(k.clone(), v.clone());
        }
        let mut flags = base.flags.clone();
        if !self.add_tags.is_empty() {
            let mut tags = flags.tags.clone().unwrap_or_default();
            for t in &self.add_tags {
                if !tags.contains(t) {
                    tags.push(t.clone());
                }
            }
            flags.tags = Some(tags);
        }
        if !self.add_ldflags.is_empty() {
            let mut args = flags.ldflags_for(main);
            args.extend(self.add_ldflags.iter().cloned());
            flags.ldflags.push(PerPackage {
                pattern: None,
                args,
            });
        }
        Config {
            workdir: base.workdir.clone(),
            ..Config::with_flags(tc, &env, flags)
        }
    }
}

/// How much a fix changes, least first: the pure-Go tags touch two
/// packages, CGO_ENABLED=0 drops every package's C code, a static C link
/// changes the toolchain. Fixes are offered in this order and the least
/// invasive one that reaches static is preferred.
pub fn invasiveness(id: &str) -> u8 {
    match id {
        "netgo-osusergo" => 0,
        "cgo-disabled" => 1,
        "musl-static" | "mingw-static" => 2,
        "glibc-static" => 3,
        _ => 4,
    }
}

/// What a fix changes in behaviour, beyond the link.
pub fn breaks(variant: &Variant, cgo: &[CgoPackage], result: Verdict) -> Vec<String> {
    let mut out = Vec::new();
    let pure_go = variant.id == "cgo-disabled" || variant.id == "netgo-osusergo";
    for c in cgo {
        match c.import_path.as_str() {
            "net" if pure_go => out.push(
                "net uses Go's own DNS resolver: it reads /etc/resolv.conf and /etc/hosts, but not NSS modules (LDAP, mDNS, systemd-resolved via nss)".into(),
            ),
            "os/user" if pure_go => out.push(
                "os/user reads /etc/passwd and /etc/group only: users from LDAP/SSSD are not found".into(),
            ),
            p if !c.standard && variant.id == "cgo-disabled" && result != Verdict::Fails => out.push(format!(
                "{p} is built without its cgo files: it falls back to its `!cgo` files, which in cgo-only libraries (go-sqlite3 style) are stubs that fail at run time"
            )),
            _ => {}
        }
    }
    out
}
