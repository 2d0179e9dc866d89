//! File selection as one sequence of rules, in go/build's order.

use super::filename::{NameExclusion, exclude_by_name};
use super::header::FileHeader;
use super::tags::TagContext;

/// Why a file is left out of the package under a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    Name(NameExclusion),
    /// `//go:build` (or `// +build`) is not satisfied.
    Constraint,
    /// The file has `import "C"` and cgo is disabled (implicit `cgo` tag).
    CgoDisabled,
}

/// Decides whether a `.go` file with this base name and header is part of the
/// package under `ctx`.
pub fn select_file(name: &str, header: &FileHeader, ctx: &TagContext) -> Result<(), Exclusion> {
    let _ = (exclude_by_name, name, header, ctx);
    todo!("gosrc helper implements this")
}
