#!/bin/sh
# Builds and installs git-policy, then installs its hooks into the git repository you are in
# (or the one given with --repo DIR). Safe to run again: both steps are idempotent.
#
#   ./install.sh                 build, install to ~/.cargo/bin, hooks in the current repo
#   ./install.sh --repo DIR      hooks in DIR instead
#   ./install.sh --no-hooks      only build and install the binary
#   PREFIX=/usr/local ./install.sh   install into /usr/local/bin
#   GIT_POLICY_TARGET=x86_64-unknown-linux-gnu ./install.sh   build for that target (on Linux
#                                the default is musl when musl-gcc is there, else glibc)
set -eu

src_dir=$(cd "$(dirname "$0")" && pwd)
repo=""
hooks=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repo) [ $# -ge 2 ] || { echo "install.sh: --repo needs a directory" >&2; exit 2; }; repo=$2; shift 2 ;;
    --repo=*) repo=${1#--repo=}; shift ;;
    --no-hooks) hooks=0; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

command -v cargo >/dev/null 2>&1 || { echo "install.sh: cargo is needed (https://rustup.rs)" >&2; exit 3; }
root=${PREFIX:-${CARGO_HOME:-$HOME/.cargo}}
echo "==> building and installing git-policy into $root/bin"
install_binary() { cargo install --quiet --locked --force --path "$src_dir" --root "$root" "$@"; }
host=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')
target=${GIT_POLICY_TARGET:-}

# musl_ready TRIPLE: whether this machine can build TRIPLE (a musl target): Rust's standard
# library for it (added with rustup when missing) and musl-gcc for the C in libgit2 and zlib
# (Debian and Ubuntu: apt-get install musl-tools).
musl_ready() {
  command -v musl-gcc >/dev/null 2>&1 || return 1
  rustc --print sysroot >/dev/null 2>&1 || return 1
  [ -d "$(rustc --print sysroot)/lib/rustlib/$1" ] && return 0
  command -v rustup >/dev/null 2>&1 || return 1
  echo "==> adding Rust's standard library for $1 (rustup target add $1)"
  rustup target add "$1" >/dev/null 2>&1
}

case "$target:$host" in
  :*-linux-gnu)
    # Hooks start a process per hook, so start-up counts. glibc probes the CPU's caches with a
    # few dozen CPUID instructions in every process it starts; in a virtual machine (cloud
    # machines, CI runners, WSL2) each one traps to the hypervisor, about 0.45 ms a process here.
    # musl does none of that: a whole commit with our hooks is ~0.9 ms faster (BENCHMARKS.md).
    # Both builds are static-pie: no dynamic loader, and still randomised in memory.
    musl=${host%-gnu}-musl
    if musl_ready "$musl"; then
      target=$musl
    else
      echo "note: building against glibc. In a virtual machine each hook starts ~0.4 ms sooner on"
      echo "      musl, which needs musl-gcc (apt-get install musl-tools) and 'rustup target add $musl'."
    fi ;;
esac

# install_static_glibc TRIPLE: static-pie against glibc, or a dynamic build when the C library's
# static part is missing. --target keeps the static flag off build scripts and proc macros,
# which must stay dynamic.
install_static_glibc() {
  if ! RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" install_binary --target "$1"; then
    echo "note: the static build failed (is the C library's static part, libc6-dev or glibc-static, installed?); building a dynamic one"
    install_binary
  fi
}

target=${target:-$host}
case "$target" in
  *-linux-musl*)
    if ! install_binary --target "$target"; then
      [ "$target" = "${host%-gnu}-musl" ] && [ -z "${GIT_POLICY_TARGET:-}" ] || exit 1
      echo "note: the musl build failed; building against glibc instead"
      install_static_glibc "$host"
    fi ;;
  *-linux-gnu) install_static_glibc "$target" ;;
  "$host") install_binary ;;
  *) install_binary --target "$target" ;;
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
