//! Semantic versions as golang.org/x/mod/semver reads them (`v1.2.3`,
//! `v1.2.3-pre.1`, shorthands `v1` / `v1.2`, build metadata ignored when
//! comparing), plus the module flavour `module.CanonicalVersion` that keeps
//! `+incompatible`. Pseudo-versions are ordinary pre-release versions here,
//! which is exactly how the go command orders them.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    prerelease: &'a str,
    build: &'a str,
}

fn parse(v: &str) -> Option<Parsed<'_>> {
    let rest = v.strip_prefix('v')?;
    let (major, rest) = take_num(rest)?;
    if rest.is_empty() {
        return Some(Parsed {
            major,
            minor: "0",
            patch: "0",
            prerelease: "",
            build: "",
        });
    }
    let rest = rest.strip_prefix('.')?;
    let (minor, rest) = take_num(rest)?;
    if rest.is_empty() {
        return Some(Parsed {
            major,
            minor,
            patch: "0",
            prerelease: "",
            build: "",
        });
    }
    let rest = rest.strip_prefix('.')?;
    let (patch, mut rest) = take_num(rest)?;
    let mut prerelease = "";
    if rest.starts_with('-') {
        let end = rest.find('+').unwrap_or(rest.len());
        prerelease = &rest[..end];
        if !valid_idents(&prerelease[1..], true) {
            return None;
        }
        rest = &rest[end..];
    }
    let mut build = "";
    if rest.starts_with('+') {
        build = rest;
        if !valid_idents(&build[1..], false) {
            return None;
        }
        rest = "";
    }
    if !rest.is_empty() {
        return None;
    }
    Some(Parsed {
        major,
        minor,
        patch,
        prerelease,
        build,
    })
}

/// A decimal number without leading zeros (except `0` itself).
fn take_num(s: &str) -> Option<(&str, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (n > 1 && s.starts_with('0')) {
        return None;
    }
    Some((&s[..n], &s[n..]))
}

fn valid_idents(s: &str, no_leading_zero: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !(no_leading_zero
                && id.len() > 1
                && id.starts_with('0')
                && id.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Whether `v` is a valid semantic version (shorthands allowed).
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

/// `semver.Canonical` with `+incompatible` kept, as `module.CanonicalVersion`
/// does; `None` for an invalid version.
pub fn canonical(v: &str) -> Option<String> {
    let p = parse(v)?;
    let mut out = format!("v{}.{}.{}{}", p.major, p.minor, p.patch, p.prerelease);
    if p.build == "+incompatible" {
        out.push_str("+incompatible");
    }
    Some(out)
}

/// Orders versions as `semver.Compare`: invalid versions sort before all
/// valid ones and are equal to each other; build metadata is ignored.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp_num(x.major, y.major)
            .then_with(|| cmp_num(x.minor, y.minor))
            .then_with(|| cmp_num(x.patch, y.patch))
            .then_with(|| cmp_prerelease(x.prerelease, y.prerelease)),
    }
}

fn cmp_num(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn cmp_prerelease(a: &str, b: &str) -> Ordering {
    // A release sorts after any of its pre-releases.
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let mut xs = a[1..].split('.');
    let mut ys = b[1..].split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let xn = x.bytes().all(|c| c.is_ascii_digit());
                let yn = y.bytes().all(|c| c.is_ascii_digit());
                let o = match (xn, yn) {
                    (true, true) => cmp_num(x, y),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// Whether a go version (`1.21`, `1.21.3`, `1.22rc1`) is at least
/// `major.minor`. Unparsable versions answer false.
pub fn go_version_at_least(v: &str, major: u64, minor: u64) -> bool {
    let mut parts = v.splitn(3, '.');
    let num = |s: Option<&str>| -> Option<u64> {
        let s = s?;
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        s[..n].parse().ok()
    };
    match (num(parts.next()), num(parts.next())) {
        (Some(ma), Some(mi)) => (ma, mi) >= (major, minor),
        (Some(ma), None) => ma > major,
        _ => false,
    }
}

/// A Go version (`1.21`, `1.21.3`, `1.22rc1`) split as go/version's
/// internal/gover does: major, minor, patch, kind (`""` < alpha < beta <
/// rc), pre-release number. Unparsable versions are all-empty.
#[derive(Default)]
struct GoVersion<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    kind: &'a str,
    pre: &'a str,
}

fn parse_go(x: &str) -> GoVersion<'_> {
    fn cut_int(s: &str) -> Option<(&str, &str)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (n > 0 && !(n > 1 && s.starts_with('0'))).then(|| (&s[..n], &s[n..]))
    }
    let bad = GoVersion::default();
    let Some((major, x)) = cut_int(x) else {
        return bad;
    };
    let mut v = GoVersion {
        major,
        ..GoVersion::default()
    };
    if x.is_empty() {
        v.minor = "0";
        v.patch = "0";
        return v;
    }
    let Some(x) = x.strip_prefix('.') else {
        return bad;
    };
    let Some((minor, x)) = cut_int(x) else {
        return bad;
    };
    v.minor = minor;
    if x.is_empty() {
        // Before 1.21 a missing patch means .0; from 1.21 on, `1.21` is the
        // language version, older than 1.21rc1 and 1.21.0.
        if cmp_num(minor, "21") == Ordering::Less {
            v.patch = "0";
        }
        return v;
    }
    if let Some(x) = x.strip_prefix('.') {
        return match cut_int(x) {
            Some((patch, "")) => GoVersion { patch, ..v },
            _ => bad,
        };
    }
    let letters = x.bytes().take_while(u8::is_ascii_lowercase).count();
    if letters == 0 {
        return bad;
    }
    v.kind = &x[..letters];
    let x = &x[letters..];
    if x.is_empty() {
        return v;
    }
    match cut_int(x) {
        Some((pre, "")) => GoVersion { pre, ..v },
        _ => bad,
    }
}

/// gover.Compare: orders Go versions (`1.21` < `1.21rc1` < `1.21.0` <
/// `1.21.1`); unparsable versions sort first.
pub fn compare_go(x: &str, y: &str) -> Ordering {
    let (a, b) = (parse_go(x), parse_go(y));
    cmp_num(a.major, b.major)
        .then_with(|| cmp_num(a.minor, b.minor))
        .then_with(|| cmp_num(a.patch, b.patch))
        .then_with(|| a.kind.cmp(b.kind))
        .then_with(|| cmp_num(a.pre, b.pre))
}

/// gover.FromToolchain: `go1.26.8` → `1.26.8`, dropping a custom suffix
/// (`go1.21.3-bigcorp`, `go1.22.0 X:nodwarf5`). `None` when not a Go
/// toolchain name.
pub fn go_from_toolchain(name: &str) -> Option<&str> {
    if name.contains(['/', '\\']) {
        return None;
    }
    let v = name.strip_prefix("go")?;
    let v = v.split([' ', '\t', '-']).next().unwrap_or(v);
    (!parse_go(v).major.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_and_canonical() {
        for v in [
            "v1",
            "v1.2",
            "v1.2.3",
            "v1.2.3-pre.1",
            "v1.2.3+meta",
            "v0.0.0-20200101000000-abcdefabcdef",
        ] {
            assert!(is_valid(v), "{v}");
        }
        for v in [
            "1.2.3",
            "v01.2.3",
            "v1.2-pre",
            "v1.2.3-",
            "v1.2.3-01",
            "v1.2.3.4",
            "",
            "v",
            "latest",
        ] {
            assert!(!is_valid(v), "{v}");
        }
        assert_eq!(canonical("v1.2").as_deref(), Some("v1.2.0"));
        assert_eq!(
            canonical("v2.0.0+incompatible").as_deref(),
            Some("v2.0.0+incompatible")
        );
        assert_eq!(canonical("v1.0.0+meta").as_deref(), Some("v1.0.0"));
    }

    #[test]
    fn ordering() {
        let ordered = [
            "bad",
            "v0.0.0-20190101000000-aaaaaaaaaaaa",
            "v0.0.1",
            "v1.0.0-alpha",
            "v1.0.0-alpha.1",
            "v1.0.0-alpha.beta",
            "v1.0.0-beta.2",
            "v1.0.0-beta.11",
            "v1.0.0-rc.1",
            "v1.0.0",
            "v1.0.1-0.20200101000000-bbbbbbbbbbbb",
            "v1.2.0",
            "v1.10.0",
            "v2.0.0+incompatible",
            "v10.0.0",
        ];
        for w in ordered.windows(2) {
            assert_eq!(compare(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare(w[1], w[0]), Ordering::Greater);
        }
        assert_eq!(compare("v1.2", "v1.2.0"), Ordering::Equal);
    }

    #[test]
    fn go_versions() {
        assert!(go_version_at_least("1.14", 1, 14));
        assert!(go_version_at_least("1.21.3", 1, 14));
        assert!(go_version_at_least("1.23rc1", 1, 23));
        assert!(!go_version_at_least("1.13", 1, 14));
        assert!(!go_version_at_least("1.9", 1, 14));
        assert!(go_version_at_least("2", 1, 14));
        assert!(!go_version_at_least("x", 1, 14));
    }

    #[test]
    fn go_version_order() {
        let ordered = [
            "bad", "1.9", "1.20", "1.20.1", "1.21", "1.21rc1", "1.21rc2", "1.21.0", "1.21.3",
            "1.26", "1.26.8", "1.26.9", "1.27rc1", "1.99", "1.99.0", "2",
        ];
        for w in ordered.windows(2) {
            assert_eq!(
                compare_go(w[0], w[1]),
                Ordering::Less,
                "{} < {}",
                w[0],
                w[1]
            );
            assert_eq!(
                compare_go(w[1], w[0]),
                Ordering::Greater,
                "{} > {}",
                w[1],
                w[0]
            );
        }
        // Before 1.21 the patch defaults to 0; `1` is 1.0.0.
        assert_eq!(compare_go("1.20", "1.20.0"), Ordering::Equal);
        assert_eq!(compare_go("1", "1.0.0"), Ordering::Equal);
        assert_eq!(go_from_toolchain("go1.26.8"), Some("1.26.8"));
        assert_eq!(go_from_toolchain("go1.21.3-bigcorp"), Some("1.21.3"));
        assert_eq!(go_from_toolchain("go1.22.0 X:nodwarf5"), Some("1.22.0"));
        assert_eq!(go_from_toolchain("devel go1.27-abc"), None);
        assert_eq!(go_from_toolchain("go/1.2"), None);
    }
}
