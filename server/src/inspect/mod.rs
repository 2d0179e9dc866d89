//! What a built binary really is, read with goblin without running it: format,
//! machine, ELF type, interpreter, DT_NEEDED, static / static-pie / dynamic,
//! glibc floor, and Go build info from `.go.buildinfo`.
//!
//! Every reader here is written for hostile input: offsets and counts taken
//! from the file are bounds-checked before use, and goblin errors become an
//! [`InspectError`] instead of a panic.

pub mod against;
mod buildinfo;
mod elf;
mod macho;
mod pe;
mod render;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::Serialize;

pub use buildinfo::parse_build_info;
pub use render::render_human;

/// Refuse files larger than this: real executables are far smaller, and the
/// whole file is read into memory.
pub const MAX_FILE_SIZE: u64 = 2 << 30;

/// Container format of an executable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Elf,
    Macho,
    Pe,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Elf => "ELF",
            Format::Macho => "Mach-O",
            Format::Pe => "PE",
        })
    }
}

/// How the binary gets loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Linking {
    /// No program interpreter and no shared-library dependencies.
    Static,
    /// Position independent (ET_DYN) but self-relocating: no interpreter, no
    /// DT_NEEDED (e.g. gcc `-static-pie`).
    StaticPie,
    /// Needs a loader (PT_INTERP) or shared libraries (DT_NEEDED / dylibs / DLLs).
    Dynamic,
}

impl fmt::Display for Linking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Linking::Static => "static",
            Linking::StaticPie => "static-pie",
            Linking::Dynamic => "dynamic",
        })
    }
}

/// Everything linklens reads from a built binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BinaryInfo {
    /// Set by [`inspect_path`]; empty for [`inspect_bytes`].
    pub path: String,
    pub format: Format,
    /// "ELF64"/"ELF32"; "PE32+"/"PE32"; "MACHO64"/"MACHO32".
    pub class: Option<String>,
    /// Normalised architecture name: "x86-64", "aarch64", "i386", "arm", ...
    pub machine: String,
    /// ELF: "EXEC", "DYN", "REL", "CORE"; Mach-O: "EXECUTE", "DYLIB", ...;
    /// PE: "EXE" or "DLL".
    pub file_type: String,
    pub linking: Linking,
    /// ELF PT_INTERP or Mach-O LC_LOAD_DYLINKER.
    pub interpreter: Option<String>,
    /// ELF DT_NEEDED, Mach-O LC_LOAD_DYLIB (and weak/reexport variants), PE imported DLLs.
    pub needed: Vec<String>,
    /// ELF DT_RPATH; Mach-O LC_RPATH.
    pub rpath: Vec<String>,
    /// ELF DT_RUNPATH.
    pub runpath: Vec<String>,
    /// Highest `GLIBC_x.y[.z]` version needed (from `.gnu.version_r`).
    pub glibc_floor: Option<String>,
    pub go: Option<GoBuildInfo>,
}

/// Go build information, as `go version -m` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GoBuildInfo {
    /// Toolchain version, e.g. "go1.26.8".
    pub version: String,
    /// Main package path (`path` line).
    pub path: String,
    /// Main module (`mod` line); `None` for non-module builds.
    pub main_module: Option<Module>,
    /// `dep` lines, each with its `=>` replacement if any.
    pub deps: Vec<Module>,
    /// `build` lines, keys exactly as Go writes them ("-ldflags", "CGO_ENABLED", "vcs.revision", ...).
    pub settings: BTreeMap<String, String>,
}

/// One module line of the build info.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Module {
    pub path: String,
    pub version: String,
    /// go.sum hash ("h1:..."); empty when Go recorded none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sum: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace: Option<Box<Module>>,
}

/// Why a file could not be inspected.
#[derive(Debug)]
pub enum InspectError {
    /// The magic number is not one of ELF, Mach-O (thin or universal) or PE.
    NotABinary,
    /// The file is shorter than its own headers say.
    Truncated { format: Format, detail: String },
    /// The headers are inconsistent or unsupported.
    Malformed { format: Format, detail: String },
    /// The file could not be opened or read.
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    /// The file exceeds [`MAX_FILE_SIZE`].
    TooLarge { path: String, size: u64, limit: u64 },
}

impl fmt::Display for InspectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InspectError::NotABinary => f.write_str("not an ELF, Mach-O or PE file"),
            InspectError::Truncated { format, detail } => {
                write!(f, "truncated {format} file: {detail}")
            }
            InspectError::Malformed { format, detail } => {
                write!(f, "malformed {format} file: {detail}")
            }
            InspectError::Unreadable { path, source } => write!(f, "cannot read {path}: {source}"),
            InspectError::TooLarge { path, size, limit } => write!(
                f,
                "{path} is too large to inspect ({size} bytes; limit is {limit} bytes)"
            ),
        }
    }
}

impl std::error::Error for InspectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InspectError::Unreadable { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Map a goblin error to ours: scroll range errors and goblin's own
/// "buffer too short" mean the file ends before its headers say it should.
fn goblin_error(format: Format, err: goblin::error::Error) -> InspectError {
    use goblin::error::Error as G;
    // goblin does not re-export scroll; its errors here are reads past the end.
    let truncated = matches!(err, G::BufferTooShort(..) | G::Scroll(_));
    let detail = err.to_string();
    if truncated {
        InspectError::Truncated { format, detail }
    } else {
        InspectError::Malformed { format, detail }
    }
}

/// Read and inspect the file at `path` (refusing files over [`MAX_FILE_SIZE`]).
pub fn inspect_path(path: &Path) -> Result<BinaryInfo, InspectError> {
    let shown = path.display().to_string();
    let unreadable = |source| InspectError::Unreadable {
        path: shown.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if meta.is_dir() {
        return Err(unreadable(std::io::Error::other("is a directory")));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(InspectError::TooLarge {
            path: shown,
            size: meta.len(),
            limit: MAX_FILE_SIZE,
        });
    }
    // Bounded read: the file may grow between metadata() and read().
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(InspectError::TooLarge {
            path: shown,
            size: bytes.len() as u64,
            limit: MAX_FILE_SIZE,
        });
    }
    let mut info = inspect_bytes(&bytes)?;
    info.path = shown;
    Ok(info)
}

/// Inspect an in-memory executable image.
pub fn inspect_bytes(bytes: &[u8]) -> Result<BinaryInfo, InspectError> {
    match detect(bytes) {
        Some(Format::Elf) => elf::inspect(bytes),
        Some(Format::Macho) => macho::inspect(bytes),
        Some(Format::Pe) => pe::inspect(bytes),
        None => Err(InspectError::NotABinary),
    }
}

/// Identify the container by its magic number (same prefixes as Go's debug/buildinfo).
fn detect(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"\x7fELF") {
        Some(Format::Elf)
    } else if bytes.starts_with(b"MZ") {
        Some(Format::Pe)
    } else if bytes.starts_with(b"\xfe\xed\xfa")
        || bytes
            .get(1..)
            .is_some_and(|b| b.starts_with(b"\xfa\xed\xfe"))
        || bytes.starts_with(b"\xca\xfe\xba\xbe")
        || bytes.starts_with(b"\xca\xfe\xba\xbf")
    {
        Some(Format::Macho)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
