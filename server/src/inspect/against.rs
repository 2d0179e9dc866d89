//! Holding a prediction against a built binary: the build settings a
//! binary records, turned back into an environment and go flags, and the
//! differences between a predicted link and the binary's real one. Shared
//! by `check --against` and the language server's "last build" checks.

/// The environment and go build flags a binary's build info records, on
/// top of `base`; the notes say what had to be assumed (CC is not recorded).
pub fn settings_to_build(
    base: &crate::buildcfg::Environ,
    info: &crate::inspect::BinaryInfo,
) -> (crate::buildcfg::Environ, Vec<String>, Vec<String>) {
    let mut env = base.clone();
    let mut args = Vec::new();
    let mut notes = Vec::new();
    let Some(go) = &info.go else {
        return (env, args, notes);
    };
    for (k, v) in &go.settings {
        match k.as_str() {
            "CGO_ENABLED" | "GOOS" | "GOARCH" | "GOAMD64" | "GOARM" | "GOARM64" | "GO386"
            | "GOEXPERIMENT" | "CGO_CFLAGS" | "CGO_CPPFLAGS" | "CGO_CXXFLAGS" | "CGO_LDFLAGS" => {
                env.insert(k.clone(), v.clone());
            }
            "-tags" => args.push(format!("-tags={v}")),
            "-ldflags" => args.push(format!("-ldflags={v}")),
            "-buildmode" if v != "exe" => args.push(format!("-buildmode={v}")),
            "-race" | "-msan" | "-asan" | "-trimpath" if v == "true" => args.push(k.clone()),
            _ => {}
        }
    }
    // CC is not recorded; a musl loader or libc.so in the binary says musl-gcc built it.
    let musl = info
        .interpreter
        .as_deref()
        .is_some_and(|i| i.contains("musl"))
        || info.needed.iter().any(|n| n == "libc.so");
    // A Windows cgo binary was linked by MinGW-w64 (linklens models no other
    // Windows C toolchain): the target's gcc, unless CC already names one.
    let windows_cgo = info.format == crate::inspect::Format::Pe
        && go.settings.get("CGO_ENABLED").map(String::as_str) == Some("1");
    if windows_cgo && base.get("CC").is_none_or(|c| !c.contains("mingw32")) {
        let arch = match go.settings.get("GOARCH").map(String::as_str) {
            Some("386") => "i686",
            Some("arm64") => "aarch64",
            _ => "x86_64",
        };
        let cc = format!("{arch}-w64-mingw32-gcc");
        notes.push(format!(
            "CC is not recorded in build info; the binary is a Windows cgo build, so CC={cc} (MinGW-w64) is assumed"
        ));
        env.insert("CC".into(), cc);
    } else if musl && base.get("CC").is_none_or(|c| !c.contains("musl")) {
        env.insert("CC".into(), "musl-gcc".into());
        notes.push(
            "CC is not recorded in build info; the binary links musl, so CC=musl-gcc is assumed"
                .into(),
        );
    } else {
        notes.push(format!(
            "CC is not recorded in build info; using {}",
            base.get("CC").map(String::as_str).unwrap_or("the default")
        ));
    }
    (env, args, notes)
}

/// What differs between the predicted link and the binary; empty when they
/// agree.
pub fn compare(link: &crate::predict::Link, info: &crate::inspect::BinaryInfo) -> Vec<String> {
    use crate::inspect::Linking;
    use crate::predict::Verdict;
    let mut d = Vec::new();
    let actual_static = matches!(info.linking, Linking::Static | Linking::StaticPie);
    match link.result {
        Verdict::Static if !actual_static => {
            d.push(format!("predicted static, the binary is {}", info.linking))
        }
        Verdict::Dynamic if actual_static => {
            d.push(format!("predicted dynamic, the binary is {}", info.linking))
        }
        Verdict::Fails | Verdict::Unknown => d.push(format!(
            "predicted {} ({}), but a binary exists",
            link.result.as_str(),
            link.error.as_deref().unwrap_or("")
        )),
        _ => {}
    }
    // Plain words, not Rust debug syntax: these end up in editor messages.
    let or_none = |v: Option<&String>| v.cloned().unwrap_or_else(|| "none".into());
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    if link.interpreter != info.interpreter {
        d.push(format!(
            "interpreter: predicted {}, binary {}",
            or_none(link.interpreter.as_ref()),
            or_none(info.interpreter.as_ref())
        ));
    }
    // PE import tables name DLLs in the case their import library wrote
    // (KERNEL32.dll from MinGW, kernel32.dll from Go's own directives); the
    // Windows loader ignores case, so compare without it there.
    let pe = info.format == crate::inspect::Format::Pe;
    let norm = |v: &[String]| -> Vec<String> {
        let mut v: Vec<String> = v
            .iter()
            .map(|s| {
                if pe {
                    s.to_ascii_lowercase()
                } else {
                    s.clone()
                }
            })
            .collect();
        v.sort();
        v
    };
    let (a, b) = (norm(&link.needed), norm(&info.needed));
    if a != b {
        d.push(format!(
            "{}: predicted {}, binary {}",
            match info.format {
                crate::inspect::Format::Elf => "DT_NEEDED",
                crate::inspect::Format::Pe => "imported DLLs",
                crate::inspect::Format::Macho => "dylibs",
            },
            list(&a),
            list(&b)
        ));
    }
    // The floor only where the prediction knows it (a dynamic glibc link
    // whose libc could be read).
    if link.glibc_floor.is_some() && link.glibc_floor != info.glibc_floor {
        d.push(format!(
            "glibc floor: predicted {}, binary {}",
            or_none(link.glibc_floor.as_ref()),
            or_none(info.glibc_floor.as_ref())
        ));
    }
    // PIE is an ELF type here; PE and Mach-O record it in flags not compared.
    if info.format == crate::inspect::Format::Elf && link.pie != (info.file_type == "DYN") {
        d.push(format!(
            "ELF type: predicted {}, binary {}",
            if link.pie { "DYN" } else { "EXEC" },
            info.file_type
        ));
    }
    d
}
