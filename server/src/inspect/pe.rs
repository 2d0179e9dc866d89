//! PE/COFF: imported DLLs and the address map for Go's build info (which
//! lives at the start of the first writable initialised-data section).

use goblin::pe::PE;
use goblin::pe::header;
use goblin::pe::options::ParseOptions;

use super::buildinfo::{AddrSpace, DataRange, Region, read_build_info};
use super::{BinaryInfo, Format, InspectError, Linking, goblin_error};

const SCN_CNT_INITIALIZED_DATA: u32 = 0x0000_0040;
const SCN_MEM_READ: u32 = 0x4000_0000;
const SCN_MEM_WRITE: u32 = 0x8000_0000;
const SCN_ALIGN_32BYTES: u32 = 0x0060_0000;

fn parse(bytes: &[u8]) -> Result<PE<'_>, InspectError> {
    // Only headers, sections and imports matter; skipping certificates,
    // resources and TLS avoids failing on parts we never use.
    let mut opts = ParseOptions::default();
    opts.parse_attribute_certificates = false;
    opts.parse_resources = false;
    opts.parse_tls_data = false;
    PE::parse_with_opts(bytes, &opts).map_err(|e| goblin_error(Format::Pe, e))
}

pub(crate) fn inspect(bytes: &[u8]) -> Result<BinaryInfo, InspectError> {
    let pe = parse(bytes)?;
    let needed: Vec<String> = pe.libraries.iter().map(|s| s.to_string()).collect();
    // No import table means nothing for the Windows loader to resolve.
    let linking = if needed.is_empty() {
        Linking::Static
    } else {
        Linking::Dynamic
    };
    let go =
        go_space_from(&pe, bytes).and_then(|(space, range)| read_build_info(&space, range?, true));
    Ok(BinaryInfo {
        path: String::new(),
        format: Format::Pe,
        class: Some(if pe.is_64 { "PE32+" } else { "PE32" }.to_string()),
        machine: machine_name(pe.header.coff_header.machine),
        file_type: if pe.is_lib { "DLL" } else { "EXE" }.to_string(),
        linking,
        interpreter: None,
        needed,
        rpath: Vec::new(),
        runpath: Vec::new(),
        glibc_floor: None,
        go,
    })
}

pub(crate) fn go_space(bytes: &[u8]) -> Option<(AddrSpace<'_>, Option<DataRange>)> {
    let pe = parse(bytes).ok()?;
    go_space_from(&pe, bytes)
}

fn go_space_from<'a>(pe: &PE<'_>, bytes: &'a [u8]) -> Option<(AddrSpace<'a>, Option<DataRange>)> {
    let base = pe.image_base;
    let mut regions = Vec::new();
    let mut range = None;
    for s in &pe.sections {
        let Some(vaddr) = base.checked_add(u64::from(s.virtual_address)) else {
            continue;
        };
        regions.push(Region {
            vaddr,
            offset: u64::from(s.pointer_to_raw_data),
            size: u64::from(s.size_of_raw_data),
        });
        let rw_data = SCN_CNT_INITIALIZED_DATA | SCN_MEM_READ | SCN_MEM_WRITE;
        if range.is_none()
            && s.virtual_address != 0
            && s.size_of_raw_data != 0
            && s.characteristics & !SCN_ALIGN_32BYTES == rw_data
        {
            range = Some((vaddr, u64::from(s.virtual_size)));
        }
    }
    Some((AddrSpace::new(bytes, regions), range))
}

fn machine_name(m: u16) -> String {
    match m {
        header::COFF_MACHINE_X86_64 => "x86-64".into(),
        header::COFF_MACHINE_ARM64 => "aarch64".into(),
        header::COFF_MACHINE_X86 => "i386".into(),
        header::COFF_MACHINE_ARMNT | header::COFF_MACHINE_ARM => "arm".into(),
        header::COFF_MACHINE_RISCV64 => "riscv64".into(),
        header::COFF_MACHINE_LOONGARCH64 => "loongarch64".into(),
        other => format!("machine 0x{other:04x}"),
    }
}
