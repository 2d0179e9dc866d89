//! The real-toolchain suites (`--features real-toolchain`, always on in
//! ./test.sh and CI): each compares linklens with what the real `go build`,
//! `go list`, `go run`, make, gcc, readelf or Neovim did on this machine.
//! tests/groundtruth.rs (its own main) is the largest of them.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
mod common;
mod inspect_support;
mod profiles_support;

// `linklens inspect` against readelf and `go version -m`, and fuzzed binaries.
mod inspect_fuzz;
mod inspect_real;
// `check --against` a real binary; profiles replayed and built for real.
mod check_against;
mod profiles_groundtruth;
// The LSP with real builds: last-build hover, Neovim driving make.
mod lsp_lastbuild;
mod lsp_nvim;
// Differential: module resolution and headers against `go list`, the
// constraint parser against go/build/constraint (`go run`).
mod gosrc_differential;
mod header_golist_differential;
mod modules_golist;
