//! The words of a prediction, shared by every front end (`check`'s text,
//! SARIF and GitHub output, the editor's diagnostics and hovers), so that
//! one verdict reads the same everywhere.

use crate::predict::{CgoPackage, Link, Prediction, Verdict};

/// Where each diagnostic code has its page (`docs/diagnostics/<code>.md`).
pub const DOCS_BASE: &str = "https://github.com/linklens/linklens/blob/main/docs/diagnostics";

/// The page of diagnostic `code`.
pub fn docs_url(code: &str) -> String {
    format!("{DOCS_BASE}/{code}.md")
}

/// The short form for a status bar or a table cell: "static",
/// "static-pie", "dynamic: libc.so.6", "fails", "unknown".
pub fn label(l: &Link) -> String {
    match l.result {
        Verdict::Dynamic if !l.needed.is_empty() => format!("dynamic: {}", l.needed.join(", ")),
        Verdict::Dynamic => match &l.interpreter {
            Some(i) => format!("dynamic: needs {i}"),
            None => "dynamic".into(),
        },
        Verdict::Static if l.pie => "static-pie".into(),
        v => v.as_str().into(),
    }
}

/// "dynamic, glibc floor GLIBC_2.3.2" (the fix that lowers the floor:
/// the floor is what it changes); "fails" and the others as [`label`].
pub fn floor_label(l: &Link) -> String {
    if l.result != Verdict::Dynamic {
        return label(l);
    }
    format!(
        "dynamic, glibc floor {}",
        l.glibc_floor.as_deref().unwrap_or("unknown")
    )
}

/// "dynamic: internal linker, interpreter /lib64/ld-linux-x86-64.so.2,
/// needs libc.so.6" (the line under each package in `check`).
pub fn verdict_line(p: &Prediction) -> String {
    let l = &p.link;
    let linker = match l.linker {
        Some(crate::predict::Linker::Internal) => "internal linker",
        Some(crate::predict::Linker::External) => "external linker",
        None => "",
    };
    match l.result {
        Verdict::Static => format!(
            "static{}{}",
            if l.pie { " (static-pie)" } else { "" },
            if linker.is_empty() {
                String::new()
            } else {
                format!(", {linker}")
            }
        ),
        Verdict::Dynamic => {
            let mut parts = vec![linker.to_string()];
            if let Some(i) = &l.interpreter {
                parts.push(format!("interpreter {i}"));
            }
            if !l.needed.is_empty() {
                parts.push(format!("needs {}", l.needed.join(", ")));
            }
            if l.pie {
                parts.push("PIE".into());
            }
            format!(
                "dynamic: {}{}",
                parts
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(", "),
                platform_words(p)
            )
        }
        // A prediction, not the compiler's own output: say so.
        Verdict::Fails => format!("go build will fail: {}", l.error.as_deref().unwrap_or("")),
        Verdict::Unknown => format!("unknown: {}", l.error.as_deref().unwrap_or("")),
    }
}

/// " — system DLLs only" (Windows), " — needs Homebrew/rpath libraries: …"
/// (macOS): whether anything beyond the OS's own libraries is needed; ""
/// for other targets.
pub fn platform_words(p: &Prediction) -> String {
    crate::predict::windows::platform_verdict(p)
        .map(|w| format!(" — {w}"))
        .unwrap_or_default()
}

/// "(libc.so.6, /lib64/ld-linux-x86-64.so.2)" or "".
pub fn libs(link: &Link) -> String {
    let mut parts = link.needed.clone();
    parts.extend(link.interpreter.clone());
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// "example.com/shop/cmd/api will be dynamically linked (libc.so.6, …)".
pub fn outcome(p: &Prediction) -> String {
    match p.link.result {
        Verdict::Dynamic => format!(
            "{} will be dynamically linked{}{}",
            p.import_path,
            libs(&p.link),
            platform_words(p)
        ),
        Verdict::Static => format!("{} will be statically linked", p.import_path),
        Verdict::Fails => format!(
            "{}: go build will fail: {}",
            p.import_path,
            p.link.error.as_deref().unwrap_or("")
        ),
        Verdict::Unknown => format!(
            "{}: linkage unknown: {}",
            p.import_path,
            p.link.error.as_deref().unwrap_or("")
        ),
    }
}

/// Message of the diagnostic on hop `i` of `cp`'s chain (the import spec in
/// package `chain[i]` that imports `chain[i+1]`).
pub fn hop_message(p: &Prediction, cp: &CgoPackage, i: usize) -> String {
    let next = cp
        .chain
        .get(i + 1)
        .map(String::as_str)
        .unwrap_or(&cp.import_path);
    if next == cp.import_path {
        format!("{next} uses cgo ({}): {}", cp.purpose, outcome(p))
    } else {
        format!(
            "{next} pulls in {}, which uses cgo here: {}",
            cp.import_path,
            outcome(p)
        )
    }
}

pub fn chain_text(cp: &CgoPackage) -> String {
    cp.chain.join(" → ")
}
