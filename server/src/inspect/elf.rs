//! ELF: type, machine, PT_INTERP, DT_NEEDED/RPATH/RUNPATH, glibc floor, and
//! the address map for `.go.buildinfo`.

use goblin::container::{Container, Ctx};
use goblin::elf::Elf;
use goblin::elf::header::{self, Header};
use goblin::elf::program_header::{PF_W, PF_X, PT_INTERP, PT_LOAD, ProgramHeader};
use goblin::elf::section_header::{SHN_XINDEX, SectionHeader};

use super::buildinfo::{AddrSpace, DataRange, Region, read_build_info};
use super::{BinaryInfo, Format, InspectError, Linking, goblin_error};

/// How many verneed/vernaux entries we walk at most: real binaries have a
/// handful; a hostile count must not make us spin.
const MAX_VERSION_ENTRIES: usize = 4096;

fn truncated(detail: String) -> InspectError {
    InspectError::Truncated {
        format: Format::Elf,
        detail,
    }
}

fn malformed(detail: impl Into<String>) -> InspectError {
    InspectError::Malformed {
        format: Format::Elf,
        detail: detail.into(),
    }
}

/// Header, context and program headers, with a precise "truncated" message
/// when the file ends before the tables or loadable contents it declares.
fn headers(bytes: &[u8]) -> Result<(Header, Ctx, Vec<ProgramHeader>), InspectError> {
    let ident_class = bytes.get(header::EI_CLASS).copied();
    let min = match ident_class {
        Some(header::ELFCLASS64) => header::header64::SIZEOF_EHDR,
        Some(header::ELFCLASS32) => header::header32::SIZEOF_EHDR,
        Some(c) => return Err(malformed(format!("unknown ELF class {c}"))),
        None => return Err(truncated("file ends inside the ELF identification".into())),
    };
    if bytes.len() < min {
        return Err(truncated(format!(
            "{} bytes, but the ELF header alone is {min}",
            bytes.len()
        )));
    }
    let hdr = Elf::parse_header(bytes).map_err(|e| goblin_error(Format::Elf, e))?;
    let container = hdr.container().map_err(|e| goblin_error(Format::Elf, e))?;
    let endian = hdr.endianness().map_err(|e| goblin_error(Format::Elf, e))?;
    let ctx = Ctx::new(container, endian);
    let len = bytes.len() as u64;

    let table_end = |off: u64, num: u64, entsize: u64| {
        num.checked_mul(entsize)
            .and_then(|n| n.checked_add(off))
            .ok_or_else(|| malformed("header table offset/size overflows"))
    };
    let phent = ProgramHeader::size(ctx) as u64;
    if hdr.e_phnum > 0 {
        if u64::from(hdr.e_phentsize) != phent {
            return Err(malformed(format!(
                "e_phentsize {} (expected {phent})",
                hdr.e_phentsize
            )));
        }
        let end = table_end(hdr.e_phoff, u64::from(hdr.e_phnum), phent)?;
        if end > len {
            return Err(truncated(format!(
                "program headers end at byte {end}, file has {len}"
            )));
        }
    }
    if hdr.e_shoff != 0 && hdr.e_shnum > 0 {
        let end = table_end(
            hdr.e_shoff,
            u64::from(hdr.e_shnum),
            u64::from(hdr.e_shentsize),
        )?;
        if end > len {
            return Err(truncated(format!(
                "section headers end at byte {end}, file has {len}"
            )));
        }
    }
    let phdrs = ProgramHeader::parse(bytes, hdr.e_phoff as usize, hdr.e_phnum as usize, ctx)
        .map_err(|e| goblin_error(Format::Elf, e))?;
    for ph in phdrs.iter().filter(|p| p.p_type == PT_LOAD) {
        let end = ph
            .p_offset
            .checked_add(ph.p_filesz)
            .ok_or_else(|| malformed("PT_LOAD offset/size overflows"))?;
        if end > len {
            return Err(truncated(format!(
                "a PT_LOAD segment ends at byte {end}, file has {len}"
            )));
        }
    }
    Ok((hdr, ctx, phdrs))
}

pub(crate) fn inspect(bytes: &[u8]) -> Result<BinaryInfo, InspectError> {
    // Our own checks first: they give clear messages and keep goblin away
    // from the grossest inconsistencies.
    let (hdr, ctx, phdrs) = headers(bytes)?;
    let elf = Elf::parse(bytes).map_err(|e| goblin_error(Format::Elf, e))?;

    // Read PT_INTERP ourselves: goblin drops an interpreter that is not valid
    // UTF-8, but the segment's mere presence means a loader is required.
    let interp_ph = phdrs.iter().find(|p| p.p_type == PT_INTERP);
    let interpreter = interp_ph.map(|ph| {
        let start = usize::try_from(ph.p_offset).unwrap_or(usize::MAX);
        let len = usize::try_from(ph.p_filesz).unwrap_or(usize::MAX);
        let raw = bytes
            .get(start..)
            .map(|b| &b[..b.len().min(len)])
            .unwrap_or_default();
        let raw = raw.split(|&b| b == 0).next().unwrap_or_default();
        String::from_utf8_lossy(raw).into_owned()
    });

    let needed: Vec<String> = elf.libraries.iter().map(|s| s.to_string()).collect();
    let is_dyn = hdr.e_type == header::ET_DYN;
    let linking = if interpreter.is_some() || !needed.is_empty() {
        // Includes Go's internally linked PIE: ET_DYN + PT_INTERP and no
        // DT_NEEDED. It cannot start without the loader, so it is dynamic.
        Linking::Dynamic
    } else if is_dyn {
        // Self-relocating ET_DYN without loader: gcc -static-pie (and, e.g., ld.so itself).
        Linking::StaticPie
    } else {
        Linking::Static
    };

    let glibc_floor = glibc_floor(&elf);
    let go = go_space_from(bytes, &hdr, ctx, &phdrs)
        .and_then(|(space, range)| read_build_info(&space, range?, true));

    Ok(BinaryInfo {
        path: String::new(),
        format: Format::Elf,
        class: Some(
            match ctx.container {
                Container::Big => "ELF64",
                Container::Little => "ELF32",
            }
            .to_string(),
        ),
        machine: machine_name(hdr.e_machine),
        file_type: file_type(hdr.e_type),
        linking,
        interpreter,
        needed,
        rpath: elf.rpaths.iter().map(|s| s.to_string()).collect(),
        runpath: elf.runpaths.iter().map(|s| s.to_string()).collect(),
        glibc_floor,
        go,
    })
}

/// Highest `GLIBC_x.y[.z]` among the version needs (ignores GLIBC_PRIVATE etc.).
fn glibc_floor(elf: &Elf<'_>) -> Option<String> {
    let verneed = elf.verneed.as_ref()?;
    let mut best: Option<(Vec<u32>, &str)> = None;
    for need in verneed.iter().take(MAX_VERSION_ENTRIES) {
        for aux in need.iter().take(MAX_VERSION_ENTRIES) {
            let Some(name) = elf.dynstrtab.get_at(aux.vna_name) else {
                continue;
            };
            let Some(version) = parse_glibc_version(name) else {
                continue;
            };
            if best.as_ref().is_none_or(|(v, _)| version > *v) {
                best = Some((version, name));
            }
        }
    }
    best.map(|(_, name)| name.to_string())
}

/// "GLIBC_2.34" -> [2, 34]; `None` for anything not purely numeric.
fn parse_glibc_version(name: &str) -> Option<Vec<u32>> {
    let rest = name.strip_prefix("GLIBC_")?;
    rest.split('.').map(|p| p.parse::<u32>().ok()).collect()
}

/// Lightweight parse for build info only (no symbol or dynamic tables), so
/// [`super::parse_build_info`] works even where the full parse would fail.
pub(crate) fn go_space(bytes: &[u8]) -> Option<(AddrSpace<'_>, Option<DataRange>)> {
    let hdr = Elf::parse_header(bytes).ok()?;
    let ctx = Ctx::new(hdr.container().ok()?, hdr.endianness().ok()?);
    let phdrs = ProgramHeader::parse(bytes, hdr.e_phoff as usize, hdr.e_phnum as usize, ctx)
        .unwrap_or_default();
    go_space_from(bytes, &hdr, ctx, &phdrs)
}

fn go_space_from<'a>(
    bytes: &'a [u8],
    hdr: &Header,
    ctx: Ctx,
    phdrs: &[ProgramHeader],
) -> Option<(AddrSpace<'a>, Option<DataRange>)> {
    let mut regions: Vec<Region> = phdrs
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .map(|p| Region {
            vaddr: p.p_vaddr,
            offset: p.p_offset,
            size: p.p_filesz,
        })
        .collect();

    // Like debug/buildinfo: the `.go.buildinfo` section if present, else the
    // first writable, non-executable PT_LOAD.
    let section = buildinfo_section(bytes, hdr, ctx);
    let mut range = section.as_ref().map(|s| (s.sh_addr, s.sh_size));
    if range.is_none() {
        range = phdrs
            .iter()
            .find(|p| p.p_type == PT_LOAD && p.p_flags & (PF_X | PF_W) == PF_W)
            .map(|p| (p.p_vaddr, p.p_memsz));
    }
    if regions.is_empty() {
        // No segments (e.g. an object file): read the section in place.
        if let Some(s) = &section {
            regions.push(Region {
                vaddr: s.sh_addr,
                offset: s.sh_offset,
                size: s.sh_size,
            });
        }
    }
    Some((AddrSpace::new(bytes, regions), range))
}

fn buildinfo_section(bytes: &[u8], hdr: &Header, ctx: Ctx) -> Option<SectionHeader> {
    if hdr.e_shoff == 0 {
        return None;
    }
    let shdrs =
        SectionHeader::parse(bytes, hdr.e_shoff as usize, hdr.e_shnum as usize, ctx).ok()?;
    let mut strndx = usize::from(hdr.e_shstrndx);
    if strndx == SHN_XINDEX as usize {
        strndx = shdrs.first()?.sh_link as usize;
    }
    let strtab = shdrs.get(strndx)?;
    let start = usize::try_from(strtab.sh_offset).ok()?;
    let size = usize::try_from(strtab.sh_size).ok()?;
    let names = bytes.get(start..start.checked_add(size)?)?;
    shdrs.into_iter().find(|s| {
        names
            .get(s.sh_name..)
            .and_then(|n| n.split(|&b| b == 0).next())
            .is_some_and(|n| n == b".go.buildinfo")
    })
}

fn file_type(e_type: u16) -> String {
    match e_type {
        header::ET_NONE => "NONE".into(),
        header::ET_REL => "REL".into(),
        header::ET_EXEC => "EXEC".into(),
        header::ET_DYN => "DYN".into(),
        header::ET_CORE => "CORE".into(),
        other => format!("0x{other:x}"),
    }
}

/// Normalised machine names (Go/Linux style), falling back to goblin's name.
pub(crate) fn machine_name(m: u16) -> String {
    let name = match m {
        header::EM_X86_64 => "x86-64",
        header::EM_AARCH64 => "aarch64",
        header::EM_386 => "i386",
        header::EM_ARM => "arm",
        header::EM_RISCV => "riscv",
        header::EM_PPC64 => "ppc64",
        header::EM_PPC => "ppc",
        header::EM_S390 => "s390",
        header::EM_MIPS => "mips",
        header::EM_LOONGARCH => "loongarch",
        header::EM_SPARCV9 => "sparcv9",
        _ => return header::machine_to_str(m).to_ascii_lowercase(),
    };
    name.to_string()
}
