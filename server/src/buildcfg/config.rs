//! `Config`: the inputs of one build, with the reason for each decision that
//! matters to linking ("CGO_ENABLED=1: default, gcc found on PATH").

use super::ctoolchain::CToolchain;
use super::flags::BuildFlags;
use super::quoted;
use super::toolchain::{Environ, Toolchain, lookup_path};
use crate::gosrc::TagContext;
use serde::Serialize;

/// Why cgo is on or off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CgoReason {
    /// `CGO_ENABLED` set in the environment (or the editor's settings).
    Environment,
    /// `CGO_ENABLED` written with `go env -w` or in GOROOT/go.env.
    GoEnvFile,
    /// GOOS/GOARCH differ from the toolchain's host: cgo defaults to off.
    CrossCompiling,
    /// CC is unset and the default C compiler is not on PATH (Go ≥ 1.20).
    NoCompiler { compiler: String },
    /// The platform does not support cgo.
    Unsupported,
    /// The default for a native build: CC is set (go does not check that
    /// it exists), or the default C compiler is on PATH.
    Default { compiler: String, cc_set: bool },
}

impl CgoReason {
    pub fn describe(&self, enabled: bool) -> String {
        let v = if enabled { "1" } else { "0" };
        match self {
            CgoReason::Environment => format!("CGO_ENABLED={v}: set in the environment"),
            CgoReason::GoEnvFile => format!("CGO_ENABLED={v}: set with `go env -w`"),
            CgoReason::CrossCompiling => {
                "CGO_ENABLED=0: cross-compiling (GOOS/GOARCH differ from the host)".into()
            }
            CgoReason::NoCompiler { compiler } => {
                format!(
                    "CGO_ENABLED=0: CC is unset and the default C compiler `{compiler}` is not on PATH"
                )
            }
            CgoReason::Unsupported => "CGO_ENABLED=0: cgo is not supported on this platform".into(),
            CgoReason::Default {
                compiler,
                cc_set: true,
            } => format!(
                "CGO_ENABLED=1: default for a native build with CC set (`{compiler}`; go does not check that it exists)"
            ),
            CgoReason::Default { compiler, .. } => {
                format!("CGO_ENABLED=1: default for a native build, `{compiler}` found on PATH")
            }
        }
    }
}

/// One build configuration: everything `go build` would use that decides the
/// link.
#[derive(Debug, Clone)]
pub struct Config {
    pub goos: String,
    pub goarch: String,
    pub host_goos: String,
    pub host_goarch: String,
    pub cgo_enabled: bool,
    pub cgo_reason: CgoReason,
    /// CC split into program and arguments (cfg.Getenv("CC") or the default).
    pub cc: Vec<String>,
    /// The C toolchain CC names, read without running it.
    pub c_toolchain: CToolchain,
    pub flags: BuildFlags,
    /// The environment the build sees (process env plus overrides).
    pub env: Environ,
    /// GOAMD64 / GOARM64 / GOARM ... value for the target, if any.
    pub arch_level: Option<String>,
    pub goexperiment: String,
    pub tags: TagContext,
    /// `GO_EXTLINK_ENABLED` if set.
    pub go_extlink_enabled: Option<String>,
    /// CGO_LDFLAGS from the environment (applies to every cgo package).
    pub cgo_ldflags: Vec<String>,
    pub cgo_cflags: Vec<String>,
    /// GOROOT, GOMODCACHE, GOWORK, GOVERSION.
    pub goroot: Option<std::path::PathBuf>,
    pub gomodcache: std::path::PathBuf,
    pub gowork: Option<String>,
    pub go_version: Option<String>,
    /// GOTOOLCHAIN as cfg.Getenv reads it (`local`, `auto`, `go1.22.0+auto`...).
    pub gotoolchain: Option<String>,
    /// The directory `go build` runs in: go words file paths in some errors
    /// relative to it (base.ShortPath). `None` keeps them absolute.
    pub workdir: Option<std::path::PathBuf>,
    /// Things the user should know about how this config was derived.
    pub notes: Vec<String>,
}

impl Config {
    /// Builds the configuration for `env` (the process environment plus any
    /// overrides) and `flags` (command line), merging GOFLAGS first as
    /// cmd/go does.
    pub fn new(
        tc: &Toolchain,
        env: &Environ,
        cli_flags: &[String],
    ) -> Result<(Config, Vec<String>), String> {
        let mut flags = BuildFlags::default();
        if let Some(goflags) = tc.getenv(env, "GOFLAGS") {
            flags.apply_goflags(&goflags)?;
        }
        let packages = flags.parse_args(cli_flags)?;
        let cfg = Config::with_flags(tc, env, flags);
        cfg.log_decision();
        Ok((cfg, packages))
    }

    pub fn with_flags(tc: &Toolchain, env: &Environ, flags: BuildFlags) -> Config {
        let getenv = |k: &str| tc.getenv(env, k);
        let host_goos = tc.host_goos.clone();
        let host_goarch = tc.host_goarch.clone();
        let goos = getenv("GOOS").unwrap_or_else(|| host_goos.clone());
        let goarch = getenv("GOARCH").unwrap_or_else(|| host_goarch.clone());
        let cross = goos != host_goos || goarch != host_goarch;
        let default_cc = default_cc(&goos);
        let mut notes = tc.notes.clone();

        // cmd/go cfg.defaultContext: explicit value, else cross ⇒ off, else
        // platform support, then the C-compiler-on-PATH check (which looks
        // only at the process environment's CC).
        let explicit_env = env.get("CGO_ENABLED").filter(|v| *v == "0" || *v == "1");
        let explicit_file = [
            tc.goenv_file.get("CGO_ENABLED"),
            tc.goroot_env.get("CGO_ENABLED"),
        ]
        .into_iter()
        .flatten()
        .find(|v| *v == "0" || *v == "1");
        let (cgo_enabled, cgo_reason) = if let Some(v) = explicit_env {
            (v == "1", CgoReason::Environment)
        } else if let Some(v) = explicit_file {
            (v == "1", CgoReason::GoEnvFile)
        } else if cross {
            (false, CgoReason::CrossCompiling)
        } else if !cgo_supported(&goos, &goarch) {
            (false, CgoReason::Unsupported)
        } else if env.get("CC").is_none_or(|c| c.is_empty())
            && lookup_path(default_cc, env).is_none()
        {
            (
                false,
                CgoReason::NoCompiler {
                    compiler: default_cc.to_string(),
                },
            )
        } else {
            let set = env.get("CC").filter(|c| !c.is_empty()).cloned();
            let cc_set = set.is_some();
            let compiler = set.unwrap_or_else(|| default_cc.to_string());
            (true, CgoReason::Default { compiler, cc_set })
        };
        // go env reports the toolchain's own decision for the unmodified
        // environment; if it disagrees with ours, say so (a toolchain built
        // with a baked-in default, for instance).
        let same_lookup = tc.reported_for == (env.get("PATH").cloned(), env.get("CC").cloned());
        if let Some(rep) = tc.reported.get("CGO_ENABLED")
            && same_lookup
            && tc.reported.get("GOOS") == Some(&goos)
            && tc.reported.get("GOARCH") == Some(&goarch)
            && env.get("CGO_ENABLED").is_none()
            && (rep == "1") != cgo_enabled
        {
            notes.push(format!("`go env` reports CGO_ENABLED={rep}, which linklens could not derive; using go's value"));
        }
        let cgo_enabled = match (tc.reported.get("CGO_ENABLED"), &cgo_reason) {
            (Some(rep), CgoReason::Default { .. } | CgoReason::NoCompiler { .. })
                if same_lookup
                    && env.get("CGO_ENABLED").is_none()
                    && tc.reported.get("GOOS") == Some(&goos) =>
            {
                rep == "1"
            }
            _ => cgo_enabled,
        };

        let cc_str = getenv("CC").unwrap_or_else(|| default_cc.to_string());
        let cc = quoted::split(&cc_str).unwrap_or_else(|_| vec![cc_str.clone()]);
        let c_toolchain = CToolchain::detect(&cc, env, &goos, &goarch);
        let arch_level = arch_level_var(&goarch).and_then(&getenv);
        let goexperiment = getenv("GOEXPERIMENT").unwrap_or_default();

        let mut tool_tags = if tc.go_found {
            tc.experiment_tags(&goos, &goarch, &goexperiment)
        } else {
            Vec::new()
        };
        tool_tags.extend(crate::gosrc::tags::arch_feature_tags(
            &goarch,
            arch_level.as_deref(),
        ));
        for (on, name) in [
            (flags.race, "race"),
            (flags.msan, "msan"),
            (flags.asan, "asan"),
        ] {
            if on {
                tool_tags.push(name.to_string());
            }
        }
        let release_tags = crate::gosrc::tags::release_tags(tc.minor().unwrap_or(26));
        let tags = TagContext {
            goos: goos.clone(),
            goarch: goarch.clone(),
            cgo_enabled,
            compiler: "gc".into(),
            build_tags: flags.tags.clone().unwrap_or_default(),
            tool_tags,
            release_tags,
        };
        let split_env = |k: &str| {
            getenv(k)
                .and_then(|v| quoted::split(&v).ok())
                .unwrap_or_default()
        };
        Config {
            cgo_ldflags: split_env("CGO_LDFLAGS"),
            cgo_cflags: split_env("CGO_CFLAGS"),
            go_extlink_enabled: getenv("GO_EXTLINK_ENABLED"),
            goroot: tc.goroot.clone(),
            gomodcache: getenv("GOMODCACHE")
                .map(Into::into)
                .unwrap_or_else(|| tc.gomodcache.clone()),
            gowork: env.get("GOWORK").cloned(),
            go_version: tc.version.clone(),
            gotoolchain: getenv("GOTOOLCHAIN"),
            workdir: None,
            goos,
            goarch,
            host_goos,
            host_goarch,
            cgo_enabled,
            cgo_reason,
            cc,
            c_toolchain,
            flags,
            env: env.clone(),
            arch_level,
            goexperiment,
            tags,
            notes,
        }
    }

    pub fn is_cross(&self) -> bool {
        self.goos != self.host_goos || self.goarch != self.host_goarch
    }

    /// `go build` with `-buildmode=pie` (or a default-PIE platform).
    pub fn is_pie(&self) -> bool {
        match self.flags.buildmode.as_deref() {
            Some("pie") => true,
            Some("default") | None => default_pie(&self.goos) && !self.flags.race,
            _ => false,
        }
    }

    pub fn buildmode(&self) -> &str {
        self.flags.buildmode.as_deref().unwrap_or("default")
    }

    /// The configuration decision as a debug event (`linklens.logLevel`).
    pub fn log_decision(&self) {
        tracing::debug!(
            goos = %self.goos,
            goarch = %self.goarch,
            cc = %self.cc.join(" "),
            tags = ?self.flags.tags.as_deref().unwrap_or_default(),
            libc = ?self.c_toolchain.libc,
            go_version = ?self.go_version,
            "configuration: {} ({}/{}, CC={})",
            self.cgo_reason.describe(self.cgo_enabled),
            self.goos,
            self.goarch,
            self.cc.join(" "),
        );
        for n in &self.notes {
            tracing::debug!("configuration note: {n}");
        }
    }

    /// A short description of the settings that matter, for headers.
    pub fn summary(&self) -> String {
        let mut parts = vec![
            format!("{}/{}", self.goos, self.goarch),
            format!("CGO_ENABLED={}", u8::from(self.cgo_enabled)),
        ];
        if let Some(cc) = self.env.get("CC").filter(|c| !c.is_empty()) {
            parts.push(format!("CC={cc}"));
        }
        if let Some(t) = &self.flags.tags
            && !t.is_empty()
        {
            parts.push(format!("-tags {}", t.join(",")));
        }
        if let Some(bm) = &self.flags.buildmode {
            parts.push(format!("-buildmode={bm}"));
        }
        if self.flags.race {
            parts.push("-race".into());
        }
        if let Some(l) = self.flags.ldflags.last() {
            parts.push(format!("-ldflags '{}'", quoted::join(&l.args)));
        }
        parts.join(" ")
    }
}

/// cmd/dist's default C compiler: clang on the BSD-like and Apple systems.
pub fn default_cc(goos: &str) -> &'static str {
    match goos {
        "darwin" | "ios" | "freebsd" | "openbsd" => "clang",
        _ => "gcc",
    }
}

/// internal/platform.CgoSupported for first-class and common ports.
pub fn cgo_supported(goos: &str, goarch: &str) -> bool {
    match (goos, goarch) {
        ("linux", "ppc64") => false,
        ("linux", a) => matches!(
            a,
            "386"
                | "amd64"
                | "arm"
                | "arm64"
                | "loong64"
                | "mips"
                | "mipsle"
                | "mips64"
                | "mips64le"
                | "ppc64le"
                | "riscv64"
                | "s390x"
                | "sparc64"
        ),
        ("android", a) => matches!(a, "386" | "amd64" | "arm" | "arm64"),
        ("darwin" | "ios", _) => true,
        ("windows", a) => matches!(a, "386" | "amd64" | "arm64"),
        ("freebsd" | "netbsd" | "illumos" | "solaris" | "dragonfly", _) => true,
        ("openbsd", a) => a != "ppc64",
        ("aix", "ppc64") => true,
        _ => false,
    }
}

fn default_pie(goos: &str) -> bool {
    matches!(goos, "android" | "ios" | "darwin" | "windows")
}

fn arch_level_var(goarch: &str) -> Option<&'static str> {
    Some(match goarch {
        "amd64" => "GOAMD64",
        "arm64" => "GOARM64",
        "arm" => "GOARM",
        "386" => "GO386",
        "mips" | "mipsle" => "GOMIPS",
        "mips64" | "mips64le" => "GOMIPS64",
        "ppc64" | "ppc64le" => "GOPPC64",
        "riscv64" => "GORISCV64",
        "wasm" => "GOWASM",
        _ => return None,
    })
}
