//! GOOS/GOARCH lists from Go's `internal/syslist`.

pub const KNOWN_OS: &[&str] = &[];
pub const KNOWN_ARCH: &[&str] = &[];
pub const UNIX_OS: &[&str] = &[];
