//! The fast suite, run by plain `cargo test`: no `go build`, `go list`,
//! make or C compiler here (linklens itself runs `go env`, and `go list` for
//! experiment tags, as it does for a user). A test that needs the real
//! toolchain goes to tests/real/, or, among fast neighbours, carries
//! `#[cfg(feature = "real-toolchain")]`.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
mod common;

// `linklens check` and the CLI.
mod check_bad_input;
mod check_gate;
mod check_index;
// Hardening: fuzz corpora on stable, hostile workspaces, the trust boundary.
mod fuzz_corpus;
mod hostile_workspace;
mod trust_boundary;
// The crate's modules through its public API.
mod gosrc_header;
mod gosrc_rules;
mod load_index_rules;
mod load_shared_variants;
mod modules_resolve;
