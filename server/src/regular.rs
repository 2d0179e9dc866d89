//! Reading the files of an opened repository. Every such read (Go, C and
//! assembly sources, go.mod, go.work, vendor/modules.txt, libraries and
//! pkg-config files it points to, build files) goes through here, because
//! the repository chooses what sits behind a name: a FIFO named `x.go`
//! blocks an open until someone writes to it, a symlink to `/dev/stdin`
//! makes the language server read its own LSP input, `/dev/zero` never
//! ends. So a file is opened without blocking and read only if the opened
//! descriptor is a regular file (fstat on that descriptor: a check on the
//! name before opening could be raced by a rename).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// O_NONBLOCK (the same value on every Linux architecture we build for).
const O_NONBLOCK: i32 = 0o4000;

/// Opens `path` (following symlinks) for reading if it is a regular file,
/// with its length. Anything else is an error saying what it is.
pub fn open(path: &Path) -> io::Result<(File, u64)> {
    use crate::portable::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(path)?;
    let m = f.metadata()?;
    let t = m.file_type();
    if t.is_file() {
        return Ok((f, m.len()));
    }
    Err(io::Error::other(format!(
        "not a regular file: {}",
        kind(&t)
    )))
}

#[cfg(unix)]
fn kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn kind(t: &std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// The first `limit` bytes of the regular file at `path`.
pub fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (f, len) = open(path)?;
    let mut bytes = Vec::with_capacity(len.min(limit).min(1 << 24) as usize);
    f.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A regular file's bytes: mapped (Unix), or read.
///
/// Mapped because reading copies the file into fresh memory: a page fault,
/// a zeroed page and a copy for each 4 kB. A mapping sees the page cache's
/// pages as they are, and only those touched. Only on Unix: Windows refuses
/// to rename over (or delete) a mapped file, which would keep others' later
/// writes out for as long as a language server runs.
pub enum Contents {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Contents {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Contents::Mapped(m) => m,
            Contents::Read(v) => v,
        }
    }
}

/// The contents of the regular file at `path` if it has at most `limit`
/// bytes (a FIFO or device there can neither hang the run nor feed it
/// forever).
///
/// # Safety
/// Nobody may shorten the file in place while the result lives (a mapped
/// page past the new end faults): the caller knows its writers, e.g. they
/// replace the file by renaming another over it, or never rewrite it.
pub unsafe fn map(path: &Path, limit: u64) -> Option<Contents> {
    let (f, len) = open(path).ok()?;
    if len > limit {
        return None;
    }
    // SAFETY: the file is regular (checked by `open`); the caller vouches
    // that it is not shortened in place.
    if cfg!(unix)
        && len > 0
        && let Ok(m) = unsafe { memmap2::MmapOptions::new().len(len as usize).map(&f) }
    {
        return Some(Contents::Mapped(m));
    }
    let bytes = read(path, limit.saturating_add(1)).ok()?;
    (bytes.len() as u64 <= limit).then_some(Contents::Read(bytes))
}

/// All of the regular file at `path` (archives, shared objects, go.mod...).
pub fn read_all(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    read(path.as_ref(), u64::MAX)
}

/// `read_all` as text; invalid UTF-8 is an error, as for `fs::read_to_string`.
pub fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    String::from_utf8(read_all(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// An I/O error as Go prints it: the C library's text, lower case, no
/// `(os error N)` (`no such device or address`).
pub fn go_error_text(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(i) if e.raw_os_error().is_some() => &text[..i],
        _ => &text,
    };
    let mut c = text.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Opens `path` on another thread: a FIFO must not block the open.
    fn open_soon(path: &Path) -> io::Result<(File, u64)> {
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.to_path_buf();
        std::thread::spawn(move || {
            let _ = tx.send(open(&p));
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("open returned")
    }

    #[test]
    fn only_regular_files_open() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("x.go");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let e = open_soon(&fifo).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file: a named pipe (FIFO)");
        for dev in ["/dev/null", "/dev/zero"] {
            let link = tmp.path().join("zz.go");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(dev, &link).unwrap();
            let e = open_soon(&link).unwrap_err();
            assert!(
                e.to_string().starts_with("not a regular file"),
                "{dev}: {e}"
            );
        }
        let file = tmp.path().join("a.go");
        std::fs::write(&file, "package a\n").unwrap();
        let link = tmp.path().join("b.go");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read(&link, 7).unwrap(), b"package");
        assert_eq!(read_all(&link).unwrap(), b"package a\n");
    }

    #[test]
    fn errors_read_as_go_prints_them() {
        let e = io::Error::from_raw_os_error(6);
        assert_eq!(go_error_text(&e), "no such device or address");
        assert_eq!(
            go_error_text(&io::Error::other("not a regular file: a socket")),
            "not a regular file: a socket"
        );
    }
}
