//! Other ways to build the same package, each predicted by the same engine:
//! the fixes offered to the user and the rows of the hover table.

use super::{CgoPackage, Verdict, stdcgo};
use crate::buildcfg::ctoolchain::CToolchain;
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
    /// Predicted as once its C compiler is installed: the fix tells what
    /// installing it gives (its `available` says whether it is), rather
    /// than go's "C compiler not found".
    pub cc_assumed: bool,
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
            cc_assumed: false,
        }
    }

    /// The pure-Go tags that matter for these cgo packages (`stdcgo`:
    /// netgo for net, osusergo for os/user); `None` when none is involved.
    /// The id stays `netgo-osusergo` whatever the tags: clients and SARIF
    /// know it by that name.
    pub fn pure_go_tags(cgo: &[CgoPackage]) -> Option<Variant> {
        let std: Vec<&str> = cgo
            .iter()
            .filter(|c| c.standard)
            .map(|c| c.import_path.as_str())
            .collect();
        Variant::pure_go_tags_of(&std)
    }

    /// `pure_go_tags` of the standard packages `std` that use cgo.
    pub fn pure_go_tags_of(std: &[&str]) -> Option<Variant> {
        let tags: Vec<&str> = stdcgo::STD_CGO
            .iter()
            .filter(|r| std.contains(&r.path))
            .filter_map(|r| r.pure_go_tag)
            .collect();
        (!tags.is_empty()).then(|| Variant::tags(&tags))
    }

    /// The table row: every pure-Go tag, whether it matters or not.
    pub fn both_tags() -> Variant {
        Variant::tags(&stdcgo::all_pure_go_tags())
    }

    fn tags(tags: &[&str]) -> Variant {
        Variant {
            id: "netgo-osusergo",
            title: format!("-tags {}", tags.join(",")),
            env: vec![],
            add_tags: tags.iter().map(|t| t.to_string()).collect(),
            add_ldflags: vec![],
            cc_assumed: false,
        }
    }

    pub fn glibc_static() -> Variant {
        Variant {
            id: "glibc-static",
            title: "-ldflags '-linkmode external -extldflags \"-static\"' (glibc)".into(),
            env: vec![],
            add_tags: vec![],
            add_ldflags: STATIC_LDFLAGS.iter().map(|s| s.to_string()).collect(),
            cc_assumed: false,
        }
    }

    pub fn musl_static() -> Variant {
        Variant {
            id: "musl-static",
            title: "CC=musl-gcc -ldflags '-linkmode external -extldflags \"-static\"'".into(),
            env: vec![("CC".into(), "musl-gcc".into())],
            add_tags: vec![],
            add_ldflags: STATIC_LDFLAGS.iter().map(|s| s.to_string()).collect(),
            cc_assumed: false,
        }
    }

    /// musl static with a musl compiler for `base`'s target (an aarch64
    /// build needs an aarch64 musl compiler, not the x86-64 musl-gcc).
    pub fn musl_static_for(base: &Config) -> Variant {
        let cc = crate::buildcfg::ctoolchain::musl_cc_for(&base.goarch, &base.env);
        if cc == ["musl-gcc"] {
            return Variant::musl_static();
        }
        let cc = crate::buildcfg::quoted::join(&cc);
        let shown = if cc.contains(' ') {
            format!("\"{cc}\"")
        } else {
            cc.clone()
        };
        Variant {
            title: format!("CC={shown} -ldflags '-linkmode external -extldflags \"-static\"'"),
            env: vec![("CC".into(), cc)],
            ..Variant::musl_static()
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
            cc_assumed: false,
        }
    }

    /// `CC="zig cc -target x86_64-linux-gnu.2.28"`: a dynamic glibc link
    /// against zig's stubs of glibc `min`, whose floor is at most `min`
    /// (`None` for an architecture zig names no glibc target for). Offered
    /// when the floor is above the minimum glibc (`engine::glibc_fix`).
    pub fn zig_glibc(goarch: &str, min: &[u32]) -> Option<Variant> {
        let triple = super::glibc::zig_triple(goarch)?;
        let cc = format!(
            "zig cc -target {triple}.{}",
            super::glibc::version_text(&super::glibc::trim_version(min))
        );
        Some(Variant {
            id: "zig-glibc",
            title: format!("CC=\"{cc}\""),
            env: vec![("CC".into(), cc)],
            add_tags: vec![],
            add_ldflags: vec![],
            cc_assumed: true,
        })
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
        let mut cfg = Config {
            workdir: base.workdir.clone(),
            ..Config::with_flags(tc, &env, flags)
        };
        if self.cc_assumed && cfg.c_toolchain.path.is_none() {
            // Not installed: its headers are unknown; the system's C
            // headers for the target stand in (zig's glibc headers have
            // the same standard ones).
            cfg.c_toolchain.path = Some(cfg.c_toolchain.program.clone().into());
            if cfg.c_toolchain.include_dirs.is_empty()
                && let Some(sys) = CToolchain::system_glibc(&cfg.goarch, &cfg.env)
            {
                cfg.c_toolchain.include_dirs = sys.include_dirs;
            }
        }
        cfg
    }
}

/// How much a fix changes, least first: the pure-Go tags touch a few
/// standard packages, CGO_ENABLED=0 drops every package's C code, a static C link
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
        let row = stdcgo::row(&c.import_path).filter(|_| c.standard);
        match row.and_then(|r| r.pure_go_caveat) {
            Some(caveat) if pure_go => out.push(caveat.to_string()),
            _ if !c.standard && variant.id == "cgo-disabled" && result != Verdict::Fails => out.push(format!(
                "{} is built without its cgo files: it falls back to its `!cgo` files, which in cgo-only libraries (go-sqlite3 style) are stubs that fail at run time",
                c.import_path
            )),
            _ => {}
        }
    }
    out
}
