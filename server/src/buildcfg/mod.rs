//! The inputs of one build: process environment, `go env`, GOFLAGS and the
//! `go build` flags, the C toolchain, and why each decision came out as it did.

pub mod cachedir;
pub mod config;
pub mod ctoolchain;
pub mod flags;
pub mod mingw;
pub mod quoted;
pub mod toolchain;
pub mod trust;

pub use config::{CgoReason, Config};
pub use flags::{BuildFlags, LinkerFlags};
pub use toolchain::{Environ, Toolchain};
