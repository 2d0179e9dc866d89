//! Human-readable summary for `linklens inspect`.

use std::fmt::Write;

use super::{BinaryInfo, Format, Linking};

/// Concise multi-line description: what the binary is, how it is linked and
/// why, and the Go build settings that matter for linking.
pub fn render_human(info: &BinaryInfo) -> String {
    let mut out = String::new();
    let name = if info.path.is_empty() {
        "<bytes>"
    } else {
        &info.path
    };
    let class = info.class.as_deref().unwrap_or(match info.format {
        Format::Elf => "ELF",
        Format::Macho => "Mach-O",
        Format::Pe => "PE",
    });
    let _ = writeln!(
        out,
        "{name}: {class} {} {}, {}",
        info.machine, info.file_type, info.linking
    );
    let _ = writeln!(out, "  why:         {}", reason(info));
    if let Some(interp) = &info.interpreter {
        let _ = writeln!(out, "  interpreter: {interp}");
    }
    if !info.needed.is_empty() {
        let _ = writeln!(out, "  needed:      {}", info.needed.join(", "));
    }
    if !info.rpath.is_empty() {
        let _ = writeln!(out, "  rpath:       {}", info.rpath.join(":"));
    }
    if !info.runpath.is_empty() {
        let _ = writeln!(out, "  runpath:     {}", info.runpath.join(":"));
    }
    if let Some(floor) = &info.glibc_floor {
        let _ = writeln!(out, "  glibc floor: {floor}");
    }
    match &info.go {
        None => {
            let _ = writeln!(out, "  go:          no Go build info");
        }
        Some(go) => {
            let _ = write!(out, "  go:          {}", go.version);
            if !go.path.is_empty() {
                let _ = write!(out, ", {}", go.path);
            }
            if let Some(m) = &go.main_module {
                let _ = write!(out, " (module {} {})", m.path, m.version);
            }
            out.push('\n');
            if !go.deps.is_empty() {
                let _ = writeln!(out, "  deps:        {}", go.deps.len());
            }
            // Link-relevant settings first, in a fixed order; the rest follow.
            const KEY_ORDER: [&str; 7] = [
                "-buildmode",
                "-ldflags",
                "-tags",
                "CGO_ENABLED",
                "GOOS",
                "GOARCH",
                "CGO_LDFLAGS",
            ];
            for key in KEY_ORDER {
                if let Some(v) = go.settings.get(key) {
                    let _ = writeln!(out, "  {:<12} {}", format!("{key}:"), show(v));
                }
            }
            // Empty values (CGO_CFLAGS= ...) say nothing; DefaultGODEBUG is a
            // long list irrelevant to linking, so only its size is shown.
            let others: Vec<String> = go
                .settings
                .iter()
                .filter(|(k, v)| !KEY_ORDER.contains(&k.as_str()) && !v.is_empty())
                .map(|(k, v)| match k.as_str() {
                    "DefaultGODEBUG" => format!("{k}=<{} entries>", v.split(',').count()),
                    _ => format!("{k}={}", show(v)),
                })
                .collect();
            if !others.is_empty() {
                let _ = writeln!(out, "  other:       {}", others.join(" "));
            }
        }
    }
    out
}

/// Empty values are easy to miss in plain text.
fn show(v: &str) -> String {
    if v.is_empty() {
        "\"\"".to_string()
    } else if v.contains(char::is_whitespace) {
        format!("{v:?}")
    } else {
        v.to_string()
    }
}

fn reason(info: &BinaryInfo) -> String {
    match (info.format, info.linking) {
        (Format::Macho, _) => "Mach-O executables always load libSystem through dyld".into(),
        (Format::Pe, Linking::Dynamic) => "imports DLLs".into(),
        (Format::Pe, _) => "no imported DLLs".into(),
        (Format::Elf, Linking::Static) => "no PT_INTERP and no DT_NEEDED".into(),
        (Format::Elf, Linking::StaticPie) => {
            "position-independent (ET_DYN) but no PT_INTERP and no DT_NEEDED: self-relocating"
                .into()
        }
        (Format::Elf, Linking::Dynamic) => {
            let mut parts = Vec::new();
            if info.interpreter.is_some() {
                parts.push("has PT_INTERP (needs the dynamic loader)");
            }
            if !info.needed.is_empty() {
                parts.push("has DT_NEEDED shared libraries");
            }
            if info.needed.is_empty() && info.file_type == "DYN" {
                parts.push("a PIE with no libraries still needs the loader to relocate it");
            }
            parts.join("; ")
        }
    }
}
