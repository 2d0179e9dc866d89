#!/usr/bin/env bash
# Speed on real applications (issue 20): `linklens check --json ./...`
# against `go list -deps -json ./...`, warm and with the header index cold.
#
# Fetches pinned applications through the Go module proxy into a scratch
# GOPATH (its own module cache), copies each one out of the module cache
# (a checkout is writable, as a user's is), downloads its dependencies so
# that the cache is warm, then times alternating runs and prints medians.
#
#   scripts/bench-real.sh [RUNS]        (default 11 runs of each)
#
# LINKLENS=path/to/linklens picks the binary (default: a release build of
# this tree); BENCH_DIR keeps the downloads between runs (default
# ${XDG_CACHE_HOME:-~/.cache}/linklens-bench); APPS overrides the list.
set -euo pipefail

runs=${1:-11}
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/linklens-bench}
apps=${APPS:-"github.com/derailed/k9s@v0.50.16 github.com/caddyserver/caddy/v2@v2.11.9"}

if [[ -z ${LINKLENS:-} ]]; then
  cargo build --release -p linklens --manifest-path "$here/Cargo.toml" >&2
  LINKLENS=$here/target/release/linklens
fi

mkdir -p "$bench"
export GOPATH=$bench/gopath GOMODCACHE=$bench/gopath/pkg/mod GOFLAGS=-modcacherw
# The index and go-env caches of these runs, apart from the user's.
export XDG_CACHE_HOME=$bench/xdg

for app in $apps; do
  name=${app%@*}
  name=${name##*/}
  [[ $name =~ ^v[0-9]+$ ]] && { n=${app%@*}; n=${n%/*}; name=${n##*/}; }
  src=$bench/src/$name
  if [[ ! -f $src/.fetched ]]; then
    echo "fetching $app (and its dependencies) through the module proxy" >&2
    dir=$(go mod download -json "$app" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
    rm -rf "$src"
    mkdir -p "$(dirname "$src")"
    cp -r "$dir" "$src"
    chmod -R u+w "$src"
    (cd "$src" && go mod download)
    touch "$src/.fetched"
  fi
done

python3 - "$LINKLENS" "$runs" "$bench" $apps <<'EOF'
import os, resource, shutil, statistics, subprocess, sys, time

linklens, runs, bench, apps = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
# The header index (go env's cached answer is the toolchain's, kept).
index = os.path.join(os.environ["XDG_CACHE_HOME"], "linklens", "index")

cpu = {}

def timed(cmd, cwd):
    # Wall time, and the CPU time (user + system) of the process and its
    # children, kept per command: on a busy machine the CPU ratio is the
    # steadier one.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = (time.perf_counter() - t) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    cpu.setdefault(tuple(cmd), []).append(used)
    return wall

def cold():
    shutil.rmtree(index, ignore_errors=True)

print(f"{'module':<12} {'go list ms':>10} {'linklens ms':>12} {'ratio':>7}  index")
for app in apps:
    name = app.split("@")[0].split("/")
    name = name[-2] if name[-1].startswith("v") and name[-1][1:].isdigit() else name[-1]
    src = os.path.join(bench, "src", name)
    golist = ["go", "list", "-deps", "-json", "./..."]
    check = [linklens, "check", "--json", "./..."]
    # Warm go's caches and linklens's index, then alternate.
    timed(golist, src); timed(check, src); timed(check, src)
    g, w, c = [], [], []
    gc, wc, cc = [], [], []
    for _ in range(runs):
        g.append(timed(golist, src)); gc.append(cpu[tuple(golist)][-1])
        w.append(timed(check, src)); wc.append(cpu[tuple(check)][-1])
        cold()
        c.append(timed(check, src)); cc.append(cpu[tuple(check)][-1])
        # The next warm run needs the index back (settled: 2 s old files).
        timed(check, src)
    med = statistics.median
    gm, wm, cm = med(g), med(w), med(c)
    gcm, wcm, ccm = med(gc), med(wc), med(cc)
    print(f"{name:<12} {gm:>10.0f} {wm:>12.0f} {gm / wm:>6.1f}×  warm   (CPU {gcm:.0f} / {wcm:.0f} ms = {gcm / wcm:.1f}×)")
    print(f"{name:<12} {gm:>10.0f} {cm:>12.0f} {gm / cm:>6.1f}×  cold   (CPU {gcm:.0f} / {ccm:.0f} ms = {gcm / ccm:.1f}×)")
EOF
