//! Reading Go source files the way `go/build` does: the header (build
//! constraints, package clause, imports, `import "C"` with its `#cgo`
//! directives) and the file-name rules. Pure functions of bytes: nothing here
//! touches the file system, modules or the LSP.

pub mod constraint;
pub mod filename;
pub mod header;
mod parser;
mod reader;
pub mod select;
pub mod syslist;
pub mod tags;
mod unicode;

pub use constraint::Expr;
pub use header::{
    CgoDirective, CgoVerb, ErrorKind, FileHeader, HeaderError, ImportC, ImportSpec, scan_header,
    scan_header_prefix,
};
pub use select::{Exclusion, select_file};
pub use tags::{TagContext, TagQuery, arch_feature_tags, release_tags};

/// A half-open byte range `[start, end)` into the file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}
