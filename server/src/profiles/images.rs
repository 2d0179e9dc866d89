//! The glibc of common container images, by name and tag, so that a
//! Dockerfile's builder stage predicts with the builder's glibc and its
//! final stage is checked against the binary's glibc floor. Every figure
//! comes from the distribution's own package of libc6/glibc; the table
//! and its sources are docs/glibc-images.md (keep the two in step).
//! Tags that move (`latest`, `golang:1.26` without a Debian codename,
//! `busybox:glibc`, distroless without `-debianN`) are unknown: never
//! guessed.

/// What an image's glibc is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageGlibc {
    /// The glibc release and the distribution release it comes from.
    Known {
        version: Vec<u32>,
        distro: &'static str,
    },
    /// A glibc image whose release linklens does not know, and why.
    Unknown(String),
    /// No glibc at all (scratch, alpine, distroless static).
    None,
}

/// (codename or number, distro words, glibc).
const DEBIAN: &[(&[&str], &str, &[u32])] = &[
    (&["buster", "10"], "Debian 10 (buster)", &[2, 28]),
    (&["bullseye", "11"], "Debian 11 (bullseye)", &[2, 31]),
    (&["bookworm", "12"], "Debian 12 (bookworm)", &[2, 36]),
    (&["trixie", "13"], "Debian 13 (trixie)", &[2, 41]),
];

const UBUNTU: &[(&[&str], &str, &[u32])] = &[
    (&["bionic", "18.04"], "Ubuntu 18.04 (bionic)", &[2, 27]),
    (&["focal", "20.04"], "Ubuntu 20.04 (focal)", &[2, 31]),
    (&["jammy", "22.04"], "Ubuntu 22.04 (jammy)", &[2, 35]),
    (&["noble", "24.04"], "Ubuntu 24.04 (noble)", &[2, 39]),
];

/// Splits `registry/path/name:tag@digest` into (path without a Docker Hub
/// prefix, tag).
fn split(image: &str) -> (String, String) {
    let image = image.split('@').next().unwrap_or(image);
    let (name, tag) = match image.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, t),
        _ => (image, ""),
    };
    let name = name
        .trim_start_matches("docker.io/")
        .trim_start_matches("index.docker.io/")
        .trim_start_matches("library/");
    (name.to_ascii_lowercase(), tag.to_ascii_lowercase())
}

/// The Debian-style release a tag names: a codename or a version number
/// (`12`, `12.5`, `12-slim`, `1.26-bookworm`, `bookworm-20240101`).
fn release_in(
    tag: &str,
    table: &[(&[&str], &'static str, &'static [u32])],
    numbers: bool,
) -> Option<(&'static str, Vec<u32>)> {
    for part in tag.split('-') {
        for (names, distro, v) in table {
            let number = |n: &str| n.chars().all(|c| c.is_ascii_digit());
            let hit = names.iter().any(|n| {
                (part == *n && (numbers || !number(n)))
                    || (numbers
                        && number(n)
                        && part.strip_prefix(n).is_some_and(|r| r.starts_with('.')))
            });
            if hit {
                return Some((distro, v.to_vec()));
            }
        }
    }
    None
}

/// The glibc of `image` (a FROM reference).
pub fn glibc_of(image: &str) -> ImageGlibc {
    let (name, tag) = split(image);
    let last = name.rsplit('/').next().unwrap_or(&name).to_string();
    let known = |(distro, version): (&'static str, Vec<u32>)| ImageGlibc::Known { version, distro };
    let moving = |what: &str| {
        ImageGlibc::Unknown(format!(
            "{image}: {what}; linklens knows the tags listed in docs/glibc-images.md"
        ))
    };
    if name == "scratch" || last == "alpine" || tag.contains("alpine") {
        return ImageGlibc::None;
    }
    match name.as_str() {
        "debian" => {
            return release_in(&tag, DEBIAN, true)
                .map(known)
                .unwrap_or_else(|| moving("the tag follows Debian's current release"));
        }
        "ubuntu" => {
            return release_in(&tag, UBUNTU, true)
                .map(known)
                .unwrap_or_else(|| moving("the tag follows Ubuntu's current release"));
        }
        "golang" | "buildpack-deps" => {
            // Only a codename: `golang:1.26` is not Debian 1.
            return release_in(&tag, DEBIAN, false)
                .map(known)
                .unwrap_or_else(|| {
                    moving("without a Debian codename (-bookworm, -trixie) the tag follows Debian's current release")
                });
        }
        "amazonlinux" | "public.ecr.aws/amazonlinux/amazonlinux" => {
            let first = tag.split(['.', '-']).next().unwrap_or("");
            return match first {
                "2" => known(("Amazon Linux 2", vec![2, 26])),
                "2023" => known(("Amazon Linux 2023", vec![2, 34])),
                _ => moving("the tag follows Amazon Linux's current release"),
            };
        }
        "busybox" if tag.contains("glibc") => {
            return moving(
                "busybox's glibc variant copies libc from a Debian image that moves with Debian stable",
            );
        }
        _ => {}
    }
    if name.split('/').any(|c| c.starts_with("ubi8")) {
        return known(("RHEL 8 (UBI 8)", vec![2, 28]));
    }
    if name.split('/').any(|c| c.starts_with("ubi9")) {
        return known(("RHEL 9 (UBI 9)", vec![2, 34]));
    }
    if let Some(rest) = name.strip_prefix("gcr.io/distroless/") {
        if rest.starts_with("static") {
            return ImageGlibc::None;
        }
        if rest.starts_with("base") || rest.starts_with("cc") {
            return match rest.rsplit_once("-debian") {
                Some((_, n)) => release_in(n, DEBIAN, true)
                    .map(|(d, v)| known((d, v)))
                    .unwrap_or_else(|| moving("an unknown Debian release")),
                None => moving("without -debianN the image follows distroless's current Debian"),
            };
        }
    }
    ImageGlibc::Unknown(format!(
        "{image} is not in linklens's table of images (docs/glibc-images.md)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(image: &str) -> Option<Vec<u32>> {
        match glibc_of(image) {
            ImageGlibc::Known { version, .. } => Some(version),
            _ => None,
        }
    }

    #[test]
    fn names_and_tags() {
        assert_eq!(v("golang:1.26-bookworm"), Some(vec![2, 36]));
        assert_eq!(v("golang:1.26.8-bullseye"), Some(vec![2, 31]));
        assert_eq!(v("docker.io/library/golang:1.26-trixie"), Some(vec![2, 41]));
        assert_eq!(v("golang:1.26"), None);
        assert_eq!(v("debian:11-slim"), Some(vec![2, 31]));
        assert_eq!(v("debian:buster"), Some(vec![2, 28]));
        assert_eq!(v("debian:12.5"), Some(vec![2, 36]));
        assert_eq!(v("debian:bookworm-20240101-slim"), Some(vec![2, 36]));
        assert_eq!(v("debian:latest"), None);
        assert_eq!(v("debian"), None);
        assert_eq!(v("ubuntu:20.04"), Some(vec![2, 31]));
        assert_eq!(v("ubuntu:jammy"), Some(vec![2, 35]));
        assert_eq!(
            v("registry.access.redhat.com/ubi8/ubi-minimal:8.9"),
            Some(vec![2, 28])
        );
        assert_eq!(v("redhat/ubi9"), Some(vec![2, 34]));
        assert_eq!(v("amazonlinux:2"), Some(vec![2, 26]));
        assert_eq!(v("amazonlinux:2023"), Some(vec![2, 34]));
        assert_eq!(v("gcr.io/distroless/base-debian11"), Some(vec![2, 31]));
        assert_eq!(
            v("gcr.io/distroless/cc-debian12:nonroot"),
            Some(vec![2, 36])
        );
        assert_eq!(v("gcr.io/distroless/base"), None);
        assert_eq!(
            glibc_of("gcr.io/distroless/static-debian12"),
            ImageGlibc::None
        );
        assert_eq!(glibc_of("alpine:3.20"), ImageGlibc::None);
        assert!(matches!(glibc_of("busybox:glibc"), ImageGlibc::Unknown(_)));
        assert!(matches!(
            glibc_of("example.com/mine:1"),
            ImageGlibc::Unknown(_)
        ));
    }
}
