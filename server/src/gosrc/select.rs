//! File selection as one sequence of rules, in go/build's order
//! (`Context.Import`: `matchFile`, then the per-file checks after parsing).

use super::filename::{NameExclusion, exclude_by_name};
use super::header::{ErrorKind, FileHeader};
use super::tags::TagContext;

/// Why a file is left out of the package under a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    Name(NameExclusion),
    /// go/build could not read the file or evaluate its `//go:build` line
    /// (a NUL byte, several `//go:build` lines, a malformed one). It lists
    /// the file in `InvalidGoFiles` and the package fails to load: a build
    /// error, not a quiet exclusion.
    Invalid,
    /// `//go:build` (or `// +build`) is not satisfied.
    Constraint,
    /// `package documentation`: go/build ignores such files.
    Documentation,
    /// The file has `import "C"` and cgo is disabled (implicit `cgo` tag).
    CgoDisabled,
}

/// Decides whether a `.go` file with this base name and header is part of the
/// package under `ctx`.
///
/// `Ok` does not mean the file is sound: syntax errors and malformed `#cgo`
/// lines (see `FileHeader::build_errors`) make the build fail only for files
/// that are selected, so they are the caller's to report after this.
pub fn select_file(name: &str, header: &FileHeader, ctx: &TagContext) -> Result<(), Exclusion> {
    // 1. The name: hidden, not Go, test, GOOS/GOARCH suffix.
    if let Some(why) = exclude_by_name(name, ctx) {
        return Err(Exclusion::Name(why));
    }
    select_named(header, ctx)
}

/// `select_file` for a file whose name passed `exclude_by_name` (a
/// package load asks that first, of every file).
pub fn select_named(header: &FileHeader, ctx: &TagContext) -> Result<(), Exclusion> {
    // 2. Errors that stop go/build before it can evaluate the constraint.
    if header
        .errors
        .iter()
        .any(|e| matches!(e.kind, ErrorKind::Read | ErrorKind::Constraint))
    {
        return Err(Exclusion::Invalid);
    }
    // 3. `//go:build`, else all counted `// +build` lines.
    if !header.constraint_holds(ctx) {
        return Err(Exclusion::Constraint);
    }
    // 4. Documentation-only files.
    if header
        .package
        .as_ref()
        .is_some_and(|(name, _)| name == "documentation")
    {
        return Err(Exclusion::Documentation);
    }
    // 5. `import "C"` behaves as an extra `//go:build cgo`.
    if header.import_c.is_some() && !ctx.cgo() {
        return Err(Exclusion::CgoDisabled);
    }
    Ok(())
}
