//! Unit tests on hand-built inputs. Real toolchain-built binaries are checked
//! in tests/real/inspect_real.rs and fuzzed in tests/real/inspect_fuzz.rs.

use super::buildinfo::testing::{HEADER, MAGIC_BYTES, framed_modinfo, inline_blob};
use super::buildinfo::{parse_modinfo, read_build_info};
use super::*;

const BASE: u64 = 0x40_0000;
const DATA_OFF: u64 = 192;

/// Minimal little-endian ELF64 ET_EXEC: header, one RW PT_LOAD covering the
/// whole file (vaddr = BASE + offset), `payload` at file offset DATA_OFF.
fn tiny_elf(payload: &[u8], e_type: u16, extra_phdr: Option<(u32, u64, u64)>) -> Vec<u8> {
    let phnum: u16 = if extra_phdr.is_some() { 2 } else { 1 };
    let mut b = vec![0u8; DATA_OFF as usize];
    b.extend_from_slice(payload);
    let len = b.len() as u64;
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // ELFCLASS64
    b[5] = 1; // little endian
    b[6] = 1; // EV_CURRENT
    b[16..18].copy_from_slice(&e_type.to_le_bytes());
    b[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[24..32].copy_from_slice(&(BASE + DATA_OFF).to_le_bytes()); // entry
    b[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    b[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    b[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    b[56..58].copy_from_slice(&phnum.to_le_bytes());
    b[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    let mut ph = Vec::new();
    ph.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    ph.extend_from_slice(&6u32.to_le_bytes()); // PF_R | PF_W
    ph.extend_from_slice(&0u64.to_le_bytes()); // p_offset
    ph.extend_from_slice(&BASE.to_le_bytes()); // p_vaddr
    ph.extend_from_slice(&BASE.to_le_bytes()); // p_paddr
    ph.extend_from_slice(&len.to_le_bytes()); // p_filesz
    ph.extend_from_slice(&len.to_le_bytes()); // p_memsz
    ph.extend_from_slice(&0x1000u64.to_le_bytes());
    if let Some((p_type, off, size)) = extra_phdr {
        ph.extend_from_slice(&p_type.to_le_bytes());
        ph.extend_from_slice(&4u32.to_le_bytes());
        ph.extend_from_slice(&off.to_le_bytes());
        ph.extend_from_slice(&(BASE + off).to_le_bytes());
        ph.extend_from_slice(&(BASE + off).to_le_bytes());
        ph.extend_from_slice(&size.to_le_bytes());
        ph.extend_from_slice(&size.to_le_bytes());
        ph.extend_from_slice(&1u64.to_le_bytes());
    }
    b[64..64 + ph.len()].copy_from_slice(&ph);
    b
}

const MODINFO: &str = "path\texample.com/hello\n\
mod\texample.com/hello\t(devel)\t\n\
dep\tgolang.org/x/sys\tv0.30.0\th1:abc=\n\
dep\texample.com/dep\tv0.0.0-00010101000000-000000000000\n\
=>\t./dep\t\t\n\
build\t-buildmode=exe\n\
build\t-ldflags=\"-X main.v=a b\"\n\
build\t-tags=netgo,osusergo\n\
build\tCGO_ENABLED=1\n\
build\tCGO_CFLAGS=\n\
build\t\"odd key\"=`raw\tvalue`\n\
build\tvcs.revision=0123abcd\n";

#[test]
fn modinfo_lines_and_quoting() {
    let info = parse_modinfo(MODINFO.as_bytes());
    assert_eq!(info.path, "example.com/hello");
    let main = info.main_module.expect("main module");
    assert_eq!(
        (main.path.as_str(), main.version.as_str()),
        ("example.com/hello", "(devel)")
    );
    assert_eq!(info.deps.len(), 2);
    assert_eq!(info.deps[0].sum, "h1:abc=");
    assert!(info.deps[0].replace.is_none());
    let rep = info.deps[1].replace.as_ref().expect("replacement");
    assert_eq!(
        (rep.path.as_str(), rep.version.as_str(), rep.sum.as_str()),
        ("./dep", "", "")
    );
    let s = &info.settings;
    assert_eq!(s["-ldflags"], "-X main.v=a b");
    assert_eq!(s["-tags"], "netgo,osusergo");
    assert_eq!(s["CGO_CFLAGS"], "");
    assert_eq!(s["odd key"], "raw\tvalue");
    assert_eq!(s["vcs.revision"], "0123abcd");
    assert_eq!(s.len(), 7);
}

#[test]
fn malformed_lines_are_skipped_like_go_rejects_them() {
    let text = "build\tno-equals\nbuild\t=v\nbuild\tk=has space\nbuild\ta b=c\n\
build\t\"k\"x\nbuild\tk=\"unterminated\n=>\ta\tb\tc\nmod\tonly-one\nbuild\tok=1\nbuild\tlast=no-newline";
    let info = parse_modinfo(text.as_bytes());
    assert_eq!(info.settings.len(), 1, "{:?}", info.settings);
    assert_eq!(info.settings["ok"], "1");
    assert!(info.main_module.is_none());
}

#[test]
fn go_unquote_escapes() {
    let cases: &[(&str, &str)] = &[
        (r#"k="a\tb\n\\ \"q\"""#, "a\tb\n\\ \"q\""),
        (r#"k="\x41\101\u00e9\U0001F600""#, "AAé😀"),
        ("k=\"héllo wörld\"", "héllo wörld"),
        ("k=`a\r\"b`", "a\"b"),
        (r#"k="\a\b\f\v""#, "\x07\x08\x0c\x0b"),
    ];
    for (line, want) in cases {
        let info = parse_modinfo(format!("build\t{line}\n").as_bytes());
        assert_eq!(
            info.settings.get("k").map(String::as_str),
            Some(*want),
            "{line}"
        );
    }
    for bad in [
        r#"k="\q""#,
        r#"k="\400""#,
        r#"k="\xZZ""#,
        r#"k="\uD800""#,
        r#"k="a"b"#,
        r#"k="\'""#,
    ] {
        let info = parse_modinfo(format!("build\t{bad}\n").as_bytes());
        assert!(
            info.settings.is_empty(),
            "{bad} accepted: {:?}",
            info.settings
        );
    }
}

#[test]
fn inline_blob_in_elf() {
    let blob = inline_blob("go1.26.8", MODINFO);
    let elf = tiny_elf(&blob, 2, None);
    let go = parse_build_info(&elf).expect("build info");
    assert_eq!(go.version, "go1.26.8");
    assert_eq!(go.path, "example.com/hello");
    assert_eq!(go.settings["-ldflags"], "-X main.v=a b");

    let info = inspect_bytes(&elf).expect("inspect");
    assert_eq!(info.format, Format::Elf);
    assert_eq!(info.class.as_deref(), Some("ELF64"));
    assert_eq!(info.machine, "x86-64");
    assert_eq!(info.file_type, "EXEC");
    assert_eq!(info.linking, Linking::Static);
    assert_eq!(info.go.as_ref(), Some(&go));
    let text = render_human(&info);
    assert!(text.contains("static"), "{text}");
    assert!(text.contains("-X main.v=a b"), "{text}");
    let json = serde_json::to_value(&info).expect("json");
    assert_eq!(json["format"], "elf");
    assert_eq!(json["linking"], "static");
}

#[test]
fn dyn_without_interp_is_static_pie_and_interp_is_dynamic() {
    let blob = inline_blob("go1.26.8", "");
    let spie = inspect_bytes(&tiny_elf(&blob, 3, None)).expect("inspect");
    assert_eq!(spie.linking, Linking::StaticPie);
    assert_eq!(spie.file_type, "DYN");
    // Module framing absent: version only, like a GOPATH build.
    let go = spie.go.expect("go");
    assert_eq!(go.version, "go1.26.8");
    assert!(go.main_module.is_none() && go.settings.is_empty());

    // Internal Go PIE shape: ET_DYN + PT_INTERP, no DT_NEEDED.
    let mut payload = b"/lib64/ld-linux-x86-64.so.2\0".to_vec();
    payload.resize(32, 0);
    let interp_len = 28;
    let pie =
        inspect_bytes(&tiny_elf(&payload, 3, Some((3, DATA_OFF, interp_len)))).expect("inspect");
    assert_eq!(pie.linking, Linking::Dynamic);
    assert_eq!(
        pie.interpreter.as_deref(),
        Some("/lib64/ld-linux-x86-64.so.2")
    );
    assert!(pie.needed.is_empty());
}

/// Pre-1.18 layout: the header holds pointers to Go string headers.
fn pointer_blob(ptr: usize, big: bool, at: u64) -> Vec<u8> {
    let put = |v: u64| -> Vec<u8> {
        let mut b = if big {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        };
        if ptr == 4 {
            b = if big {
                b[4..].to_vec()
            } else {
                b[..4].to_vec()
            };
        }
        b
    };
    let vers = b"go1.17.13";
    let modinfo = framed_modinfo("path\told/cmd\nmod\told/cmd\t(devel)\t\n");
    // Layout: header(32) | vers hdr | mod hdr | vers bytes | mod bytes
    let vers_hdr = at + HEADER as u64;
    let mod_hdr = vers_hdr + 2 * ptr as u64;
    let vers_data = mod_hdr + 2 * ptr as u64;
    let mod_data = vers_data + vers.len() as u64;
    let mut b = MAGIC_BYTES.to_vec();
    b.push(ptr as u8);
    b.push(u8::from(big));
    b.extend(put(vers_hdr));
    b.extend(put(mod_hdr));
    b.resize(HEADER, 0);
    b.extend(put(vers_data));
    b.extend(put(vers.len() as u64));
    b.extend(put(mod_data));
    b.extend(put(modinfo.len() as u64));
    b.extend_from_slice(vers);
    b.extend(modinfo);
    b
}

#[test]
fn pointer_format_pre_118() {
    for (ptr, big) in [(8, false), (4, true), (8, true), (4, false)] {
        let elf = tiny_elf(&pointer_blob(ptr, big, BASE + DATA_OFF), 2, None);
        let go = parse_build_info(&elf).unwrap_or_else(|| panic!("ptr {ptr} big {big}"));
        assert_eq!(go.version, "go1.17.13");
        assert_eq!(go.path, "old/cmd");
    }
    // Pointers that lead outside the image: no info, no panic.
    let elf = tiny_elf(&pointer_blob(8, false, 0xdead_0000), 2, None);
    assert!(parse_build_info(&elf).is_none());
}

#[test]
fn raw_scan_when_headers_are_garbage() {
    let mut bytes = b"\x7fELF\x09".to_vec(); // bad class: no header parse possible
    bytes.resize(64, 0xaa);
    bytes.extend(inline_blob("go1.26.8", MODINFO));
    assert!(matches!(
        inspect_bytes(&bytes),
        Err(InspectError::Malformed { .. })
    ));
    let go = parse_build_info(&bytes).expect("raw scan");
    assert_eq!(go.version, "go1.26.8");
    // Misaligned magic is not accepted (Go requires 16-byte alignment).
    let mut shifted = b"\x7fELF\x09".to_vec();
    shifted.resize(65, 0xaa);
    shifted.extend(inline_blob("go1.26.8", MODINFO));
    assert!(parse_build_info(&shifted).is_none());
}

#[test]
fn hostile_lengths_and_varints() {
    let mut blob = MAGIC_BYTES.to_vec();
    blob.extend([8, 2]);
    blob.resize(HEADER, 0);
    // Version length = u64::MAX-ish varint, and a 10-byte overflowing varint.
    for tail in [
        vec![0xff; 9].into_iter().chain([0x01]).collect::<Vec<_>>(),
        vec![0xff; 11],
    ] {
        let mut b = blob.clone();
        b.extend(&tail);
        b.resize(b.len() + 64, 0);
        assert!(parse_build_info(&tiny_elf(&b, 2, None)).is_none());
    }
    // Header cut short at the end of the segment.
    let elf = tiny_elf(&MAGIC_BYTES[..], 2, None);
    assert!(parse_build_info(&elf).is_none());
}

#[test]
fn errors_are_clear() {
    assert_eq!(
        inspect_bytes(b"hello world").unwrap_err().to_string(),
        "not an ELF, Mach-O or PE file"
    );
    assert!(matches!(inspect_bytes(b""), Err(InspectError::NotABinary)));
    let elf = tiny_elf(&inline_blob("go1.26.8", MODINFO), 2, None);
    for cut in [4, 5, 40, 63, 64, 100, 150, 200, elf.len() - 1] {
        let err = inspect_bytes(&elf[..cut]).unwrap_err();
        assert!(
            matches!(err, InspectError::Truncated { .. }),
            "cut {cut}: {err}"
        );
        assert!(err.to_string().starts_with("truncated ELF file"), "{err}");
    }
    // Absurd program-header count and offset.
    let mut absurd = elf.clone();
    absurd[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    absurd[56..58].copy_from_slice(&u16::MAX.to_le_bytes());
    let err = inspect_bytes(&absurd).unwrap_err();
    assert!(matches!(err, InspectError::Malformed { .. }), "{err}");
    let missing = inspect_path(Path::new("/nonexistent/linklens")).unwrap_err();
    assert!(
        missing
            .to_string()
            .starts_with("cannot read /nonexistent/linklens"),
        "{missing}"
    );
    let dir = inspect_path(Path::new("/")).unwrap_err();
    assert!(matches!(dir, InspectError::Unreadable { .. }), "{dir}");
}

#[test]
fn search_respects_region_end() {
    // Magic right at the end of the mapped data with too little room for a header.
    let mut payload = vec![0u8; 16];
    payload.extend_from_slice(MAGIC_BYTES);
    payload.extend([8, 2]);
    let elf = tiny_elf(&payload, 2, None);
    let space_len = elf.len() as u64;
    assert!(parse_build_info(&elf).is_none());
    // read_build_info directly with a range beyond the file: no panic, None.
    let space = super::buildinfo::AddrSpace::new(
        &elf,
        vec![super::buildinfo::Region {
            vaddr: u64::MAX - 8,
            offset: 0,
            size: space_len,
        }],
    );
    assert!(read_build_info(&space, (u64::MAX - 8, u64::MAX), true).is_none());
}

#[test]
fn too_large_files_are_refused_without_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge");
    let file = std::fs::File::create(&path).expect("create");
    // Sparse: no disk space or read time is spent.
    file.set_len(MAX_FILE_SIZE + 1).expect("set_len");
    let err = inspect_path(&path).unwrap_err();
    assert!(matches!(err, InspectError::TooLarge { size, .. } if size == MAX_FILE_SIZE + 1));
    assert!(err.to_string().contains("too large"), "{err}");
}

#[test]
fn json_shape() {
    let info =
        inspect_bytes(&tiny_elf(&inline_blob("go1.26.8", MODINFO), 2, None)).expect("inspect");
    let v = serde_json::to_value(&info).expect("json");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = [
        "path",
        "format",
        "class",
        "machine",
        "file_type",
        "linking",
        "interpreter",
        "needed",
        "rpath",
        "runpath",
        "glibc_floor",
        "go",
    ];
    want.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, want);
    assert_eq!(v["go"]["settings"]["-ldflags"], "-X main.v=a b");
    assert_eq!(v["go"]["deps"][1]["replace"]["path"], "./dep");
    assert!(v["go"]["deps"][1].get("sum").is_none(), "empty sum omitted");
    assert_eq!(v["interpreter"], serde_json::Value::Null);
    let pie = Linking::StaticPie;
    assert_eq!(serde_json::to_value(pie).expect("json"), "static-pie");
    assert_eq!(serde_json::to_value(Format::Macho).expect("json"), "macho");
}
