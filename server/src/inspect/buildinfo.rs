//! Go build info (`.go.buildinfo`), read the way `debug/buildinfo` and
//! `runtime/debug.ParseBuildInfo` do (Go 1.26 sources), but on a byte slice
//! with every offset checked.
//!
//! Differences from Go, on purpose:
//! - a malformed modinfo line is skipped instead of discarding all build info,
//!   so a diagnostic tool still shows what it can;
//! - when the container headers cannot be parsed at all, the standalone
//!   [`parse_build_info`] scans the raw bytes for a 16-aligned inline-format
//!   blob (the pointer format needs address mapping, so it is not tried there).

use super::{Format, GoBuildInfo, Module, detect};

const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
const ALIGN: u64 = 16;
const HEADER_SIZE: usize = 32;
const FLAG_BIG_ENDIAN: u8 = 1;
const FLAG_VERSION_INLINE: u8 = 2;
/// Upper bound on a build-info string: a real modinfo is a few KiB; this
/// keeps a hostile length from making us copy the whole file.
const MAX_STRING: u64 = 16 << 20;

/// A file-backed piece of the target's address space.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Region {
    pub vaddr: u64,
    pub offset: u64,
    pub size: u64,
}

/// Virtual-address view of an executable image, like Go's `exe.DataReader`.
pub(crate) struct AddrSpace<'a> {
    bytes: &'a [u8],
    regions: Vec<Region>,
}

impl<'a> AddrSpace<'a> {
    pub fn new(bytes: &'a [u8], regions: Vec<Region>) -> Self {
        AddrSpace { bytes, regions }
    }

    /// The bytes from `addr` to the end of the first region containing it
    /// (clamped to the file), at most `max` of them.
    fn read(&self, addr: u64, max: u64) -> Option<&'a [u8]> {
        let r = self
            .regions
            .iter()
            .find(|r| addr >= r.vaddr && addr - r.vaddr < r.size)?;
        let start = r.offset.checked_add(addr - r.vaddr)?;
        let region_end = r.offset.checked_add(r.size)?;
        let end = region_end
            .min(self.bytes.len() as u64)
            .min(start.saturating_add(max));
        if start >= end {
            return None;
        }
        self.bytes
            .get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
    }
}

/// Where Go looks for the blob: a dedicated section, or the first writable
/// data segment. `(vaddr, size)`.
pub(crate) type DataRange = (u64, u64);

/// Parse the Go build info embedded in an executable image (ELF, Mach-O or PE).
/// Returns `None` when the file is not a Go binary or the blob is damaged.
pub fn parse_build_info(bytes: &[u8]) -> Option<GoBuildInfo> {
    let located = match detect(bytes)? {
        Format::Elf => super::elf::go_space(bytes),
        Format::Macho => super::macho::go_space(bytes),
        Format::Pe => super::pe::go_space(bytes),
    };
    match located {
        Some((space, range)) => read_build_info(&space, range?, true),
        None => {
            // Headers unusable: treat the file as one region at vaddr 0.
            let len = bytes.len() as u64;
            let space = AddrSpace::new(
                bytes,
                vec![Region {
                    vaddr: 0,
                    offset: 0,
                    size: len,
                }],
            );
            read_build_info(&space, (0, len), false)
        }
    }
}

/// Find and decode the blob inside `range`; `allow_pointer_format` enables the
/// pre-1.18 layout whose header holds addresses of Go string headers.
pub(crate) fn read_build_info(
    space: &AddrSpace<'_>,
    range: DataRange,
    allow_pointer_format: bool,
) -> Option<GoBuildInfo> {
    let addr = search_magic(space, range)?;
    let header = space.read(addr, HEADER_SIZE as u64)?;
    if header.len() < HEADER_SIZE {
        return None;
    }
    let ptr_size = header[14];
    let flags = header[15];
    let (vers, modinfo) = if flags & FLAG_VERSION_INLINE != 0 {
        let (vers, next) = decode_string(space, addr.checked_add(HEADER_SIZE as u64)?)?;
        let (modinfo, _) = decode_string(space, next)?;
        (vers, modinfo)
    } else {
        if !allow_pointer_format {
            return None;
        }
        let big = flags & FLAG_BIG_ENDIAN != 0;
        let ptr = usize::from(ptr_size);
        if ptr != 4 && ptr != 8 {
            return None;
        }
        let vers_ptr = read_ptr(header.get(16..16 + ptr)?, big);
        let mod_ptr = read_ptr(header.get(16 + ptr..16 + 2 * ptr)?, big);
        // Go treats an unreadable modinfo as empty, but needs the version.
        let vers = read_go_string(space, vers_ptr, ptr, big)?;
        let modinfo = read_go_string(space, mod_ptr, ptr, big).unwrap_or_default();
        (vers, modinfo)
    };
    if vers.is_empty() {
        return None;
    }
    // Strip the 16-byte sentinels cmd/go wraps modinfo in (modload.infoStart/infoEnd).
    let modinfo: &[u8] = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        &modinfo[16..modinfo.len() - 16]
    } else {
        &[]
    };
    let mut info = parse_modinfo(modinfo);
    info.version = String::from_utf8_lossy(vers).into_owned();
    Some(info)
}

/// First 16-aligned (by virtual address) occurrence of the magic with room
/// for a full header, as `debug/buildinfo.searchMagic`.
fn search_magic(space: &AddrSpace<'_>, (start, size): DataRange) -> Option<u64> {
    let end = start.checked_add(size)?;
    let mut addr = start.checked_add(ALIGN - 1)? & !(ALIGN - 1);
    while addr < end {
        // One region at a time; a range spanning regions continues after this one.
        let data = space.read(addr, end - addr)?;
        let mut i = 0usize;
        while let Some(window) = data.get(i..) {
            if window.len() < MAGIC.len() {
                break;
            }
            if window.starts_with(MAGIC) {
                return (window.len() >= HEADER_SIZE).then(|| addr + i as u64);
            }
            i += ALIGN as usize;
        }
        addr = addr.checked_add(data.len() as u64)?;
        addr = addr.checked_add(ALIGN - 1)? & !(ALIGN - 1);
    }
    None
}

/// uvarint length + bytes, within one region. Returns the string and the
/// address just past it.
fn decode_string<'a>(space: &AddrSpace<'a>, addr: u64) -> Option<(&'a [u8], u64)> {
    let b = space.read(addr, 10)?;
    let (len, n) = uvarint(b)?;
    if len > MAX_STRING {
        return None;
    }
    let start = addr.checked_add(n as u64)?;
    if len == 0 {
        return Some((&[], start));
    }
    let data = space.read(start, len)?;
    if (data.len() as u64) < len {
        return None;
    }
    Some((data, start.checked_add(len)?))
}

/// A Go string header `{ptr, len}` at `addr` (pre-1.18 format).
fn read_go_string<'a>(space: &AddrSpace<'a>, addr: u64, ptr: usize, big: bool) -> Option<&'a [u8]> {
    let hdr = space.read(addr, 2 * ptr as u64)?;
    if hdr.len() < 2 * ptr {
        return None;
    }
    let data_addr = read_ptr(&hdr[..ptr], big);
    let len = read_ptr(&hdr[ptr..2 * ptr], big);
    if len > MAX_STRING {
        return None;
    }
    if len == 0 {
        return Some(&[]);
    }
    let data = space.read(data_addr, len)?;
    ((data.len() as u64) == len).then_some(data)
}

fn read_ptr(b: &[u8], big: bool) -> u64 {
    let fold = |acc: u64, &byte: &u8| (acc << 8) | u64::from(byte);
    if big {
        b.iter().fold(0, fold)
    } else {
        b.iter().rev().fold(0, fold)
    }
}

/// encoding/binary.Uvarint: value and bytes consumed; `None` on overflow or
/// a varint running off the end.
fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    let mut shift = 0u32;
    for (i, &byte) in b.iter().enumerate().take(10) {
        if byte < 0x80 {
            if i == 9 && byte > 1 {
                return None;
            }
            return Some((x | (u64::from(byte) << shift), i + 1));
        }
        x |= u64::from(byte & 0x7f) << shift;
        shift += 7;
    }
    None
}

/// Parse the modinfo text (`runtime/debug.ParseBuildInfo`), skipping bad lines.
pub(crate) fn parse_modinfo(data: &[u8]) -> GoBuildInfo {
    let mut info = GoBuildInfo::default();
    // Which module a following `=>` line replaces.
    enum Last {
        None,
        Main,
        Dep(usize),
    }
    let mut last = Last::None;
    let mut rest = data;
    // Like Go, a final line without '\n' is ignored.
    while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
        let line = &rest[..nl];
        rest = &rest[nl + 1..];
        if let Some(p) = line.strip_prefix(b"path\t") {
            info.path = lossy(p);
        } else if let Some(m) = line.strip_prefix(b"mod\t") {
            match module_line(m) {
                Some(module) => {
                    info.main_module = Some(module);
                    last = Last::Main;
                }
                None => last = Last::None,
            }
        } else if let Some(d) = line.strip_prefix(b"dep\t") {
            match module_line(d) {
                Some(module) => {
                    info.deps.push(module);
                    last = Last::Dep(info.deps.len() - 1);
                }
                None => last = Last::None,
            }
        } else if let Some(r) = line.strip_prefix(b"=>\t") {
            let cols: Vec<&[u8]> = r.split(|&b| b == b'\t').collect();
            if let [path, version, sum] = cols[..] {
                let replacement = Box::new(Module {
                    path: lossy(path),
                    version: lossy(version),
                    sum: lossy(sum),
                    replace: None,
                });
                let target = match last {
                    Last::Main => info.main_module.as_mut(),
                    Last::Dep(i) => info.deps.get_mut(i),
                    Last::None => None,
                };
                if let Some(module) = target {
                    module.replace = Some(replacement);
                }
            }
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix(b"build\t")
            && let Some((k, v)) = build_setting(kv)
        {
            info.settings.insert(k, v);
        }
    }
    info
}

fn module_line(line: &[u8]) -> Option<Module> {
    let cols: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    let (path, version, sum) = match cols[..] {
        [p, v] => (p, v, &b""[..]),
        [p, v, s] => (p, v, s),
        _ => return None,
    };
    Some(Module {
        path: lossy(path),
        version: lossy(version),
        sum: lossy(sum),
        replace: None,
    })
}

/// `key=value` with Go's quoting rules (`BuildInfo.String` / `ParseBuildInfo`).
fn build_setting(kv: &[u8]) -> Option<(String, String)> {
    let (key, raw_value) = match kv.first()? {
        b'=' => return None,
        b'`' | b'"' => {
            let n = quoted_prefix_len(kv)?;
            if kv.get(n) != Some(&b'=') {
                return None;
            }
            (unquote(&kv[..n])?, &kv[n + 1..])
        }
        _ => {
            let eq = kv.iter().position(|&b| b == b'=')?;
            let key = &kv[..eq];
            if key.is_empty() || key.iter().any(|b| b"= \t\r\n\"`".contains(b)) {
                return None;
            }
            (key.to_vec(), &kv[eq + 1..])
        }
    };
    let value = match raw_value.first() {
        None => Vec::new(),
        Some(b'`' | b'"') => unquote(raw_value)?,
        Some(_) => {
            if raw_value.iter().any(|b| b" \t\r\n\"`".contains(b)) {
                return None;
            }
            raw_value.to_vec()
        }
    };
    Some((lossy(&key), lossy(&value)))
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// strconv.Unquote for `"..."` and `` `...` `` strings: the whole input must
/// be one quoted string.
fn unquote(s: &[u8]) -> Option<Vec<u8>> {
    let (out, used) = unquote_prefix(s)?;
    (used == s.len()).then_some(out)
}

/// strconv.QuotedPrefix: length of the quoted string at the start of `s`.
fn quoted_prefix_len(s: &[u8]) -> Option<usize> {
    unquote_prefix(s).map(|(_, used)| used)
}

/// Decode the quoted string starting at `s[0]`; returns it and the number of
/// input bytes it occupied.
fn unquote_prefix(s: &[u8]) -> Option<(Vec<u8>, usize)> {
    let quote = *s.first()?;
    let body = &s[1..];
    match quote {
        b'`' => {
            let end = body.iter().position(|&b| b == b'`')?;
            // Raw strings drop carriage returns.
            let out = body[..end]
                .iter()
                .copied()
                .filter(|&b| b != b'\r')
                .collect();
            Some((out, end + 2))
        }
        b'"' => {
            let mut out = Vec::new();
            let mut i = 0usize;
            loop {
                let rest = body.get(i..)?;
                let &c = rest.first()?;
                match c {
                    b'"' => return Some((out, i + 2)),
                    b'\n' => return None,
                    b'\\' => {
                        let used = unescape(rest, &mut out)?;
                        i += used;
                    }
                    0x80.. => {
                        // Copy one UTF-8 character; an invalid byte becomes U+FFFD like Go.
                        let chunk = rest.utf8_chunks().next()?;
                        match chunk.valid().chars().next() {
                            Some(ch) => {
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                                i += ch.len_utf8();
                            }
                            None => {
                                out.extend_from_slice("\u{fffd}".as_bytes());
                                i += 1;
                            }
                        }
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
        }
        _ => None,
    }
}

/// One backslash escape inside a double-quoted string (strconv.UnquoteChar);
/// appends its bytes and returns the input length consumed.
fn unescape(s: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    let &c = s.get(1)?;
    let simple = match c {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'"' => Some(b'"'),
        _ => None,
    };
    if let Some(b) = simple {
        out.push(b);
        return Some(2);
    }
    match c {
        b'x' | b'u' | b'U' => {
            let n = match c {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let digits = s.get(2..2 + n)?;
            let mut v: u32 = 0;
            for &d in digits {
                v = (v << 4) | char::from(d).to_digit(16)?;
            }
            if c == b'x' {
                // \xNN is a raw byte, possibly not UTF-8.
                out.push(u8::try_from(v).ok()?);
            } else {
                let ch = char::from_u32(v)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            Some(2 + n)
        }
        b'0'..=b'7' => {
            let digits = s.get(1..4)?;
            let mut v: u32 = 0;
            for &d in digits {
                if !(b'0'..=b'7').contains(&d) {
                    return None;
                }
                v = (v << 3) | u32::from(d - b'0');
            }
            out.push(u8::try_from(v).ok()?);
            Some(4)
        }
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for unit tests: build raw blobs the way cmd/link does.
    use super::*;

    pub fn uvarint_bytes(mut v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
        out
    }

    /// Inline-format (Go 1.18+) blob with modinfo framed by the sentinels.
    pub fn inline_blob(version: &str, modinfo: &str) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.push(8);
        b.push(FLAG_VERSION_INLINE);
        b.resize(HEADER_SIZE, 0);
        b.extend(uvarint_bytes(version.len() as u64));
        b.extend_from_slice(version.as_bytes());
        let framed = framed_modinfo(modinfo);
        b.extend(uvarint_bytes(framed.len() as u64));
        b.extend(framed);
        while !b.len().is_multiple_of(16) {
            b.push(0);
        }
        b
    }

    pub fn framed_modinfo(modinfo: &str) -> Vec<u8> {
        let mut framed = vec![0x30u8; 16];
        framed.extend_from_slice(modinfo.as_bytes());
        framed.extend_from_slice(&[0xf9u8; 16]);
        framed
    }

    pub const HEADER: usize = HEADER_SIZE;
    pub const MAGIC_BYTES: &[u8; 14] = MAGIC;
}
