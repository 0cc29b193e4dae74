#!/usr/bin/env bash
# Build the cudoctor wheel for Linux x86_64, manylinux2014 (glibc 2.17 or newer): a
# `py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64` wheel that holds only the `cudoctor` binary (maturin's
# `bindings = "bin"`, configured in pyproject.toml), so `pip install cudoctor`, `uvx cudoctor` and
# `pipx run cudoctor` put the binary on PATH. Python is only the installer; nothing of it runs.
#
#   scripts/build-wheel.sh [OUT_DIR]          (default: target/wheels)
#
# The build tools come from PyPI, pinned, into a venv under the git-ignored target/ directory
# (CUDOCTOR_WHEEL_TOOLS names another): maturin, and ziglang as the linker. This machine's own
# glibc is newer than 2.17 and the system linker would tie the binary to it; `zig cc` links
# against glibc 2.17's symbol versions instead. After the build the script checks the wheel's
# platform tag and that no symbol of the binary needs a glibc newer than 2.17 (`objdump -T`).
#
# CUDOCTOR_WHEEL_PROFILE picks the cargo profile (default `release`, the tuned one users get).
# Prints the wheel's path on stdout; everything else goes to stderr.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/target/wheels}
tools=${CUDOCTOR_WHEEL_TOOLS:-$repo/target/wheel-tools}
profile=${CUDOCTOR_WHEEL_PROFILE:-release}
maturin_version=1.16.0
ziglang_version=0.17.1
max_glibc=2.17

die() { echo "build-wheel: $*" >&2; exit 1; }
command -v objdump >/dev/null || die "\`objdump\` (binutils) is needed for the glibc check"

if ! [[ -x $tools/bin/maturin && $("$tools/bin/maturin" --version) == "maturin $maturin_version" ]] ||
   ! "$tools/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('ziglang') != '$ziglang_version')" 2>/dev/null; then
  echo "build-wheel: installing maturin $maturin_version and ziglang $ziglang_version into \`$tools\`" >&2
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -q "maturin==$maturin_version" "ziglang==$ziglang_version" >&2
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(awk -F'"' '/^\[workspace.package\]/ { p = 1 } p && /^version *=/ { print $2; exit }' "$repo/Cargo.toml")
[[ -n $version ]] || die "no [workspace.package] version in Cargo.toml"
rm -f "$out"/cudoctor-"$version"-*.whl

# maturin finds zig through `python -m ziglang` of the Python on PATH: the tools venv's.
(cd "$repo" && PATH="$tools/bin:$PATH" maturin build --locked --profile "$profile" --zig \
  --compatibility manylinux2014 --target x86_64-unknown-linux-gnu --out "$out" >&2)

wheels=("$out"/cudoctor-"$version"-*.whl)
((${#wheels[@]} == 1)) && [[ -f ${wheels[0]} ]] || die "expected one cudoctor $version wheel in \`$out\`"
wheel=${wheels[0]}
platforms=${wheel##*-py3-none-}
platforms=.${platforms%.whl}.
[[ $platforms == *.manylinux2014_x86_64.* && $platforms == *.manylinux_2_17_x86_64.* ]] ||
  die "\`${wheel##*/}\` does not carry the manylinux2014 (manylinux_2_17) x86_64 tags"

check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
"$tools/bin/python" -m zipfile -e "$wheel" "$check"
bin=$check/cudoctor-$version.data/scripts/cudoctor
[[ -f $bin ]] || die "the wheel has no \`cudoctor-$version.data/scripts/cudoctor\`"
newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)
[[ -n $newest ]] || die "found no GLIBC_ symbol versions in the binary (is it dynamically linked?)"
[[ $(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -n1) == "$max_glibc" ]] ||
  die "the binary needs glibc $newest, newer than manylinux2014's $max_glibc"
echo "build-wheel: \`${wheel##*/}\` ($(du -k "$wheel" | cut -f1) KiB; binary $(du -k "$bin" | cut -f1) KiB, needs glibc >= $newest)" >&2
printf '%s\n' "$wheel"
