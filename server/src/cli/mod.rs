//! The command line: `check`, `inspect` and `serve`.

pub mod annotate;
pub mod check;
pub mod crosscheck;
pub mod inspect;
pub mod profiles;

pub const USAGE: &str = "\
linklens: will `go build` produce a static or a dynamic binary, and why?

usage:
  linklens check [go build flags] [--json | --format sarif|github] [--require static] [--cross-check] [-C dir] [packages]
  linklens check --profiles [-C dir] [--json]   (the project's Makefile/Dockerfile/goreleaser/ko builds)
  linklens inspect [--json] FILE...
  linklens serve            (language server over stdio)

check takes go build's flags as go spells them (-tags, -ldflags, -buildmode,
-race, -mod, -C ...) and reads CGO_ENABLED, CC, GOOS, GOARCH and GOFLAGS from
the environment, like go build. Default packages: ./...
`linklens check --help` describes every flag.
exit status: 0 ok, 1 --require not met (or --cross-check differences), 2 usage or load error";

pub use crate::buildcfg::trust::process_env;
