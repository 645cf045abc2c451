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
install_binary() { cargo install --quiet --locked --force --path "$src_dir" --root "$root" "$@"; }
host=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')
case "$host" in
  *-linux-gnu)
    # A static-pie binary (still position independent, so still randomised in memory): without
    # the dynamic loader every hook starts about 0.3 ms sooner (BENCHMARKS.md). --target keeps
    # the flag off build scripts and proc macros, which must stay dynamic.
    if ! RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" install_binary --target "$host"; then
      echo "note: the static build failed (is the C library's static part, libc6-dev or glibc-static, installed?); building a dynamic one"
      install_binary
    fi ;;
  *) install_binary ;;
esac
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
