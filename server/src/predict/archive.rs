//! Static archives (`.a`) read with goblin: which member defines which
//! symbol (the archive index, what ld consults to pull members) and, per
//! ELF member, the global symbols it defines and the ones it leaves
//! undefined. Anything the engine cannot see through (thin archives, LTO
//! or bitcode members, members for another machine) is kept as a reason,
//! reported only if the link would pull that member.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Larger archives are not read (a prediction must stay interactive).
const MAX_ARCHIVE_BYTES: u64 = 512 * 1024 * 1024;

/// A non-weak undefined reference of a member, with the function that
/// makes it (ld's "in function `f'"), when a relocation shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub symbol: String,
    pub function: Option<String>,
}

/// What one member contributes once the linker pulls it in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Member {
    pub name: String,
    /// Global, weak and common symbols it defines.
    pub defines: Vec<String>,
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone, Default)]
pub struct Archive {
    /// Member names in archive order (the index refers to these).
    pub names: Vec<String>,
    /// Symbol → member, from the archive index; the first member wins, as in ld.
    pub index: HashMap<String, usize>,
    /// The symbols each member defines according to the index.
    pub index_symbols: Vec<Vec<String>>,
    /// Parsed members (same order as `names`), or why a member cannot be
    /// analysed. Empty when read with `members = false`.
    pub members: Vec<Result<Member, String>>,
    /// ld refuses a non-empty archive without an index ("archive has no
    /// index; run ranlib to add one").
    pub has_index: bool,
}

impl Archive {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Why an archive cannot be analysed at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Missing,
    Unreadable(String),
    TooLarge(u64),
    /// `!<thin>`: members live in other files.
    Thin,
    Malformed(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => write!(f, "no such file"),
            ReadError::Unreadable(e) => write!(f, "cannot read it: {e}"),
            ReadError::TooLarge(n) => write!(f, "it is too large to analyse ({n} bytes)"),
            ReadError::Thin => write!(f, "it is a thin archive (members are separate files)"),
            ReadError::Malformed(e) => write!(f, "it is not a readable ar archive: {e}"),
        }
    }
}

/// The ELF `e_machine` a Go target's objects carry.
pub fn elf_machine(goarch: &str) -> Option<u16> {
    use goblin::elf::header::*;
    Some(match goarch {
        "amd64" => EM_X86_64,
        "arm64" => EM_AARCH64,
        "386" => EM_386,
        "arm" => EM_ARM,
        "riscv64" => EM_RISCV,
        "ppc64le" | "ppc64" => EM_PPC64,
        "s390x" => EM_S390,
        "loong64" => 258, // EM_LOONGARCH
        "mips" | "mipsle" | "mips64" | "mips64le" => EM_MIPS,
        _ => return None,
    })
}

type Key = (PathBuf, bool, Option<u16>);
type Stamp = (u64, Option<SystemTime>);
type Cached = Result<Arc<Archive>, ReadError>;

static CACHE: Mutex<Option<HashMap<Key, (Stamp, Cached)>>> = Mutex::new(None);

/// Reads `path` (cached by size and mtime). With `members`, every member is
/// parsed for its symbols; without, only the index is read (enough for
/// system libraries whose own references are not followed).
pub fn read(path: &Path, members: bool, machine: Option<u16>) -> Result<Arc<Archive>, ReadError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReadError::Missing);
        }
        Err(e) => return Err(ReadError::Unreadable(e.to_string())),
    };
    let stamp = (meta.len(), meta.modified().ok());
    let key = (path.to_path_buf(), members, machine);
    if let Ok(guard) = CACHE.lock()
        && let Some((s, a)) = guard.as_ref().and_then(|m| m.get(&key))
        && *s == stamp
    {
        return a.clone();
    }
    let result = if meta.len() > MAX_ARCHIVE_BYTES {
        Err(ReadError::TooLarge(meta.len()))
    } else {
        match crate::regular::read_all(path) {
            Ok(bytes) => parse(&bytes, members, machine).map(Arc::new),
            Err(e) => Err(ReadError::Unreadable(e.to_string())),
        }
    };
    if let Ok(mut guard) = CACHE.lock() {
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() > 64 {
            map.clear();
        }
        map.insert(key, (stamp, result.clone()));
    }
    result
}

/// Parses archive bytes. Never panics: goblin runs under `catch_unwind`
/// because these bytes come from the workspace, not from us.
pub fn parse(bytes: &[u8], members: bool, machine: Option<u16>) -> Result<Archive, ReadError> {
    if bytes.starts_with(b"!<thin>\n") {
        return Err(ReadError::Thin);
    }
    std::panic::catch_unwind(|| parse_inner(bytes, members, machine))
        .unwrap_or_else(|_| Err(ReadError::Malformed("the parser gave up".into())))
}

fn parse_inner(bytes: &[u8], members: bool, machine: Option<u16>) -> Result<Archive, ReadError> {
    let ar =
        goblin::archive::Archive::parse(bytes).map_err(|e| ReadError::Malformed(e.to_string()))?;
    let mut out = Archive {
        // The first member header starts at byte 8; GNU names its index
        // "/", BSD "__.SYMDEF" (possibly as a long "#1/" name).
        has_index: bytes
            .get(8..24)
            .is_some_and(|n| n.starts_with(b"/ ") || n.starts_with(b"/SYM64/"))
            || bytes
                .get(8..80)
                .is_some_and(|h| h.windows(9).any(|w| w == b"__.SYMDEF")),
        ..Archive::default()
    };
    let summary = ar.summarize();
    for (i, (name, member, symbols)) in summary.iter().enumerate() {
        out.names.push(name.to_string());
        out.index_symbols
            .push(symbols.iter().map(|s| s.to_string()).collect());
        for s in symbols {
            out.index.entry(s.to_string()).or_insert(i);
        }
        if members {
            let data = usize::try_from(member.offset)
                .ok()
                .and_then(|start| bytes.get(start..start.checked_add(member.size())?));
            out.members.push(match data {
                Some(d) => parse_member(name, d, machine),
                None => Err(format!("member {name} runs past the end of the file")),
            });
        }
    }
    Ok(out)
}

/// Symbols of one relocatable ELF member.
pub fn parse_member(name: &str, data: &[u8], machine: Option<u16>) -> Result<Member, String> {
    use goblin::elf::section_header::SHN_COMMON;
    use goblin::elf::sym::{STB_GLOBAL, STB_GNU_UNIQUE, STB_WEAK, STT_FUNC};
    if data.starts_with(b"BC\xC0\xDE") || data.starts_with(b"\xDE\xC0\x17\x0B") {
        return Err(format!("member {name} is LLVM bitcode (LTO)"));
    }
    if !data.starts_with(b"\x7fELF") {
        return Err(format!("member {name} is not an ELF object"));
    }
    let elf = goblin::elf::Elf::parse(data).map_err(|e| format!("member {name}: {e}"))?;
    if let Some(m) = machine
        && elf.header.e_machine != m
    {
        return Err(format!(
            "member {name} is for another machine (ELF machine {})",
            elf.header.e_machine
        ));
    }
    let lto = elf.section_headers.iter().any(|sh| {
        elf.shdr_strtab
            .get_at(sh.sh_name)
            .is_some_and(|n| n.starts_with(".gnu.lto_") || n.starts_with(".llvm.lto"))
    });
    if lto {
        return Err(format!(
            "member {name} holds LTO intermediate code (its real symbols appear only at link time)"
        ));
    }
    let mut m = Member {
        name: name.to_string(),
        ..Member::default()
    };
    let mut undefined_at: Vec<(usize, usize)> = Vec::new(); // (symbol index, position in references)
    for (i, sym) in elf.syms.iter().enumerate() {
        let Some(sname) = elf.strtab.get_at(sym.st_name).filter(|s| !s.is_empty()) else {
            continue;
        };
        let bind = sym.st_bind();
        if sym.st_shndx == 0 {
            // Weak undefined references neither pull members nor fail.
            if bind == STB_GLOBAL {
                undefined_at.push((i, m.references.len()));
                m.references.push(Reference {
                    symbol: sname.to_string(),
                    function: None,
                });
            }
        } else if matches!(bind, STB_GLOBAL | STB_WEAK | STB_GNU_UNIQUE)
            || sym.st_shndx == SHN_COMMON as usize
        {
            m.defines.push(sname.to_string());
        }
    }
    if undefined_at.is_empty() {
        return Ok(m);
    }
    // The function holding the first relocation against each undefined symbol.
    let funcs: Vec<(usize, u64, u64, &str)> = elf
        .syms
        .iter()
        .filter(|s| s.st_type() == STT_FUNC && s.st_shndx != 0)
        .filter_map(|s| {
            Some((
                s.st_shndx,
                s.st_value,
                s.st_size,
                elf.strtab.get_at(s.st_name)?,
            ))
        })
        .collect();
    let wanted: HashMap<usize, usize> = undefined_at.into_iter().collect();
    for (reloc_shndx, relocs) in &elf.shdr_relocs {
        let Some(target) = elf
            .section_headers
            .get(*reloc_shndx)
            .map(|sh| sh.sh_info as usize)
        else {
            continue;
        };
        for r in relocs.iter() {
            let Some(&pos) = wanted.get(&r.r_sym) else {
                continue;
            };
            if m.references[pos].function.is_some() {
                continue;
            }
            m.references[pos].function = funcs
                .iter()
                .find(|(sh, start, size, _)| {
                    *sh == target
                        && r.r_offset >= *start
                        && r.r_offset < start.saturating_add(*size)
                })
                .map(|(_, _, _, n)| n.to_string());
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "real-toolchain")]
    use std::process::Command;

    /// Compiles each `(name, source)` with gcc and archives the objects with
    /// `ar rcs` (or `flags` instead of `rcs`); fails when gcc or ar is missing.
    #[cfg(feature = "real-toolchain")]
    fn build(dir: &Path, sources: &[(&str, &str)], ar_flags: &str) -> PathBuf {
        let mut objs = Vec::new();
        for (name, src) in sources {
            let c = dir.join(format!("{name}.c"));
            std::fs::write(&c, src).unwrap();
            let o = dir.join(format!("{name}.o"));
            let ok = Command::new("gcc")
                .args(["-c", "-O2", "-o"])
                .arg(&o)
                .arg(&c)
                .status()
                .expect("gcc (apt-get install -y gcc)")
                .success();
            assert!(ok, "gcc failed on {name}");
            objs.push(o);
        }
        let a = dir.join("libt.a");
        let ok = Command::new("ar")
            .arg(ar_flags)
            .arg(&a)
            .args(&objs)
            .status()
            .expect("ar (apt-get install -y binutils)")
            .success();
        assert!(ok, "ar failed");
        a
    }

    #[cfg(feature = "real-toolchain")]
    fn host_machine() -> Option<u16> {
        elf_machine(match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        })
    }

    #[test]
    #[cfg(feature = "real-toolchain")] // runs gcc and ar
    fn reads_index_members_and_functions() {
        let dir = tempfile::tempdir().unwrap();
        let a = build(
            dir.path(),
            &[
                (
                    "root",
                    "#include <math.h>\ndouble my_root(double x) { return sqrt(x) + helper(); }\nint helper(void);\n",
                ),
                (
                    "helper",
                    "int helper(void) { return 1; }\nint counter;\nstatic int hidden(void) { return 2; }\nint use_hidden(void) { return hidden(); }\n",
                ),
                (
                    "weakref",
                    "extern void maybe(void) __attribute__((weak));\nvoid call_maybe(void) { if (maybe) maybe(); }\n",
                ),
            ],
            "rcs",
        );
        let ar = read(&a, true, host_machine()).expect("archive parses");
        assert!(ar.has_index);
        assert_eq!(ar.names, ["root.o", "helper.o", "weakref.o"]);
        assert_eq!(ar.index.get("my_root"), Some(&0));
        assert_eq!(ar.index.get("helper"), Some(&1));
        assert_eq!(ar.index.get("counter"), Some(&1));
        assert!(!ar.index.contains_key("hidden"));
        let root = ar.members[0].as_ref().unwrap();
        let sqrt = root
            .references
            .iter()
            .find(|r| r.symbol == "sqrt")
            .expect("sqrt is undefined in root.o");
        assert_eq!(sqrt.function.as_deref(), Some("my_root"));
        assert!(root.references.iter().any(|r| r.symbol == "helper"));
        let helper = ar.members[1].as_ref().unwrap();
        assert!(helper.defines.contains(&"counter".to_string()));
        assert!(!helper.defines.contains(&"hidden".to_string()));
        // A weak undefined reference is not a reference that can fail.
        let weak = ar.members[2].as_ref().unwrap();
        assert!(!weak.references.iter().any(|r| r.symbol == "maybe"));
        // Index-only reads skip the members.
        let idx = read(&a, false, None).unwrap();
        assert!(idx.members.is_empty() && idx.index.contains_key("my_root"));
    }

    #[test]
    #[cfg(feature = "real-toolchain")] // runs gcc and ar
    fn archive_without_index_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let a = build(
            dir.path(),
            &[("x", "int x_fn(void) { return 0; }\n")],
            "rcS",
        );
        let ar = read(&a, true, None).unwrap();
        assert!(!ar.has_index);
        assert_eq!(
            ar.members[0].as_ref().unwrap().defines,
            vec!["x_fn".to_string()]
        );
    }

    #[test]
    fn empty_archive_has_no_members() {
        let ar = parse(b"!<arch>\n", true, None).unwrap();
        assert!(ar.is_empty());
    }

    #[test]
    #[cfg(feature = "real-toolchain")] // runs gcc and ar
    fn non_elf_and_foreign_members_are_reasons_not_errors() {
        let dir = tempfile::tempdir().unwrap();
        let _ = build(
            dir.path(),
            &[("ok", "int ok_fn(void) { return 0; }\n")],
            "rcs",
        );
        let note = dir.path().join("note.txt");
        std::fs::write(&note, "not an object\n").unwrap();
        let bc = dir.path().join("bc.o");
        std::fs::write(&bc, b"BC\xC0\xDE rest").unwrap();
        let a = dir.path().join("libmixed.a");
        let ok = Command::new("ar")
            .arg("rcs")
            .arg(&a)
            .arg(dir.path().join("ok.o"))
            .arg(&note)
            .arg(&bc)
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let ar = read(&a, true, host_machine()).unwrap();
        assert!(ar.members[0].is_ok());
        assert!(ar.members[1].as_ref().unwrap_err().contains("not an ELF"));
        assert!(ar.members[2].as_ref().unwrap_err().contains("bitcode"));
        // The same object read as if the target were another machine.
        let other = if host_machine() == Some(goblin::elf::header::EM_AARCH64) {
            "amd64"
        } else {
            "arm64"
        };
        let ar = parse(
            &crate::regular::read_all(&a).unwrap(),
            true,
            elf_machine(other),
        )
        .unwrap();
        assert!(
            ar.members[0]
                .as_ref()
                .unwrap_err()
                .contains("another machine")
        );
    }

    #[test]
    #[cfg(feature = "real-toolchain")] // runs gcc and ar
    fn lto_members_are_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("l.c");
        std::fs::write(&c, "int l_fn(int x) { return x + 1; }\n").unwrap();
        let o = dir.path().join("l.o");
        let st = Command::new("gcc")
            .args(["-c", "-O2", "-flto", "-o"])
            .arg(&o)
            .arg(&c)
            .status()
            .expect("gcc (apt-get install -y gcc)");
        assert!(st.success());
        let m = parse_member("l.o", &crate::regular::read_all(&o).unwrap(), None);
        assert!(m.unwrap_err().contains("LTO"));
    }

    #[test]
    #[cfg(feature = "real-toolchain")] // runs gcc and ar
    fn garbage_never_panics() {
        let dir = tempfile::tempdir().unwrap();
        let a = build(
            dir.path(),
            &[(
                "g",
                "double g_fn(double x) { return x * 2; }\nint g_var = 3;\n",
            )],
            "rcs",
        );
        let good = crate::regular::read_all(&a).unwrap();
        // Every truncation of a real archive, and bytes flipped throughout it.
        for n in 0..good.len() {
            let _ = parse(&good[..n], true, None);
        }
        for i in (8..good.len()).step_by(7) {
            let mut bad = good.clone();
            bad[i] ^= 0xA5;
            let _ = parse(&bad, true, None);
            let mut shifted = good.clone();
            shifted[i] = b'9';
            let _ = parse(&shifted, true, None);
        }
        for junk in [
            &b""[..],
            b"!<arch>",
            b"!<arch>\n/               0           0     0     0       99999999  `\n",
            b"!<arch>\nshort",
            b"!<thin>\n",
            b"\x7fELF\x02\x01\x01",
            b"not an archive at all",
        ] {
            let _ = parse(junk, true, None);
        }
        assert_eq!(
            parse(b"!<thin>\n", true, None).unwrap_err(),
            ReadError::Thin
        );
        assert!(matches!(
            parse(b"plain text", true, None),
            Err(ReadError::Malformed(_))
        ));
        for n in 0..64 {
            let _ = parse_member("m.o", &good[8 + 60..(8 + 60 + n).min(good.len())], None);
        }
        assert_eq!(
            read(&dir.path().join("absent.a"), true, None).unwrap_err(),
            ReadError::Missing
        );
    }
}
