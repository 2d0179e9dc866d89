//! Helpers every test binary shares (each main.rs includes this module).
pub mod fs;
pub mod lsp_client;
pub mod toolchain;
pub mod xorshift;
