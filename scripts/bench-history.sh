#!/usr/bin/env bash
# End-to-end timings of the history and notes paths on the generated 100,000-commit fixture
# (a note on every commit), each beside a git baseline measured in the same run:
#   check over 10,000 commits            vs  git rev-list --count of the same range
#   pre-push of a 50-commit branch       vs  git rev-list --count of the pushed range
#   one stamp on a 100,000-note ref      vs  git notes add
#   reading every note's events          vs  git log --notes --format='%H %N'
#   a whole commit with all our hooks    vs  no hooks, and vs no-op sh hooks (interleaved runs),
#                                            on the fixture and on a small repository
#   10,000 sequential stamps on a fresh ref (total time, and the fan-out left)
# Env: GIT_POLICY_BIN, BENCH_DIR (default /tmp/git-policy-bench), BENCH_RUNS (default 20),
#      BENCH_GLIBC (default 1: with a musl binary, also time a glibc build of it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"
bench_setup "$root" history
repo=$bench_dir/repo
enter_fixture "$repo" "$out/policy.toml"
hf() { hfr "$runs" "$@"; }
# hfr RUNS NAME COMMAND...: hyperfine with a fixed number of runs.
hfr() { hyperfine -N --warmup 2 --runs "$1" --export-json "$out/$2.json" "${@:3}" >"$out/$2.txt" 2>&1 || { cat "$out/$2.txt"; die "$2 failed"; }; }

log "check over 10,000 commits"
hf check -i "$bin check --range HEAD~10000..HEAD" "git rev-list --count HEAD~10000..HEAD"

log "pre-push of a 50-commit branch"
git update-ref refs/remotes/origin/main main
git switch -q -C feat/push50 main
for i in $(seq 50); do echo "$i" >"push50.txt"; git add push50.txt; git commit -q --no-verify -m "feat: push $i"; done
tip=$(git rev-parse HEAD)
printf 'refs/heads/feat/push50 %s refs/heads/feat/push50 %s\n' "$tip" "$(printf '0%.0s' $(seq 40))" >"$out/push-stdin"
# hyperfine 1.15 has no --input: both sides run through a one-line sh script, so both pay for sh.
printf '#!/bin/sh\nexec "%s" hook pre-push origin /dev/null <"%s"\n' "$bin" "$out/push-stdin" >"$out/prepush.sh"
printf '#!/bin/sh\nexec git rev-list --count origin/main..feat/push50\n' >"$out/revlist.sh"
chmod +x "$out/prepush.sh" "$out/revlist.sh"
hf prepush "$out/prepush.sh" "$out/revlist.sh"
git switch -q main

log "one stamp on a ref with 100,000 notes"
hf stamp "$bin hook post-commit" "git notes --ref=refs/notes/git-policy/dev add -f -m x HEAD~1"

log "reading every note"
hfr 5 read "$bin notes export" "git log --notes=refs/notes/git-policy/dev --format='%H %N'"

log "a whole commit with every hook, against the floors of running hooks at all"
# Interleaved rounds (scripts/interleave.py): the differences are a few ms in ~20 ms commits, and
# this machine drifts more than that between hyperfine's back-to-back blocks. Hook sets, each
# tried through core.hooksPath on the same repository:
#   none      no hooks (the baseline)
#   noop-sh   pre-commit, commit-msg and post-commit as `#!/bin/sh` + `exit 0`
#   sh-exec   the same three, each exec'ing a trivial static binary: what any sh shim that
#             execs a program costs before the program does anything
#   ours      git-policy's installed shims
#   ours-glibc  the same shims running a static glibc build of the same sources, when the binary
#             is a musl one (install.sh's choice on Linux): what the C library costs a commit.
#             BENCH_GLIBC=0 leaves it out.
hooks=$out/hooks
mkdir -p "$hooks/none" "$hooks/noop-sh" "$hooks/sh-exec" "$hooks/ours"
sets=(none noop-sh sh-exec ours)
glibc_bin=""
host=$(rustc -vV | sed -n 's/^host: //p')
if [ "${BENCH_GLIBC:-1}" = 1 ] && [[ $bin == */*-linux-musl/* && $host == *-linux-gnu ]]; then
    glibc_bin=$(BENCH_TARGET=$host release_binary "$root")
    mkdir -p "$hooks/ours-glibc"
    sets+=(ours-glibc)
fi
printf 'int main(void) { return 0; }\n' >"$hooks/true.c"
floor_bin=$hooks/true-static
cc -O2 -static -o "$floor_bin" "$hooks/true.c" 2>/dev/null || cc -O2 -o "$floor_bin" "$hooks/true.c" || floor_bin=/bin/true
"$bin" install >/dev/null
for h in pre-commit commit-msg post-commit; do
    printf '#!/bin/sh\nexit 0\n' >"$hooks/noop-sh/$h"
    printf '#!/bin/sh\nexec %s\n' "$floor_bin" >"$hooks/sh-exec/$h"
    cp "$(git rev-parse --git-path hooks)/$h" "$hooks/ours/$h"
    chmod +x "$hooks/noop-sh/$h" "$hooks/sh-exec/$h"
    if [ -n "$glibc_bin" ]; then
        sed "s|^bin=.*|bin='$glibc_bin'|" "$hooks/ours/$h" >"$hooks/ours-glibc/$h"
        chmod +x "$hooks/ours-glibc/$h"
    fi
done
"$bin" uninstall >/dev/null
# commit_bench NAME: interleaved whole commits in the current repository, on a scratch branch.
commit_bench() {
    git switch -q -C feat/commits
    local named=()
    for set in "${sets[@]}"; do
        named+=("$set=git -c core.hooksPath=$hooks/$set commit -q --allow-empty -m 'feat: $set'")
    done
    python3 "$root/scripts/interleave.py" --runs "$((runs * 3))" --json "$out/$1.json" "${named[@]}" | tee "$out/$1.txt"
    git switch -q main
}
commit_bench commit
log "the same on a small repository (20 files, one commit)"
small=$bench_dir/small-repo
rm -rf "$small"
git init -q -b main "$small"
for i in $(seq 20); do echo "$i" >"$small/f$i"; done
git -C "$small" config user.name bench && git -C "$small" config user.email bench@example.com
git -C "$small" add . && git -C "$small" commit -q -m "feat: start"
(cd "$small" && commit_bench commit-small)

log "10,000 sequential stamps on a fresh ref"
git update-ref refs/notes/git-policy/saved refs/notes/git-policy/dev
git update-ref -d refs/notes/git-policy/dev
head_file=$(git rev-parse --git-dir)/HEAD
cp "$head_file" "$out/HEAD.saved"
start=$(date +%s.%N)
git rev-list -n 10000 main | while read -r sha; do echo "$sha" >"$head_file"; "$bin" hook post-commit; done
end=$(date +%s.%N)
cp "$out/HEAD.saved" "$head_file"
top=$(git ls-tree refs/notes/git-policy/dev | wc -l)
notes=$(git notes --ref=refs/notes/git-policy/dev list | wc -l)
python3 -c "print(f'  10,000 sequential stamps: {$end-$start:.1f} s total; {$notes} notes; {$top} top-level entries')" | tee "$out/sequential.txt"
git update-ref refs/notes/git-policy/dev refs/notes/git-policy/saved
git update-ref -d refs/notes/git-policy/saved

log "summary (medians)"
{
    for b in check prepush stamp read; do
        echo "$b:"
        hyperfine_summary "$out/$b.json" 0:1:"ratio"
    done
    echo "whole commit, fixture:"
    sed 1d "$out/commit.txt"
    echo "whole commit, small repository:"
    sed 1d "$out/commit-small.txt"
} | tee "$out/summary.txt"
echo "results in $out"
