#!/usr/bin/env bash
# Runs the whole test suite: Rust unit and end-to-end tests (real go build
# ground truth, LSP over stdio, Neovim), then the VS Code extension's unit
# tests and its end-to-end test in a real VS Code (code-server + Chromium).
# Prerequisites: Rust, Go and Node 20; scripts/test-deps.sh installs the rest (musl-tools,
# neovim, chromium, the musl Rust target, code-server) when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
export GOTOOLCHAIN=local GOFLAGS=

scripts/test-deps.sh

missing=()
for tool in go gcc musl-gcc cargo; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]} (Go and Rust come from their installers; scripts/test-deps.sh installs the rest)" >&2
  exit 1
fi

# The real-toolchain suites (go build ground truth, inspect, profiles, Neovim)
# are behind a Cargo feature so that plain `cargo test` stays fast; the
# README's test command always turns them on.
cargo build --all-targets --features real-toolchain
cargo test --workspace --features real-toolchain -- --test-threads=2

if [ -f vscode-extension/package.json ] && [ "${LINKLENS_SKIP_VSCODE:-0}" != 1 ]; then
  (cd vscode-extension && npm ci --no-audit --no-fund && npm test)
  if [ -x vscode-extension/e2e/run.sh ]; then
    vscode-extension/e2e/run.sh
  fi
fi
