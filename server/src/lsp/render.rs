//! Words and Markdown for diagnostics, hovers, code lenses and the status
//! item. Pure functions of engine results.

use crate::buildcfg::Config;
use crate::engine::Engine;
use crate::predict::fixes::Variant;
use crate::predict::{CgoPackage, Link, Prediction, Verdict};

use super::settings::Settings;
use crate::engine::binaries::{linking_summary, settings_summary};
use crate::engine::lastbuild::LastBuild;

pub use crate::report::{chain_text, hop_message, libs, outcome};

/// The code lens / status label: "linklens: static", "linklens: dynamic:
/// libc.so.6 — why?".
pub fn lens_title(p: &Prediction) -> String {
    match p.link.result {
        Verdict::Static => "linklens: static".into(),
        Verdict::Dynamic => match crate::predict::windows::platform_verdict(p) {
            Some(w) => format!("linklens: {} ({w}) — why?", crate::report::label(&p.link)),
            None => format!("linklens: {} — why?", crate::report::label(&p.link)),
        },
        Verdict::Fails => "linklens: build fails — why?".into(),
        Verdict::Unknown => "linklens: unknown — why?".into(),
    }
}

/// "last build: bin/api — dynamic (libc.so.6), built with CGO_ENABLED=1"
/// (code lens, hover).
pub fn last_build_line(lb: &LastBuild) -> String {
    format!(
        "last build: {} — {}, built with {}",
        lb.shown,
        linking_summary(&lb.info.info),
        settings_summary(&lb.info.info)
    )
}

/// The message of `binary-contradicts-prediction`.
pub fn contradiction(import_path: &str, lb: &LastBuild) -> String {
    let why = if lb.sources_newer {
        "Its package's sources changed after it was built, so the binary is probably stale: rebuild it. If a fresh build still disagrees, linklens mispredicts; please report it."
    } else {
        "Either the binary is stale (the sources changed since the build; rebuild it) or linklens mispredicts (please report it)."
    };
    format!(
        "{}, the last build of {import_path} (with {}), contradicts the prediction for the same settings: {}. {why}",
        lb.shown,
        settings_summary(&lb.info.info),
        lb.diffs.join("; ")
    )
}

/// One row of the "ways to build it" table.
pub struct Row {
    pub label: String,
    pub result: String,
}

/// The table rows, each predicted by the engine.
pub fn variant_rows(engine: &Engine, cfg: &Config, p: &Prediction) -> Vec<Row> {
    let mut rows = vec![Row {
        label: format!("current (`{}`)", cfg.summary()),
        result: cell(&p.link, &p.caveats),
    }];
    let variants: Vec<(String, Variant)> = match cfg.goos.as_str() {
        // Never static there: the rows show which DLLs/dylibs remain.
        "windows" => vec![
            ("`CGO_ENABLED=0`".into(), Variant::cgo_disabled()),
            (
                "MinGW static: `-ldflags '-extldflags \"-static\"'`".into(),
                Variant::mingw_static(),
            ),
        ],
        "darwin" => vec![("`CGO_ENABLED=0`".into(), Variant::cgo_disabled())],
        _ => {
            let tags = Variant::both_tags();
            let musl = Variant::musl_static_for(cfg);
            vec![
                ("`CGO_ENABLED=0`".into(), Variant::cgo_disabled()),
                (format!("`{}`", tags.title), tags),
                (
                    "glibc static: `-ldflags '-linkmode external -extldflags -static'`".into(),
                    Variant::glibc_static(),
                ),
                (format!("musl static: `{}`", musl.title), musl),
            ]
        }
    };
    for (label, v) in variants {
        let result = match engine.predict_variant(cfg, p, &v).as_deref() {
            Some((vcfg, vp)) => {
                let mut c = cell(&vp.link, &vp.caveats);
                if v.id == "musl-static" && vcfg.c_toolchain.path.is_none() {
                    c.push_str(" — musl-gcc not installed");
                }
                c
            }
            None => "unknown".into(),
        };
        rows.push(Row { label, result });
    }
    rows
}

fn cell(link: &Link, caveats: &[crate::predict::Caveat]) -> String {
    let mut s = match link.result {
        Verdict::Fails => format!(
            "fails: {}",
            link.error.as_deref().unwrap_or("").replace('|', "\\|")
        ),
        _ => crate::report::label(link),
    };
    for c in caveats {
        s.push_str(&format!(" ⚠ `{}`", c.code));
    }
    s
}

/// The full explanation of one main package (hover, `linklens.explain`,
/// status markdown).
pub fn explain(
    engine: &Engine,
    cfg: &Config,
    settings: &Settings,
    p: &Prediction,
    last: Option<&LastBuild>,
    focus: Option<&str>,
) -> String {
    let mut s = format!(
        "### linklens: `{}` — {}\n\n`{}`\n\n",
        p.import_path,
        p.link.result.as_str(),
        crate::report::verdict_line(p)
    );
    if let Some(g) = &p.link.glibc_floor_source {
        s.push_str(&format!("{}\n\n", crate::predict::glibc::floor_line(g)));
    }
    if let Some(min) = settings.min_glibc
        && let Some(c) = crate::predict::glibc::too_new(p, &min)
        && !p.caveats.iter().any(|x| x.code == c.code)
    {
        s.push_str(&format!("⚠ **{}**: {}\n\n", c.code, c.message));
    }
    if let Some(lb) = last {
        s.push_str(&last_build_line(lb));
        s.push_str("\n\n");
        if !lb.diffs.is_empty() {
            s.push_str(&format!(
                "⚠ **binary-contradicts-prediction**: predicted with the binary's own settings: {}\n\n",
                lb.diffs.join("; ")
            ));
        }
    }
    if !p.reasons.is_empty() {
        s.push_str("**Why**\n");
        for r in &p.reasons {
            s.push_str(&format!("- {r}\n"));
        }
        s.push('\n');
    }
    let chains: Vec<&CgoPackage> = p
        .cgo_packages
        .iter()
        .filter(|c| {
            focus.is_none_or(|f| c.chain.iter().any(|x| x == f) || c.module.as_deref() == Some(f))
        })
        .collect();
    if !chains.is_empty() {
        s.push_str("**Import chain**\n");
        for c in chains {
            s.push_str(&format!("- `{}` ({})\n", chain_text(c), c.purpose));
        }
        s.push('\n');
    }
    for c in &p.caveats {
        s.push_str(&format!("⚠ **{}**: {}\n\n", c.code, c.message));
    }
    s.push_str("**Ways to build it**\n\n| build | predicted |\n|---|---|\n");
    for r in variant_rows(engine, cfg, p) {
        s.push_str(&format!("| {} | {} |\n", r.label, r.result));
    }
    s.push_str(&format!(
        "\n**Settings**: build flags `{}` from {}; env overrides {} from {}; everything else from the server's environment.\n",
        if settings.build_flags.is_empty() { "(none)".to_string() } else { settings.build_flags.join(" ") },
        settings.flags_source,
        if settings.env.is_empty() {
            "(none)".to_string()
        } else {
            settings.env.iter().map(|(k, v)| format!("`{k}={v}`")).collect::<Vec<_>>().join(" ")
        },
        settings.env_source
    ));
    s
}
