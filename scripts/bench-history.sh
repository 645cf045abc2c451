#!/usr/bin/env bash
# End-to-end timings of the history and notes paths on the generated 100,000-commit fixture
# (a note on every commit), each beside a git baseline measured in the same run:
#   check over 10,000 commits            vs  git rev-list --count of the same range
#   pre-push of a 50-commit branch       vs  git rev-list --count of the pushed range
#   one stamp on a 100,000-note ref      vs  git notes add
#   reading every note's events          vs  git log --notes --format='%H %N'
#   a whole commit with all our hooks    vs  the same commit with no hooks
#   10,000 sequential stamps on a fresh ref (total time, and the fan-out left)
# Env: GIT_POLICY_BIN, BENCH_DIR (default /tmp/git-policy-bench), BENCH_RUNS (default 20).
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

log "a whole commit with every hook"
git switch -q -C feat/commits main
"$bin" install >/dev/null
hf commit "git commit -q --allow-empty -m 'feat: with hooks'" "git -c core.hooksPath=/dev/null commit -q --allow-empty -m 'feat: without hooks'"
"$bin" uninstall >/dev/null
git switch -q main

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
for b in check prepush stamp read commit; do
    echo "$b:"
    hyperfine_summary "$out/$b.json" 0:1:"ratio"
done | tee "$out/summary.txt"
echo "results in $out"
