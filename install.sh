#!/bin/sh
# Builds and installs git-policy, then installs its hooks into the git repository you are in
# (or the one given with --repo DIR). Safe to run again: both steps are idempotent.
#
#   ./install.sh                 build, install to ~/.cargo/bin, hooks in the current repo
#   ./install.sh --repo DIR      hooks in DIR instead
#   ./install.sh --no-hooks      only build and install the binary
#   PREFIX=/usr/local ./install.sh   install into /usr/local/bin
set -eu

src_dir=$(cd "$(dirname "$0")" && pwd)
repo=""
hooks=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repo) [ $# -ge 2 ] || { echo "install.sh: --repo needs a directory" >&2; exit 2; }; repo=$2; shift 2 ;;
    --repo=*) repo=${1#--repo=}; shift ;;
    --no-hooks) hooks=0; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

command -v cargo >/dev/null 2>&1 || { echo "install.sh: cargo is needed (https://rustup.rs)" >&2; exit 3; }
root=${PREFIX:-${CARGO_HOME:-$HOME/.cargo}}
echo "==> building and installing git-policy into $root/bin"
cargo install --quiet --locked --force --path "$src_dir" --root "$root"
bin="$root/bin/git-policy"
"$bin" --version

case ":$PATH:" in
  *":$root/bin:"*) ;;
  *) echo "note: $root/bin is not on your PATH; add it so that 'git policy' works:"
     echo "      export PATH=\"$root/bin:\$PATH\"" ;;
esac

[ "$hooks" = 1 ] || exit 0
target=${repo:-.}
if git -C "$target" rev-parse --git-dir >/dev/null 2>&1; then
  echo "==> installing hooks in $(cd "$target" && pwd)"
  (cd "$target" && "$bin" install)
  if ! git -C "$target" rev-parse --show-toplevel >/dev/null 2>&1 || [ ! -f "$(git -C "$target" rev-parse --show-toplevel)/.git-policy.toml" ]; then
    echo "    no .git-policy.toml here: the embedded default policy applies ('git-policy policy init' writes one)"
  fi
elif [ -n "$repo" ]; then
  echo "install.sh: $repo is not a git repository" >&2
  exit 3
else
  echo "==> not in a git repository: run 'git-policy install' inside one to set up its hooks"
fi
