//! Packages that lose their cgo files when cgo is off. go/build drops the
//! Go files with `import "C"` (and cmd/go their C files) and compiles the
//! rest; whether the rest compiles without them is the type checker's
//! business, which linklens does not run. go-sqlite3 carries a `!cgo`
//! counterpart (static_mock.go) and builds; gopacket/pcap has none and
//! fails with "undefined: pcapErrorNotActivated". The honest rule: a
//! non-standard package whose cgo files are all dropped and none of whose
//! remaining files is there only because cgo is off gets a caveat.

use super::Caveat;
use crate::gosrc::TagContext;
use crate::gosrc::select::Exclusion;
use crate::load::graph::Graph;
use crate::load::source::Sources;

/// The `cgo-files-dropped` caveat for `g` under `tags` (cgo off), if any
/// package needs it. Files whose `//go:build` needs cgo (pg_query_go's
/// `//go:build cgo` pg_query.go) count as cgo files.
pub fn caveat(g: &Graph, tags: &TagContext, sources: &Sources) -> Option<Caveat> {
    if tags.cgo_enabled {
        return None;
    }
    let mut with_cgo_on = tags.clone();
    with_cgo_on.cgo_enabled = true;
    let mut hit: Vec<(String, Vec<String>)> = Vec::new();
    for (path, pkg) in g.iter() {
        if pkg.standard || pkg.files.is_empty() {
            continue;
        }
        let dropped: Vec<String> = pkg
            .ignored
            .iter()
            .filter(|(name, why)| match why {
                Exclusion::CgoDisabled => true,
                Exclusion::Constraint => sources
                    .header(&pkg.dir.join(name))
                    .is_ok_and(|h| h.constraint_holds(&with_cgo_on)),
                _ => false,
            })
            .map(|(n, _)| n.to_string_lossy().into_owned())
            .collect();
        if dropped.is_empty() {
            continue;
        }
        // A file that builds only with cgo off (`//go:build !cgo`) stands in
        // for the dropped ones.
        let counterpart = pkg
            .files
            .iter()
            .any(|f| !f.header.constraint_holds(&with_cgo_on));
        if !counterpart {
            hit.push((path.to_string(), dropped));
        }
    }
    let (first, files) = hit.first()?;
    let more = match hit.len() {
        1 => String::new(),
        n => format!(" (and {} more packages)", n - 1),
    };
    Some(Caveat {
        code: "cgo-files-dropped".into(),
        message: format!(
            "with cgo off, {first} loses its cgo files ({}) and has no `!cgo` file in their place: \
             its other files may not compile without them{more} (linklens does not type-check; \
             go build reports \"undefined: …\" if so)",
            files.join(", ")
        ),
    })
}
