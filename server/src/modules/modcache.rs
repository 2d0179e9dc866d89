//! The module cache layout: `$GOMODCACHE/<escaped path>@<escaped version>`.

/// Escapes a module path or version as the module cache does: each upper-case
/// letter becomes `!` followed by its lower-case form.
pub fn escape(path: &str) -> String {
    let _ = path;
    todo!("modules helper implements this")
}
