# shellcheck shell=bash
# Shared helpers for the benchmark scripts. Source it; it sets no shell options.

log() { if [ -t 2 ]; then printf '\033[1m==> %s\033[0m\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Package installs need root; fall back to sudo for non-root developers.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The common start of a benchmark script, given the repository root $1 and a results suffix $2:
# sets bin (GIT_POLICY_BIN, else the binary install.sh installs, built here), bench_dir (BENCH_DIR
# or /tmp/git-policy-bench), out (a fresh results directory), runs (BENCH_RUNS or 20), and makes
# sure hyperfine is there.
# shellcheck disable=SC2034  # the variables are for the calling script
bench_setup() {
    bin=${GIT_POLICY_BIN:-$(release_binary "$1")}
    bin=$(realpath "$bin")
    [ -x "$bin" ] || die "$bin is not executable (cargo build --release?)"
    bench_dir=${BENCH_DIR:-/tmp/git-policy-bench}
    out=$bench_dir/results/$(date -u +%Y%m%dT%H%M%SZ)-$2
    runs=${BENCH_RUNS:-20}
    mkdir -p "$out"
    ensure_hyperfine
}

# Builds the release binary as install.sh does (static-pie against musl on Linux when musl-gcc
# and Rust's musl standard library are there, else static-pie against glibc) and prints its
# path; the dynamic target/release build elsewhere. BENCH_TARGET picks the target instead.
release_binary() {
    local host target
    host=$(rustc -vV | sed -n 's/^host: //p')
    target=${BENCH_TARGET:-}
    if [ -z "$target" ] && [[ $host == *-linux-gnu ]]; then
        target=$host
        if command -v musl-gcc >/dev/null && [ -d "$(rustc --print sysroot)/lib/rustlib/${host%-gnu}-musl" ]; then
            target=${host%-gnu}-musl
        fi
    fi
    case "$target" in
        *-linux-gnu)
            log "building the static-pie glibc release binary ($target)"
            (cd "$1" && RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" cargo build --release --quiet --target "$target") >&2 ||
                die "the static build failed" ;;
        "")
            (cd "$1" && cargo build --release --quiet) >&2 || die "the release build failed"
            printf '%s\n' "$1/target/release/git-policy"
            return ;;
        *)
            log "building the release binary ($target), as install.sh does"
            (cd "$1" && cargo build --release --quiet --target "$target") >&2 || die "the $target build failed" ;;
    esac
    printf '%s\n' "$1/target/$target/release/git-policy"
}

ensure_hyperfine() {
    command -v hyperfine >/dev/null && return
    log "installing hyperfine"
    as_root apt-get update -qq
    as_root apt-get install -y -qq hyperfine >/dev/null
}

# Print the path of a real prek binary. A pyenv shim is a bash script that adds
# ~75 ms per call here, which would swamp what we measure, so look through it.
resolve_prek() {
    command -v prek >/dev/null || { log "installing prek"; python3 -m pip install -q prek >&2; }
    local p
    p=$(command -v prek) || die "prek not on PATH after pip install"
    case "$p" in
        */shims/*) command -v pyenv >/dev/null && p=$(pyenv which prek) ;;
    esac
    printf '%s\n' "$p"
}

# Enter the fixture at $1 (generated with notes if absent) in a known state for the history
# benchmarks: git's automatic gc off (the stamps leave loose objects, and gc must not start in the
# middle of a timing), main checked out, and GIT_POLICY_FILE set to the default policy without
# the review requirement (the fixture has no reviews to find), written to $2.
enter_fixture() {
    ensure_fixture "$1" --notes
    cd "$1" || die "cannot enter $1"
    git config gc.auto 0
    git config maintenance.auto false
    # gc is off so that it cannot start in the middle of a timing, so the loose objects of
    # earlier runs pile up (four a stamp, more a timed commit, and the 10,000 sequential stamps
    # are thrown away: 166,000 after a few sessions, which slowed git and git-policy alike, a
    # plain commit by ~2 ms). Pack what is reachable and drop what the benchmarks threw away,
    # so that every run starts from a repository as `git gc` would leave it.
    if [ "$(git count-objects | cut -d' ' -f1)" -gt 6700 ]; then
        log "packing $(git count-objects | cut -d' ' -f1) loose objects left by earlier runs"
        git repack -dq
        git prune --expire=now
    fi
    git reset -q --hard HEAD
    git switch -q main
    export GIT_POLICY_FILE=$2
    printf 'extends = ["builtin:default"]\n[review]\napprovals = 0\n' >"$GIT_POLICY_FILE"
}

# Generate the fixture repository at $1 unless it is already there.
# Extra arguments go to gen-fixture.py.
ensure_fixture() {
    local repo=$1; shift
    [ -d "$repo/.git" ] && return
    log "generating fixture repo in $repo"
    python3 "$(dirname "${BASH_SOURCE[0]}")/gen-fixture.py" --out "$repo" "$@"
}

# Print median (ms) per command from a hyperfine JSON export, then the given
# ratios. Usage: hyperfine_summary FILE NUM_INDEX:DEN_INDEX:LABEL...
hyperfine_summary() {
    python3 - "$@" <<'EOF'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
med = [statistics.median(r["times"]) * 1e3 for r in results]
width = max(len(r["command"]) for r in results)
for r, m in zip(results, med):
    print(f"  {r['command']:<{width}}  median {m:9.2f} ms  ({len(r['times'])} runs)")
for spec in sys.argv[2:]:
    num, den, label = spec.split(":", 2)
    print(f"  {label}: {med[int(num)] / med[int(den)]:.2f}x")
EOF
}
