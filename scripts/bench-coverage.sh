#!/usr/bin/env bash
# Coverage gates at monorepo scale, beside diff-cover on the same input in the same run:
#   a 50 MB lcov tracefile and an 80 MB Cobertura report of a 28,000-file repository, with a
#   change of 1,000 files (scripts/gen-coverage-fixture.py), gated by `git-policy coverage
#   --base base` (min-total and min-patch) and by `diff-cover --compare-branch=base`.
# Prints each median, the ratio to diff-cover, and each command's peak memory (max RSS).
# Env: GIT_POLICY_BIN, BENCH_DIR (default /tmp/git-policy-bench), BENCH_RUNS (default 20;
# diff-cover runs 3 times, it takes seconds).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"
bench_setup "$root" coverage
fixture=$bench_dir/coverage
command -v diff-cover >/dev/null || { log "installing diff-cover"; python3 -m pip install -q diff-cover; }
if [ ! -d "$fixture/repo/.git" ]; then
    log "generating the coverage fixture in $fixture"
    rm -rf "$fixture"
    python3 "$root/scripts/gen-coverage-fixture.py" --out "$fixture"
fi
cd "$fixture/repo"
export GIT_POLICY_FILE=$out/policy.toml
printf '[coverage]\nmin-total = 80\nmin-patch = 80\n' >"$GIT_POLICY_FILE"
# diff-cover is a Python entry point; a pyenv shim in front of it would add its own start-up.
dc=$(command -v diff-cover)
case "$dc" in */shims/*) command -v pyenv >/dev/null && dc=$(pyenv which diff-cover) ;; esac

for report in lcov.info coverage.xml; do
    name=${report%%.*}
    log "$report ($(du -m "../$report" | cut -f1) MB): git-policy"
    hyperfine -N --warmup 2 --runs "$runs" --export-json "$out/$name-git-policy.json" \
        "$bin coverage ../$report --base base" >"$out/$name-git-policy.txt" 2>&1 \
        || { cat "$out/$name-git-policy.txt"; die "git-policy failed"; }
    log "$report: diff-cover"
    hyperfine -N --warmup 1 --runs 3 --export-json "$out/$name-diff-cover.json" \
        "$dc ../$report --compare-branch=base --fail-under 80" >"$out/$name-diff-cover.txt" 2>&1 \
        || { cat "$out/$name-diff-cover.txt"; die "diff-cover failed"; }
    python3 - "$out/$name-git-policy.json" "$out/$name-diff-cover.json" <<'EOF'
import json, statistics, sys
ours, theirs = (statistics.median(json.load(open(f))["results"][0]["times"]) * 1e3 for f in sys.argv[1:3])
print(f"  git-policy median {ours:8.1f} ms   diff-cover median {theirs:8.1f} ms   {theirs / ours:.1f}x faster")
EOF
    for cmd in "$bin coverage ../$report --base base" "$dc ../$report --compare-branch=base --fail-under 80"; do
        # shellcheck disable=SC2086
        /usr/bin/time -f "  peak memory %M KB: %C" $cmd >/dev/null 2>"$out/time.txt" || true
        tail -1 "$out/time.txt"
    done
    # Both must agree on what they measure: the changed lines and the uncovered ones.
    "$bin" coverage "../$report" --base base --format json >"$out/$name-git-policy-report.json" || true
    "$dc" "../$report" --compare-branch=base --format "json:$out/$name-diff-cover-report.json" >/dev/null || true
    python3 - "$out/$name-git-policy-report.json" "$out/$name-diff-cover-report.json" <<'EOF'
import json, sys
ours, theirs = (json.load(open(f)) for f in sys.argv[1:3])
print(f"  changed lines measured: git-policy {ours['patch']['measured']}, diff-cover {theirs['total_num_lines']}; "
      f"uncovered: git-policy {ours['patch']['measured'] - ours['patch']['covered']}, diff-cover {theirs['total_num_violations']}")
EOF
done
log "results in $out"
