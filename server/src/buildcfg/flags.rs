//! `go build` flags, parsed with Go's `flag` package rules (`-f v`, `-f=v`,
//! `--f`, booleans only as `-f` or `-f=bool`), and the linker flags inside
//! `-ldflags`. Only the flags that change what is linked are interpreted;
//! the rest are accepted so that a user can paste a whole build line.

use super::quoted;

/// The `go build` flags that matter for linking, merged from GOFLAGS and the
/// command line (the command line wins, as in cmd/go).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildFlags {
    /// `-tags`, already split on commas (and spaces, the legacy form).
    pub tags: Option<Vec<String>>,
    /// `-ldflags` values in order; each may carry a package pattern.
    pub ldflags: Vec<PerPackage>,
    pub buildmode: Option<String>,
    pub race: bool,
    pub msan: bool,
    pub asan: bool,
    pub linkshared: bool,
    pub trimpath: bool,
    /// `-mod` as written (`mod`, `readonly`, `vendor`).
    pub mod_flag: Option<String>,
    /// `-C dir`.
    pub chdir: Option<String>,
    /// `-o`.
    pub output: Option<String>,
    /// `-compiler` (gccgo predictions are out of scope; we say so).
    pub compiler: Option<String>,
}

/// A per-package flag value (`-ldflags=[pattern=]args`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerPackage {
    /// `None` applies to the packages named on the command line.
    pub pattern: Option<String>,
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Value,
}

/// Every `go build` flag with whether it takes a value (`go help build`).
const BUILD_FLAGS: &[(&str, Kind)] = &[
    ("C", Kind::Value),
    ("a", Kind::Bool),
    ("asan", Kind::Bool),
    ("asmflags", Kind::Value),
    ("buildmode", Kind::Value),
    ("buildvcs", Kind::Value),
    ("compiler", Kind::Value),
    ("cover", Kind::Bool),
    ("covermode", Kind::Value),
    ("coverpkg", Kind::Value),
    ("gccgoflags", Kind::Value),
    ("gcflags", Kind::Value),
    ("installsuffix", Kind::Value),
    ("json", Kind::Bool),
    ("ldflags", Kind::Value),
    ("linkshared", Kind::Bool),
    ("mod", Kind::Value),
    ("modcacherw", Kind::Bool),
    ("modfile", Kind::Value),
    ("msan", Kind::Bool),
    ("n", Kind::Bool),
    ("o", Kind::Value),
    ("overlay", Kind::Value),
    ("p", Kind::Value),
    ("pgo", Kind::Value),
    ("pkgdir", Kind::Value),
    ("race", Kind::Bool),
    ("tags", Kind::Value),
    ("toolexec", Kind::Value),
    ("trimpath", Kind::Bool),
    ("v", Kind::Bool),
    ("work", Kind::Bool),
    ("x", Kind::Bool),
];

impl BuildFlags {
    /// Parses command-line arguments: flags first, then packages (Go stops
    /// at the first non-flag argument or `--`). Returns the packages.
    pub fn parse_args(&mut self, args: &[String]) -> Result<Vec<String>, String> {
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            if arg == "--" {
                i += 1;
                break;
            }
            if !arg.starts_with('-') || arg == "-" {
                break;
            }
            let body = arg.trim_start_matches('-');
            if arg.starts_with("---") || body.is_empty() {
                return Err(format!("bad flag syntax: {arg}"));
            }
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let kind =
                lookup(name).ok_or_else(|| format!("flag provided but not defined: -{name}"))?;
            let value = match (kind, inline) {
                (Kind::Bool, Some(v)) => {
                    parse_bool(&v)
                        .ok_or_else(|| format!("invalid boolean value {v:?} for -{name}"))?;
                    v
                }
                (Kind::Bool, None) => "true".to_string(),
                (Kind::Value, Some(v)) => v,
                (Kind::Value, None) => {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| format!("flag needs an argument: -{name}"))?
                }
            };
            self.set(name, &value)?;
            i += 1;
        }
        Ok(args[i..].to_vec())
    }

    /// Applies GOFLAGS (split as cmd/go does). Flags that `go build` does not
    /// know are ignored there too, so they are ignored here.
    pub fn apply_goflags(&mut self, goflags: &str) -> Result<(), String> {
        let fields = quoted::split(goflags).map_err(|e| format!("GOFLAGS: {e}"))?;
        for field in fields {
            if !field.starts_with('-') {
                return Err(format!("GOFLAGS: parsing flags: non-flag {field:?}"));
            }
            let body = field.trim_start_matches('-');
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, v.to_string()),
                None => (body, "true".to_string()),
            };
            match lookup(name) {
                Some(Kind::Value) if !body.contains('=') => {
                    return Err(format!("GOFLAGS: flag -{name} needs a value (-{name}=...)"));
                }
                Some(_) => self
                    .set(name, &value)
                    .map_err(|e| format!("GOFLAGS: {e}"))?,
                None => {}
            }
        }
        Ok(())
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let flag = |v: &str| parse_bool(v).unwrap_or(false);
        match name {
            "tags" => self.tags = Some(split_tags(value)),
            "ldflags" => self.ldflags.push(parse_per_package(value)?),
            "buildmode" => self.buildmode = Some(value.to_string()),
            "race" => self.race = flag(value),
            "msan" => self.msan = flag(value),
            "asan" => self.asan = flag(value),
            "linkshared" => self.linkshared = flag(value),
            "trimpath" => self.trimpath = flag(value),
            "mod" => {
                if !matches!(value, "mod" | "readonly" | "vendor") {
                    return Err(format!(
                        "-mod={value} not supported (can be '', 'mod', 'readonly', or 'vendor')"
                    ));
                }
                self.mod_flag = Some(value.to_string())
            }
            "C" => self.chdir = Some(value.to_string()),
            "o" => self.output = Some(value.to_string()),
            "compiler" => self.compiler = Some(value.to_string()),
            _ => {}
        }
        Ok(())
    }

    /// The linker arguments that apply to the main package `import_path`
    /// given on the command line: the last matching `-ldflags` wins, as in
    /// cmd/go's PerPackageFlag.
    pub fn ldflags_for(&self, import_path: &str) -> Vec<String> {
        self.ldflags
            .iter()
            .rev()
            .find(|p| match &p.pattern {
                None => true,
                Some(pat) => pattern_matches(pat, import_path),
            })
            .map(|p| p.args.clone())
            .unwrap_or_default()
    }
}

fn lookup(name: &str) -> Option<Kind> {
    BUILD_FLAGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, k)| *k)
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// `-tags` takes a comma-separated list; a space-separated list is the
/// deprecated form that cmd/go still accepts.
pub fn split_tags(value: &str) -> Vec<String> {
    value
        .split([',', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_per_package(value: &str) -> Result<PerPackage, String> {
    // cmd/go: a value that does not start with '-' and contains '=' has a
    // package pattern before the first '='.
    let v = value.trim_start();
    let (pattern, rest) = if !v.is_empty() && !v.starts_with('-') && v.contains('=') {
        let (p, r) = v.split_once('=').unwrap_or((v, ""));
        (Some(p.to_string()), r)
    } else {
        (None, v)
    };
    let args =
        quoted::split(rest).map_err(|e| format!("invalid value {value:?} for -ldflags: {e}"))?;
    Ok(PerPackage { pattern, args })
}

/// Package-pattern matching for per-package flags (import paths only).
fn pattern_matches(pattern: &str, import_path: &str) -> bool {
    match pattern {
        "all" => true,
        "std" | "cmd" => false,
        "main" => true,
        _ => match pattern.strip_suffix("/...") {
            Some(prefix) => import_path == prefix || import_path.starts_with(&format!("{prefix}/")),
            None => pattern == import_path,
        },
    }
}

/// The linker flags that change the link (`go tool link` flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkerFlags {
    /// Last `-linkmode` given: `internal`, `external` or `auto`.
    pub linkmode: Option<String>,
    /// `-extldflags`, split as the linker splits it.
    pub extldflags: Vec<String>,
    /// `-I interpreter`.
    pub interpreter: Option<String>,
    /// `-extld`.
    pub extld: Option<String>,
    /// `-d`: disable dynamic executable.
    pub no_dynamic: bool,
    /// Problems parsing the value (unknown flag, missing argument).
    pub errors: Vec<String>,
}

/// Linker flags that take a value (from `go tool link -help`).
const LINK_VALUE_FLAGS: &[&str] = &[
    "B",
    "E",
    "H",
    "I",
    "L",
    "R",
    "T",
    "X",
    "benchmark",
    "benchmarkprofile",
    "buildid",
    "buildmode",
    "capturehostobjs",
    "cpuprofile",
    "extar",
    "extld",
    "extldflags",
    "fipso",
    "importcfg",
    "installsuffix",
    "k",
    "libgcc",
    "linkmode",
    "memprofile",
    "memprofilerate",
    "o",
    "pluginpath",
    "r",
    "randlayout",
    "strictdups",
    "tmpdir",
];

impl LinkerFlags {
    pub fn parse(args: &[String]) -> LinkerFlags {
        let mut out = LinkerFlags::default();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
                out.errors
                    .push(format!("unexpected linker argument {arg:?}"));
                continue;
            };
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let value = if LINK_VALUE_FLAGS.contains(&name) {
                match inline {
                    Some(v) => v,
                    None => match args.get(i) {
                        Some(v) => {
                            i += 1;
                            v.clone()
                        }
                        None => {
                            out.errors
                                .push(format!("linker flag -{name} needs an argument"));
                            continue;
                        }
                    },
                }
            } else {
                inline.unwrap_or_else(|| "true".into())
            };
            match name {
                "linkmode" => out.linkmode = Some(value),
                "extldflags" => match quoted::split(&value) {
                    Ok(v) => out.extldflags = v,
                    Err(e) => out.errors.push(format!("-extldflags: {e}")),
                },
                "I" => out.interpreter = Some(value),
                "extld" => out.extld = Some(value),
                "d" => out.no_dynamic = parse_bool(&value).unwrap_or(false),
                _ => {}
            }
        }
        out
    }

    /// `-extldflags` asks the C linker for a fully static link.
    pub fn wants_static(&self) -> bool {
        self.extldflags.iter().any(|f| f == "-static")
    }

    pub fn wants_static_pie(&self) -> bool {
        self.extldflags.iter().any(|f| f == "-static-pie")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_both_flag_forms_and_packages() {
        let mut f = BuildFlags::default();
        let pkgs = f
            .parse_args(&args(&[
                "-tags",
                "netgo,osusergo",
                "-race",
                "--buildmode=pie",
                "-ldflags=-s -w",
                "./cmd/api",
                "-x",
            ]))
            .unwrap();
        assert_eq!(f.tags, Some(vec!["netgo".into(), "osusergo".into()]));
        assert!(f.race);
        assert_eq!(f.buildmode.as_deref(), Some("pie"));
        assert_eq!(pkgs, args(&["./cmd/api", "-x"]));
        assert_eq!(f.ldflags_for("x"), args(&["-s", "-w"]));
    }

    #[test]
    fn rejects_unknown_flags_and_missing_values() {
        assert!(BuildFlags::default().parse_args(&args(&["-nope"])).is_err());
        assert!(BuildFlags::default().parse_args(&args(&["-tags"])).is_err());
        assert!(
            BuildFlags::default()
                .parse_args(&args(&["-race=maybe"]))
                .is_err()
        );
    }

    #[test]
    fn command_line_overrides_goflags() {
        let mut f = BuildFlags::default();
        f.apply_goflags("-tags=netgo -buildvcs=false -mod=vendor")
            .unwrap();
        assert_eq!(f.tags, Some(vec!["netgo".into()]));
        assert_eq!(f.mod_flag.as_deref(), Some("vendor"));
        f.parse_args(&args(&["-tags=osusergo"])).unwrap();
        assert_eq!(f.tags, Some(vec!["osusergo".into()]));
        assert!(f.apply_goflags("-tags netgo").is_err());
    }

    #[test]
    fn per_package_ldflags() {
        let mut f = BuildFlags::default();
        f.parse_args(&args(&[
            "-ldflags=-s",
            "-ldflags=example.com/x/...=-linkmode=external",
        ]))
        .unwrap();
        assert_eq!(
            f.ldflags_for("example.com/x/cmd/a"),
            args(&["-linkmode=external"])
        );
        assert_eq!(f.ldflags_for("example.com/y"), args(&["-s"]));
    }

    #[test]
    fn linker_flags_last_linkmode_wins_and_extldflags_split() {
        let l = LinkerFlags::parse(&quoted::split(r#"-s -X 'main.v=1 2' -linkmode external -extldflags "-static -lm" -linkmode=internal -I /opt/ld.so"#).unwrap());
        assert_eq!(l.linkmode.as_deref(), Some("internal"));
        assert_eq!(l.extldflags, args(&["-static", "-lm"]));
        assert_eq!(l.interpreter.as_deref(), Some("/opt/ld.so"));
        assert!(l.wants_static());
        assert!(l.errors.is_empty());
    }
}
