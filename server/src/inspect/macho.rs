//! Mach-O (thin, or the first slice of a universal binary, as Go's
//! debug/buildinfo does): dylibs, LC_LOAD_DYLINKER, LC_RPATH and the address
//! map for `__go_buildinfo`.

use goblin::mach::constants::cputype;
use goblin::mach::header::filetype_to_str;
use goblin::mach::load_command::CommandVariant;
use goblin::mach::{Mach, MachO};

use super::buildinfo::{AddrSpace, DataRange, Region, read_build_info};
use super::{BinaryInfo, Format, InspectError, Linking, goblin_error};

/// VM_PROT_READ | VM_PROT_WRITE.
const PROT_RW: u32 = 3;

/// The thin image to look at: the file itself, or the first architecture of a
/// universal binary (the same choice Go's debug/buildinfo makes).
fn thin(bytes: &[u8]) -> Result<(MachO<'_>, &[u8]), InspectError> {
    match Mach::parse(bytes).map_err(|e| goblin_error(Format::Macho, e))? {
        Mach::Binary(m) => Ok((m, bytes)),
        Mach::Fat(multi) => {
            let arch = multi
                .iter_arches()
                .next()
                .ok_or_else(|| InspectError::Malformed {
                    format: Format::Macho,
                    detail: "universal binary with no architectures".into(),
                })?
                .map_err(|e| goblin_error(Format::Macho, e))?;
            let start = arch.offset as usize;
            let end = start.saturating_add(arch.size as usize);
            if end > bytes.len() {
                return Err(InspectError::Truncated {
                    format: Format::Macho,
                    detail: format!(
                        "first architecture ends at byte {end}, file has {}",
                        bytes.len()
                    ),
                });
            }
            let slice = &bytes[start..end];
            let m = MachO::parse(slice, 0).map_err(|e| goblin_error(Format::Macho, e))?;
            Ok((m, slice))
        }
    }
}

pub(crate) fn inspect(bytes: &[u8]) -> Result<BinaryInfo, InspectError> {
    let (m, image) = thin(bytes)?;
    let interpreter = m.load_commands.iter().find_map(|lc| match &lc.command {
        CommandVariant::LoadDylinker(d) => {
            let start = lc.offset.checked_add(d.name as usize)?;
            let end = lc.offset.checked_add(d.cmdsize as usize)?.min(image.len());
            let raw = image.get(start..end)?;
            let raw = raw.split(|&b| b == 0).next()?;
            Some(String::from_utf8_lossy(raw).into_owned())
        }
        _ => None,
    });
    // goblin puts "self" (or the dylib's own install name) first.
    let needed = m.libs.iter().skip(1).map(|s| s.to_string()).collect();
    let go =
        go_space_from(&m, image).and_then(|(space, range)| read_build_info(&space, range?, true));
    Ok(BinaryInfo {
        path: String::new(),
        format: Format::Macho,
        class: Some(if m.is_64 { "MACHO64" } else { "MACHO32" }.to_string()),
        machine: machine_name(m.header.cputype),
        file_type: filetype_to_str(m.header.filetype).to_string(),
        // Every macOS program links libSystem dynamically; there is no static option.
        linking: Linking::Dynamic,
        interpreter,
        needed,
        rpath: m.rpaths.iter().map(|s| s.to_string()).collect(),
        runpath: Vec::new(),
        glibc_floor: None,
        go,
    })
}

pub(crate) fn go_space(bytes: &[u8]) -> Option<(AddrSpace<'_>, Option<DataRange>)> {
    let (m, image) = thin(bytes).ok()?;
    go_space_from(&m, image)
}

fn go_space_from<'a>(m: &MachO<'_>, image: &'a [u8]) -> Option<(AddrSpace<'a>, Option<DataRange>)> {
    let mut regions = Vec::new();
    let mut section = None;
    let mut writable = None;
    for seg in m.segments.iter() {
        let name = seg.name().unwrap_or_default();
        if name == "__PAGEZERO" {
            continue;
        }
        regions.push(Region {
            vaddr: seg.vmaddr,
            offset: seg.fileoff,
            size: seg.filesize,
        });
        if writable.is_none()
            && seg.vmaddr != 0
            && seg.filesize != 0
            && seg.initprot == PROT_RW
            && seg.maxprot == PROT_RW
        {
            writable = Some((seg.vmaddr, seg.vmsize));
        }
        if section.is_none()
            && let Ok(sections) = seg.sections()
        {
            section = sections
                .iter()
                .find(|(s, _)| s.name().is_ok_and(|n| n == "__go_buildinfo"))
                .map(|(s, _)| (s.addr, s.size));
        }
    }
    Some((AddrSpace::new(image, regions), section.or(writable)))
}

fn machine_name(cpu: u32) -> String {
    match cpu {
        cputype::CPU_TYPE_X86_64 => "x86-64".into(),
        cputype::CPU_TYPE_ARM64 => "aarch64".into(),
        cputype::CPU_TYPE_X86 => "i386".into(),
        cputype::CPU_TYPE_ARM => "arm".into(),
        cputype::CPU_TYPE_ARM64_32 => "arm64_32".into(),
        cputype::CPU_TYPE_POWERPC => "ppc".into(),
        cputype::CPU_TYPE_POWERPC64 => "ppc64".into(),
        other => format!("cputype 0x{other:x}"),
    }
}
