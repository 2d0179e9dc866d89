//! go.mod parsing: lenient, keeping every line's byte span and collecting
//! errors instead of giving up.

use crate::gosrc::Span;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoMod {
    /// `module` path and its span.
    pub module: Option<(String, Span)>,
    /// `go 1.22` directive value.
    pub go_version: Option<String>,
    /// `toolchain go1.23.1` value.
    pub toolchain: Option<String>,
    pub requires: Vec<Require>,
    pub replaces: Vec<Replace>,
    pub excludes: Vec<(String, String)>,
    pub errors: Vec<ModError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    pub path: String,
    pub version: String,
    pub indirect: bool,
    /// Span of the require line (or the line inside a `require (...)` block).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    pub old_path: String,
    /// `None` replaces every version.
    pub old_version: Option<String>,
    pub new: ReplaceTarget,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplaceTarget {
    /// A file path (starts with `./`, `../` or `/`), as written, relative to
    /// the go.mod (or go.work) directory.
    Dir(String),
    Module {
        path: String,
        version: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModError {
    pub message: String,
    pub span: Span,
}

pub fn parse_go_mod(src: &str) -> GoMod {
    let _ = src;
    todo!("modules helper implements this")
}
