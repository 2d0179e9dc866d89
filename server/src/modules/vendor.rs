//! vendor/modules.txt parsing, as the go command's readVendorList reads it.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VendorModules {
    pub modules: Vec<VendoredModule>,
    /// The first line is `## workspace`: written by `go work vendor`.
    pub workspace: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendoredModule {
    pub path: String,
    /// Empty for a wildcard replacement line (`# path => ../dir`).
    pub version: String,
    /// `## explicit` annotation.
    pub explicit: bool,
    /// Packages listed under the module.
    pub packages: Vec<String>,
    /// `=> ../dir` or `=> other/path v1.2.3`, as written.
    pub replacement: Option<String>,
    /// `## explicit; go 1.21`: the module's go version.
    pub go_version: Option<String>,
}

pub fn parse_modules_txt(src: &str) -> VendorModules {
    let mut out = VendorModules::default();
    if let Some(first) = src.lines().next().and_then(|l| l.strip_prefix("## ")) {
        out.workspace = first.split(';').any(|a| a.trim() == "workspace");
    }
    // Index into out.modules of the module the following lines belong to.
    let mut cur: Option<usize> = None;
    for line in src.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with("# ") {
            let f: Vec<&str> = line.split_whitespace().collect();
            cur = None;
            if f.len() < 3 {
                continue;
            }
            let (version, rest) = if super::semver::is_valid(f[2]) {
                (f[2], &f[3..])
            } else if f[2] == "=>" {
                ("", &f[2..])
            } else {
                // Not a version nor a replacement: the go command ignores it.
                continue;
            };
            let replacement = match rest {
                ["=>", target @ ..] if !target.is_empty() => Some(target.join(" ")),
                _ => None,
            };
            // A module can appear twice (once for its replacement): merge.
            let idx = match out
                .modules
                .iter()
                .position(|m| m.path == f[1] && m.version == version)
            {
                Some(i) => i,
                None => {
                    out.modules.push(VendoredModule {
                        path: f[1].to_string(),
                        version: version.to_string(),
                        explicit: false,
                        packages: Vec::new(),
                        replacement: None,
                        go_version: None,
                    });
                    out.modules.len() - 1
                }
            };
            if replacement.is_some() {
                out.modules[idx].replacement = replacement;
            }
            cur = Some(idx);
            continue;
        }
        let Some(m) = cur.and_then(|i| out.modules.get_mut(i)) else {
            continue;
        };
        if let Some(ann) = line.strip_prefix("## ") {
            for a in ann.split(';').map(str::trim) {
                if a == "explicit" {
                    m.explicit = true;
                } else if let Some(v) = a.strip_prefix("go ") {
                    m.go_version = Some(v.trim().to_string());
                }
            }
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 1 && !f[0].starts_with('#') {
            m.packages.push(f[0].to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_forms() {
        let src = "# example.com/a v1.0.0\n## explicit\nexample.com/a\nexample.com/a/sub\n\
                   # example.com/b v1.2.0 => ../b\n## explicit; go 1.21\nexample.com/b\n\
                   # example.com/c v0.1.0 => example.com/c2 v0.2.0\nexample.com/c\n\
                   # example.com/r => ./r\n\
                   # bogus\nignored/pkg\n";
        let v = parse_modules_txt(src);
        assert!(!v.workspace);
        assert_eq!(v.modules.len(), 4);
        let a = &v.modules[0];
        assert_eq!(
            (a.path.as_str(), a.version.as_str(), a.explicit),
            ("example.com/a", "v1.0.0", true)
        );
        assert_eq!(a.packages, vec!["example.com/a", "example.com/a/sub"]);
        let b = &v.modules[1];
        assert_eq!(b.replacement.as_deref(), Some("../b"));
        assert_eq!(b.go_version.as_deref(), Some("1.21"));
        assert!(b.explicit);
        assert_eq!(
            v.modules[2].replacement.as_deref(),
            Some("example.com/c2 v0.2.0")
        );
        assert!(!v.modules[2].explicit);
        assert_eq!(
            (
                v.modules[3].version.as_str(),
                v.modules[3].replacement.as_deref()
            ),
            ("", Some("./r"))
        );
        assert!(v.modules[3].packages.is_empty());
        assert!(parse_modules_txt("## workspace\n# x v1.0.0\nx\n").workspace);
    }
}
