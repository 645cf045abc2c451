#!/usr/bin/env bash
# Time `git-policy hook pre-commit` on a large fixture repo against two
# reference points: the floor (`git rev-parse HEAD`, one git process) and the
# hook manager people would otherwise use (prek running a single no-op hook).
#
# Env: GIT_POLICY_BIN (default target/release/git-policy), BENCH_DIR (default
# /tmp/git-policy-bench), BENCH_WARMUP (5), BENCH_RUNS (min runs, 30),
# BENCH_FIXTURE_ARGS (gen-fixture.py args, default "--notes").
set -euo pipefail

# Resolve a caller-given binary path against the caller's cwd, before we move.
bin=${GIT_POLICY_BIN:-}
if [ -n "$bin" ]; then
    case "$bin" in */*) ;; *) bin=$(command -v "$bin") ;; esac
    bin=$(realpath "$bin")
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
bin=${bin:-$(release_binary "$root")}
[ -x "$bin" ] || die "$bin is not executable (cargo build --release?)"

bench_dir=${BENCH_DIR:-/tmp/git-policy-bench}
repo=$bench_dir/repo
out=$bench_dir/results/$(date -u +%Y%m%dT%H%M%SZ)

ensure_hyperfine
prek=$(resolve_prek)
# shellcheck disable=SC2086  # word splitting of the args is intended
ensure_fixture "$repo" ${BENCH_FIXTURE_ARGS---notes}
cd "$repo"

# A known starting state: the work tree as HEAD plus exactly one staged edit,
# whatever earlier runs left behind.
# A work branch: the default policy refuses direct commits on main, and a developer's
# commit happens on a branch like this one.
git reset -q --hard HEAD
git switch -q -C feat/bench
staged=$(git ls-files | sed -n 1p)  # not head: SIGPIPE + pipefail
echo "// bench edit" >>"$staged"
git add "$staged"

# prek's config lives in the work tree, where prek looks for it, but is kept
# untracked and excluded so that neither git status nor git-policy sees it.
cat >.pre-commit-config.yaml <<'EOF'
repos:
  - repo: local
    hooks:
      - id: noop
        name: noop
        entry: "true"
        language: system
        pass_filenames: false
        always_run: true
EOF
grep -qxF .pre-commit-config.yaml .git/info/exclude 2>/dev/null ||
    echo .pre-commit-config.yaml >>.git/info/exclude

names=("git-policy hook pre-commit" "git rev-parse HEAD" "prek run (1 no-op hook)")
cmds=("$bin hook pre-commit" "git rev-parse HEAD" "$prek run --stage pre-commit")

# One untimed run of each: pays prek's first-run setup, and fails loudly here
# rather than as a hyperfine error (or a fast, meaningless, failing timing).
for i in "${!cmds[@]}"; do
    # shellcheck disable=SC2086
    ${cmds[i]} >/dev/null 2>"$bench_dir/preflight.err" ||
        { cat "$bench_dir/preflight.err" >&2; die "'${names[i]}' failed in $repo"; }
done
prek_out=$("$prek" run --stage pre-commit -v 2>&1)
grep -q '^- hook id: noop' <<<"$prek_out" || die "prek did not run the noop hook: $prek_out"
[ "$(git diff --cached --name-only)" = "$staged" ] || die "staged set changed during preflight"

mkdir -p "$out"
args=(-N --warmup "${BENCH_WARMUP:-5}" --min-runs "${BENCH_RUNS:-30}"
      --export-json "$out/hooks.json" --export-markdown "$out/hooks.md")
for i in "${!cmds[@]}"; do args+=(--command-name "${names[i]}" "${cmds[i]}"); done
log "benchmarking in $repo ($(git rev-list --count HEAD) commits, $(git ls-files | wc -l) files)"
hyperfine "${args[@]}"

{
    echo "git-policy: $bin"
    "$bin" --version 2>&1 | head -n 1 || true
    git --version
    "$prek" --version
    hyperfine --version
    uname -srm
} >"$out/env.txt"

log "results in $out"
hyperfine_summary "$out/hooks.json" "0:1:pre-commit / rev-parse" "2:0:prek / pre-commit"
