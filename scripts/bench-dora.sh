#!/usr/bin/env bash
# `metrics` on the generated 100,000-commit fixture with a note on every commit and 2,000
# deployments, against `git log --notes --format='%H %N'` over the same history, in the same run:
# first without a commit-graph (as the generator leaves it), then with one (as git gc leaves it).
# Env: GIT_POLICY_BIN, BENCH_DIR (default /tmp/git-policy-bench).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"
bench_setup "$root" dora
repo=$bench_dir/repo
enter_fixture "$repo" "$out/policy.toml"
if [ "$(git notes --ref=refs/notes/git-policy/deploy list 2>/dev/null | wc -l)" -lt 2000 ]; then
    log "recording 2,000 production deployments (every 50th trunk commit, an hour after it)"
    git update-ref -d refs/notes/git-policy/deploy 2>/dev/null || true
    git rev-list --first-parent --reverse --format='%H %ct' main | grep -v '^commit' | awk 'NR % 50 == 0' |
        while read -r sha ct; do
            GIT_POLICY_NOW=$((ct + 3600)) "$bin" deploy --env prod --ring ga --status success --id "d-$sha" "$sha" >/dev/null 2>&1
        done
fi
last=$(git log -1 --format=%ct main)
until=$(python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp($last + 86400, datetime.timezone.utc).strftime('%Y-%m-%d'))")
graph=.git/objects/info/commit-graph
rm -f "$graph"
for variant in no-graph graph; do
    # Many real repositories have a commit-graph (git gc writes one), and git log uses it too.
    [ "$variant" = graph ] && git commit-graph write --reachable 2>/dev/null
    log "metrics over the whole history, the default 90-day window, and git log --notes ($variant)"
    hyperfine -N --warmup 1 --runs "$runs" --export-json "$out/dora-$variant.json" \
        "$bin metrics --since 2023-01-01 --until $until --format json" \
        "$bin metrics --until $until --format json" \
        "git log --notes=refs/notes/git-policy/dev --format='%H %N'" >"$out/dora-$variant.txt" 2>&1 ||
        { cat "$out/dora-$variant.txt"; die "hyperfine failed"; }
    echo "$variant:"
    hyperfine_summary "$out/dora-$variant.json" 0:2:"whole history / git log --notes" 1:2:"90-day window / git log --notes"
done | tee "$out/summary.txt"
rm -f "$graph"
echo "results in $out"
