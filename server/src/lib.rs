//! linklens: predicts whether `go build` will produce a statically or
//! dynamically linked binary, why, and how to change it.

pub mod buildcfg;
pub mod cli;
pub mod engine;
pub mod gosrc;
pub mod inspect;
pub mod jsonc;
pub mod load;
pub mod log;
pub mod lsp;
pub mod modules;
pub mod par;
pub mod portable;
pub mod predict;
pub mod profiles;
pub mod regular;
pub mod report;

#[cfg(test)]
#[path = "../../tests/common/xorshift.rs"]
mod xorshift;
