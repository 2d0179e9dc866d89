#!/usr/bin/env bash
# Builds the seed corpora in fuzz/corpus/<target>/ from the repository's
# fixtures and examples, the Go toolchain's own sources (rich in build
# constraints and cgo preambles) and small binaries built in a temp dir.
# Usage: fuzz/seed.sh   (from anywhere; needs go and gcc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
c=$here/corpus
mkdir -p "$c"/{header,constraint,modfiles,flags,inspect,profiles}
goroot=$(GOTOOLCHAIN=local go env GOROOT)

# header: every Go/C file of the fixtures, plus a slice of GOROOT/src.
n=0
while IFS= read -r f; do
  cp "$f" "$c/header/$(printf %05d $n)-$(basename "$f")"; n=$((n+1))
done < <( { find "$repo/tests/fixtures" "$repo/examples" -type f \( -name '*.go' -o -name '*.c' \);
            find "$goroot/src/runtime/cgo" "$goroot/src/os/user" "$goroot/src/net" "$goroot/src/syscall" \
                 "$goroot/src/internal/syscall" "$goroot/src/crypto/x509" -maxdepth 1 -name '*.go' -size -64k; } | head -1500 )

# constraint: the text after each //go:build and // +build line seen above.
grep -rhoE '^//(go:build| \+build) .*' "$c/header" | sed -E 's#^//(go:build| \+build) ##' | sort -u \
  | split -l 1 -a 5 - "$c/constraint/c-"
printf '%s' '!(linux && (cgo || !netgo)) || go1.21' > "$c/constraint/hand-1"
printf '%s' 'linux,cgo !windows,!arm64' > "$c/constraint/hand-2"

# modfiles: go.mod, go.work and modules.txt files.
n=0
while IFS= read -r f; do
  cp "$f" "$c/modfiles/$(printf %04d $n)-$(basename "$f")"; n=$((n+1))
done < <(find "$repo/tests/fixtures" "$repo/examples" "$goroot/src/go.mod" "$goroot/src/cmd/go.mod" \
           "$goroot/src/vendor/modules.txt" "$goroot/src/cmd/vendor/modules.txt" \
           -type f \( -name go.mod -o -name go.work -o -name modules.txt \))

# flags: -ldflags values and GOFLAGS lines as users write them.
i=0
while IFS= read -r line; do printf '%s' "$line" > "$c/flags/f-$i"; i=$((i+1)); done <<'LINES'
-linkmode external -extldflags "-static -lm"
-s -w -X 'main.version=1.2.3 beta'
-ldflags=-linkmode=internal -tags=netgo,osusergo -trimpath
-tags netgo -ldflags "-extldflags=-static" -buildmode=pie ./cmd/...
-mod=vendor -race -ldflags=example.com/m/cmd/...=-d
-buildmode=c-shared -linkshared -o out ./...
-I /lib/ld-musl-x86_64.so.1 -extld=musl-gcc -d
--ldflags='-X=a"b' -asan=true -msan=false -- pkg
LINES

# profiles: Dockerfiles, Makefiles, goreleaser/ko YAML, scripts of the fixtures.
n=0
while IFS= read -r f; do
  cp "$f" "$c/profiles/$(printf %04d $n)-$(basename "$f")"; n=$((n+1))
done < <(find "$repo/tests/fixtures" "$repo/examples" -type f \( -name '*Dockerfile*' -o -name Makefile \
           -o -name '*.yaml' -o -name '*.yml' -o -name '*.sh' \))

# inspect: small binaries: Go for three OSes, gcc static and dynamic.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/m" && printf 'module m\n\ngo 1.21\n' > "$tmp/m/go.mod"
printf 'package main\n\nimport "os"\n\nfunc main() { os.Exit(0) }\n' > "$tmp/m/main.go"
for t in linux/amd64 darwin/arm64 windows/amd64; do
  ( cd "$tmp/m" && GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=0 GOOS=${t%/*} GOARCH=${t#*/} \
      go build -trimpath -ldflags='-s -w' -o "$c/inspect/go-${t%/*}-${t#*/}" . )
done
printf 'int main(void){return 0;}\n' > "$tmp/x.c"
gcc -Os -s -o "$c/inspect/gcc-dyn" "$tmp/x.c"
gcc -Os -s -static -o "$c/inspect/gcc-static" "$tmp/x.c" 2>/dev/null || true
head -c 4096 "$c/inspect/go-linux-amd64" > "$c/inspect/go-linux-head"
echo "seeded: $(for d in "$c"/*; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
