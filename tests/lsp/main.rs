//! The language server over stdio (tests/common/lsp_client.rs is the
//! client), in the fast suite: no `go build`. LSP tests that need a real
//! build (the last-build hover, Neovim, `make` after a fix) are in
//! tests/real/ or carry `#[cfg(feature = "real-toolchain")]`.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
mod common;

mod lsp_abuse;
mod lsp_e2e;
mod lsp_profiles;
mod lsp_windarwin;
mod lsp_workspace;
mod soak;
