#!/usr/bin/env bash
# Builds a linklens release on one x86_64 Linux machine and verifies it:
#   - release binaries for linux-x64 and linux-arm64 (musl, fully static),
#     darwin-x64 and darwin-arm64, win32-x64 (MinGW-w64),
#   - one platform-specific .vsix per platform with that binary inside,
#   - dist/linklens-<version>-<platform>.tar.gz (.zip for Windows), SHA256SUMS,
#   - every binary read back with our own `linklens inspect --json` (format,
#     machine, no unexpected DLLs/dylibs, Linux with no PT_INTERP/NEEDED), the
#     binary inside each .vsix compared byte for byte, and the Windows build run
#     under Wine on examples/shop with its verdicts compared to the native run.
# Installs what it needs on a fresh Debian machine (rustup targets, zig from
# PyPI, cargo-zigbuild from crates.io, MinGW-w64 and Wine from apt).
#
# Environment:
#   LINKLENS_PLATFORMS  subset to build (default: all five, linux-x64 always added: it does the checks)
#   LINKLENS_DIST       output directory (default: dist/)
#   LINKLENS_NO_VSIX=1  skip the .vsix files;  LINKLENS_NO_WINE=1  skip the Wine run
#   VSCE                vsce command (default: npx @vscode/vsce@3.9.2, via package.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export DEBIAN_FRONTEND=noninteractive
DIST=${LINKLENS_DIST:-$ROOT/dist}
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' server/Cargo.toml | head -n1)
PLATFORMS=${LINKLENS_PLATFORMS:-linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64}
case " $PLATFORMS " in *" linux-x64 "*) ;; *) PLATFORMS="linux-x64 $PLATFORMS" ;; esac
ZIGLANG_VERSION=0.17.1      # PyPI ziglang
ZIGBUILD_VERSION=0.24.1     # crates.io cargo-zigbuild

triple() {
  case $1 in
    linux-x64) echo x86_64-unknown-linux-musl ;;
    linux-arm64) echo aarch64-unknown-linux-musl ;;
    darwin-x64) echo x86_64-apple-darwin ;;
    darwin-arm64) echo aarch64-apple-darwin ;;
    win32-x64) echo x86_64-pc-windows-gnu ;;
    *) echo "unknown platform $1" >&2; return 1 ;;
  esac
}
exe() { case $1 in win32-*) echo linklens.exe ;; *) echo linklens ;; esac; }

echo "== setup"
need=()
case " $PLATFORMS " in *" win32-x64 "*)
  command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
  if [ "${LINKLENS_NO_WINE:-0}" != 1 ] && ! command -v wine >/dev/null; then need+=(wine64); fi ;;
esac
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
installed=$(rustup target list --installed)
for p in $PLATFORMS; do
  t=$(triple "$p")
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
case " $PLATFORMS " in *" linux-arm64 "* | *" darwin-"*)
  # zig is the cross linker for aarch64 musl and for macOS: it ships libc/crt
  # objects and libSystem stubs, so no Apple SDK is needed (linklens has no C
  # code and links no framework).
  python3 -c 'import ziglang' 2>/dev/null || python3 -m pip install -q "ziglang==$ZIGLANG_VERSION"
  command -v cargo-zigbuild >/dev/null || cargo install --locked -q cargo-zigbuild --version "$ZIGBUILD_VERSION"
  ;;
esac

mkdir -p "$DIST"
REPORT=$DIST/build-report.txt
: >"$REPORT"
for p in $PLATFORMS; do
  t=$(triple "$p")
  case $p in
    linux-arm64 | darwin-*) build=(cargo zigbuild) ;;
    # x86_64 musl links with Rust's self-contained musl objects; Windows with
    # MinGW-w64 gcc, Rust's default linker for *-windows-gnu.
    *) build=(cargo build) ;;
  esac
  echo "== $p: ${build[*]} --release --target $t -p linklens"
  start=$(date +%s)
  "${build[@]}" --release --locked --target "$t" -p linklens
  secs=$(($(date +%s) - start))
  dir=$DIST/linklens-$VERSION-$p
  rm -rf "$dir"
  mkdir -p "$dir"
  install -m 0755 "target/$t/release/$(exe "$p")" "$dir/"
  cp LICENSE-MIT LICENSE-APACHE "$dir/"
  size=$(stat -c %s "$dir/$(exe "$p")")
  printf '%-13s %-28s %4ss %9s bytes\n' "$p" "$t" "$secs" "$size" | tee -a "$REPORT"
done

echo "== inspect: every binary read back with linklens inspect --json"
LL=$DIST/linklens-$VERSION-linux-x64/linklens
for p in $PLATFORMS; do
  bin=$DIST/linklens-$VERSION-$p/$(exe "$p")
  "$LL" inspect --json "$bin" >"$DIST/inspect-$p.json"
  python3 - "$p" "$DIST/inspect-$p.json" "$bin" <<'EOF' | tee -a "$REPORT"
import json, re, struct, sys
plat, path, binary = sys.argv[1], sys.argv[2], sys.argv[3]
info = json.load(open(path))
info = info[0] if isinstance(info, list) else info
fmt, machine = str(info["format"]).lower(), info["machine"]
needed, interp = info.get("needed") or [], info.get("interpreter")
want_machine = {"x64": "x86-64", "arm64": "aarch64"}[plat.split("-")[1]]
errors = []
if machine != want_machine:
    errors.append(f"machine {machine}, want {want_machine}")
if plat.startswith("linux"):
    if fmt != "elf": errors.append(f"format {fmt}")
    if interp or needed: errors.append(f"not static: interpreter {interp}, needed {needed}")
elif plat.startswith("darwin"):
    if not fmt.startswith("mach"): errors.append(f"format {fmt}")
    # libSystem, plus libiconv (the libc crate links it on Apple targets) and
    # libcharset (libiconv's re-export, which zig's linker records): all three
    # are in every macOS's /usr/lib (dyld shared cache).
    bad = [d for d in needed if not re.match(r"^(/usr/lib/libSystem\.B\.dylib|/usr/lib/libiconv\.2\.dylib|/usr/lib/libcharset\.1\.dylib|/System/Library/Frameworks/)", d)]
    if bad: errors.append(f"non-system dylibs {bad}")
    # Apple silicon runs only signed code: the linker must have added an
    # ad-hoc signature (LC_CODE_SIGNATURE).
    data = open(binary, "rb").read()
    ncmds, off, cmds = struct.unpack_from("<I", data, 16)[0], 32, set()
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        cmds.add(cmd)
        off += size
    signed = 0x1D in cmds
    if plat == "darwin-arm64" and not signed: errors.append("no code signature")
    info["file_type"] += ", signed" if signed else ", unsigned"
else:
    if fmt != "pe": errors.append(f"format {fmt}")
    system = {"kernel32.dll", "ntdll.dll", "ws2_32.dll", "bcrypt.dll", "bcryptprimitives.dll",
              "advapi32.dll", "userenv.dll", "msvcrt.dll", "ucrtbase.dll", "shell32.dll",
              "ole32.dll", "oleaut32.dll", "secur32.dll", "user32.dll", "iphlpapi.dll", "mswsock.dll"}
    bad = [d for d in needed if d.lower() not in system and not d.lower().startswith("api-ms-win-")]
    if bad: errors.append(f"non-system DLLs {bad}")
line = f"{plat:13} {fmt} {info.get('class')} {machine} {info['file_type']} {info['linking']} needs: {', '.join(needed) or '-'}"
if errors:
    print(f"FAIL {line}: {'; '.join(errors)}")
    sys.exit(1)
print(f"ok   {line}")
EOF
done

if [ "${LINKLENS_NO_VSIX:-0}" != 1 ]; then
  for p in $PLATFORMS; do
    echo "== $p.vsix"
    LINKLENS_VSCE_TARGET=$p LINKLENS_SERVER_BIN=$DIST/linklens-$VERSION-$p/$(exe "$p") \
      LINKLENS_VSIX_DIR=$DIST vscode-extension/scripts/package.sh >"$DIST/vsix-$p.log" 2>&1 ||
      { cat "$DIST/vsix-$p.log" >&2; exit 1; }
    vsix=$DIST/linklens-$VERSION-$p.vsix
    # The .vsix holds this platform's server and no other.
    python3 - "$vsix" "$p" "$DIST/linklens-$VERSION-$p/$(exe "$p")" "$(exe "$p")" <<'EOF' | tee -a "$REPORT"
import hashlib, os, re, sys, zipfile
vsix, plat, built, name = sys.argv[1:]
z = zipfile.ZipFile(vsix)
servers = [n for n in z.namelist() if n.startswith("extension/server/")]
manifest = z.read("extension.vsixmanifest").decode()
errors = []
if servers != [f"extension/server/{name}"]: errors.append(f"server files {servers}")
elif hashlib.sha256(z.read(servers[0])).digest() != hashlib.sha256(open(built, "rb").read()).digest():
    errors.append("bundled server differs from the built binary")
if f'TargetPlatform="{plat}"' not in manifest: errors.append("manifest lacks TargetPlatform")
if "extension/dist/extension.js" not in z.namelist(): errors.append("no extension bundle")
status = "FAIL" if errors else "ok  "
print(f"{status} {os.path.basename(vsix)} {os.path.getsize(vsix)} bytes: {', '.join(servers)} {'; '.join(errors)}")
sys.exit(1 if errors else 0)
EOF
  done
  rm -rf vscode-extension/server
fi

echo "== archives"
(
  cd "$DIST"
  shopt -s nullglob
  rm -f SHA256SUMS ./*.tar.gz ./*.zip
  for p in $PLATFORMS; do
    d=linklens-$VERSION-$p
    case $p in
      win32-*) (cd "$d" && python3 -m zipfile -c "../$d.zip" linklens.exe LICENSE-MIT LICENSE-APACHE) ;;
      *) tar -czf "$d.tar.gz" --owner=0 --group=0 "$d" ;;
    esac
  done
  sha256sum ./*.tar.gz ./*.zip ./*.vsix | sed 's| \./| |' >SHA256SUMS
  cat SHA256SUMS
)

case " $PLATFORMS " in *" win32-x64 "*)
  if [ "${LINKLENS_NO_WINE:-0}" != 1 ]; then
    echo "== win32-x64 under Wine: linklens check -C examples/shop ./... against the native run"
    export WINEPREFIX=${WINEPREFIX:-$ROOT/target/wine-prefix} WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
    WINE=$(command -v wine || echo /usr/lib/wine/wine64)
    [ -d "$WINEPREFIX/drive_c/windows/system32" ] || "$WINE" wineboot --init >/dev/null 2>&1 || true
    # Rust's std (1.78+) takes random bytes from ProcessPrng in
    # bcryptprimitives.dll, which every Windows 10+ has and Debian 12's Wine 8
    # lacks: the test prefix (never the release) gets a stand-in built here.
    tools=$ROOT/target/wine-tools
    mkdir -p "$tools"
    cat >"$tools/bcryptprimitives.c" <<'C'
#include <windows.h>
#include <ntsecapi.h>
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!RtlGenRandom(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
C
    x86_64-w64-mingw32-gcc -shared -O2 -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
      "$tools/bcryptprimitives.c" -ladvapi32
    # Wine has no Windows `go` or C compiler. Both runs get the same explicit
    # target and cgo settings; the Windows one reads GOROOT and GOMODCACHE
    # through Z: (Wine's /), and finds the C compiler drivers as .exe copies
    # on its PATH: linklens only looks them up and reads them, never runs them.
    # The native run keeps its real `go` (it is the reference).
    for cc in gcc musl-gcc; do
      if command -v "$cc" >/dev/null; then cp "$(readlink -f "$(command -v "$cc")")" "$tools/$cc.exe"; fi
    done
    winpath() { echo "Z:${1//\//\\}"; }
    common=(GOOS=linux GOARCH=amd64 CGO_ENABLED=1 CC=gcc GOFLAGS= GOTOOLCHAIN=local)
    set +e
    env "${common[@]}" "$LL" check -C examples/shop ./... >"$DIST/check-native.txt" 2>&1
    native_rc=$?
    env "${common[@]}" GOROOT="$(winpath "$(go env GOROOT)")" GOMODCACHE="$(winpath "$(go env GOMODCACHE)")" \
      WINEPATH="$(winpath "$tools")" \
      "$WINE" "$DIST/linklens-$VERSION-win32-x64/linklens.exe" check -C examples/shop ./... \
      >"$DIST/check-wine.txt" 2>"$DIST/check-wine.stderr"
    wine_rc=$?
    set -e
    echo "native exit $native_rc, wine exit $wine_rc" | tee -a "$REPORT"
    # Same text once CRs and Windows paths are normalised, less the note that
    # Windows could not run the Linux `go` it found in GOROOT.
    tr -d '\r' <"$DIST/check-wine.txt" | grep -v '^note: could not run' | sed 's|Z:\\|/|g; s|\\|/|g' >"$DIST/check-wine.normalised.txt"
    # Each main package (a line at column 0) and its verdict line
    # ("  dynamic: internal linker, ..., needs libc.so.6", "  static, internal linker").
    verdicts() { awk '/^[^ ]/ && !/^build:/ { pkg = $0; next } pkg != "" && /^  [a-z]/ { sub(/^  /, ""); print pkg ": " $0; pkg = "" }' "$1"; }
    verdicts "$DIST/check-native.txt" >"$DIST/verdicts-native.txt"
    verdicts "$DIST/check-wine.normalised.txt" >"$DIST/verdicts-wine.txt"
    tee -a "$REPORT" <"$DIST/verdicts-wine.txt"
    if [ ! -s "$DIST/verdicts-native.txt" ] || [ "$native_rc" != "$wine_rc" ] ||
      ! diff -u "$DIST/verdicts-native.txt" "$DIST/verdicts-wine.txt" ||
      ! diff -u "$DIST/check-native.txt" "$DIST/check-wine.normalised.txt"; then
      echo "FAIL: the Windows build's output differs from the native one" | tee -a "$REPORT"
      cat "$DIST/check-wine.stderr" >&2
      exit 1
    fi
    echo "ok   wine output = native output ($(wc -l <"$DIST/verdicts-native.txt") main packages, $(wc -l <"$DIST/check-native.txt") lines)" | tee -a "$REPORT"
  fi
  ;;
esac
echo "== done: $DIST"
cat "$REPORT"
