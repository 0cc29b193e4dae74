#!/usr/bin/env bash
# Times `cudoctor archs` side by side with CUDA 11.8 `cuobjdump --list-elf` on the largest real
# CUDA library in the cache (PyTorch's libtorch_cuda.so, 739 MB, or Debian's
# libcublasLt.so.11.11.3.6, 574 MB), or on LIBRARY.
#
#   bench/archs.sh [--fetch] [--cold] [LIBRARY]
#
# --fetch populates the git-ignored cache first (also what tests/oracle.rs of cudoctor-fatbin
# uses): Debian CUDA 11.8 packages via scripts/debian-nonfree.sh and PyPI nvidia-*
# wheels, unpacked under .cache/wheels/unpacked/.
# Uses hyperfine when installed (apt-get install -y hyperfine), else a `date +%s%N` loop.
# By default timings are with a warm page cache (the file was read before). --cold evicts the
# file's pages before every run (posix_fadvise DONTNEED, no root needed) so each run reads from
# disk: cudoctor then faults in only the header pages, cuobjdump reads everything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=$root/.cache
fetch=0 cold=0
if [[ ${1:-} == --fetch ]]; then fetch=1; shift; fi
if [[ ${1:-} == --cold ]]; then cold=1; shift; fi

if ((fetch)); then
  bash "$root/scripts/debian-nonfree.sh" --extract "$cache/debian" nvidia-cuda-toolkit \
    libcublas11 libcublaslt11 libcufft10 libcusparse11 libcurand10 >/dev/null
  mkdir -p "$cache/wheels/unpacked"
  pip download -q --no-deps -d "$cache/wheels" nvidia-cuda-runtime-cu11==11.8.89 \
    nvidia-cufft-cu11==10.9.0.58 nvidia-cuda-nvrtc-cu11==11.8.89 nvidia-curand-cu12==10.3.10.19 \
    nvidia-cublas-cu12==12.1.3.1
  pip download -q --no-deps -d "$cache/wheels" --only-binary=:all: --python-version 3.11 \
    --platform manylinux2014_x86_64 cupy-cuda11x==13.6.0
  pip download -q --no-deps -d "$cache/wheels" --only-binary=:all: --python-version 3.11 \
    --platform manylinux1_x86_64 torch==2.1.2
  for w in "$cache"/wheels/*.whl; do
    case $w in
      */torch-*) python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("torch/lib/libtorch_cuda.so", sys.argv[2])' "$w" "$cache/wheels/unpacked/" ;;
      *) python3 -m zipfile -e "$w" "$cache/wheels/unpacked/" ;;
    esac
  done
fi

# The largest real library at hand: PyTorch 2.1.2's libtorch_cuda.so (739 MB), else CUDA 11.8
# libcublasLt (574 MB).
lib=${1:-}
if [[ -z $lib ]]; then
  lib=$cache/wheels/unpacked/torch/lib/libtorch_cuda.so
  [[ -f $lib ]] || lib=$cache/debian/root/usr/lib/x86_64-linux-gnu/libcublasLt.so.11.11.3.6
fi
cuobjdump=$cache/debian/root/usr/bin/cuobjdump
[[ -f $lib ]] || { echo "archs.sh: $lib is missing; run bench/archs.sh --fetch" >&2; exit 2; }
[[ -x $cuobjdump ]] || { echo "archs.sh: $cuobjdump is missing; run bench/archs.sh --fetch" >&2; exit 2; }

target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build -q --release -p cudoctor-fatbin --example archs)
ours=("$target/release/examples/archs" "$lib")
if (cd "$root" && cargo build -q --release -p cudoctor 2>/dev/null) &&
   "$target/release/cudoctor" archs --format json "$lib" >/dev/null 2>&1; then
  ours=("$target/release/cudoctor" archs --format json "$lib")
fi
theirs=("$cuobjdump" --list-elf "$lib")

echo "library: $lib ($(stat -c %s "$lib") bytes)"
echo "ours:    ${ours[*]}"
echo "theirs:  ${theirs[*]}"
evict="python3 -c 'import os,sys; fd=os.open(sys.argv[1],os.O_RDONLY); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED)' $lib"
if ((cold)); then
  echo "page cache: cold (evicted before each run)"
  prepare=(--prepare "$evict")
else
  echo "page cache: warm"
  cat "$lib" >/dev/null
  prepare=(--warmup 2)
  evict=true
fi
if command -v hyperfine >/dev/null; then
  hyperfine -N "${prepare[@]}" --runs 10 --output=null "${ours[*]}" "${theirs[*]}"
else
  for cmd in "${ours[*]}" "${theirs[*]}"; do
    best=
    for _ in 1 2 3 4 5; do
      sh -c "$evict"
      s=$(date +%s%N); $cmd >/dev/null 2>&1; e=$(date +%s%N)
      ms=$(( (e - s) / 1000000 )); [[ -z $best || $ms -lt $best ]] && best=$ms
    done
    echo "best of 5: ${best} ms  $cmd"
  done
fi
echo
echo "rerun: bench/archs.sh$( ((cold)) && echo ' --cold') $lib"
