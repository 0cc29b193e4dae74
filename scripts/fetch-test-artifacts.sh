#!/usr/bin/env bash
# Fetch the real artifacts the test suite compares against into the git-ignored .cache/.
#
#   scripts/fetch-test-artifacts.sh          the core set (what CI requires, ~160 MB download)
#   scripts/fetch-test-artifacts.sh --tensorflow   the GPU libraries of the official TensorFlow
#                                            2.9.0 and 2.17.0 wheels, for the kb's data test
#                                            (~1 GB download; into .cache/tensorflow/<version>/)
#   scripts/fetch-test-artifacts.sh --torch  the libraries of the official PyTorch 2.5.1 wheel and
#                                            the cuSPARSE wheel it pins, for the kb's library_load
#                                            test (~1.1 GB download; into .cache/torch/)
#   scripts/fetch-test-artifacts.sh --all    also the large CUDA libraries the fatbin oracle and
#                                            bench/archs.sh use (~1.3 GB download)
#
# Core: NVIDIA's 535.261.03 user-space driver (libcuda1, libnvidia-ml1), the CUDA 11.8 runtime
# (libcudart11.0) and toolkit (nvidia-cuda-toolkit: cuobjdump), and libcurand10, from Debian
# bookworm's non-free section through scripts/debian-nonfree.sh (which checks each .deb against
# Debian's signed package index and leaves the system's apt setup alone); the PyPI wheels
# nvidia-cuda-runtime-cu11, nvidia-cuda-nvrtc-cu11 and nvidia-cuda-runtime-cu12 (the sonames the
# pinned wheels carry are tested against them).
# Already-downloaded files are kept, so reruns cost nothing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=$repo/.cache
all=0
tensorflow=0
torch=0
for a in "$@"; do
  case $a in
    --all) all=1 ;;
    --tensorflow) tensorflow=1 ;;
    --torch) torch=1 ;;
    *) echo "fetch-test-artifacts: unknown option $a (--all, --tensorflow, --torch)" >&2; exit 2 ;;
  esac
done

debs=(libcuda1 libnvidia-ml1 libcudart11.0 nvidia-cuda-toolkit libcurand10)
wheels=(nvidia-cuda-runtime-cu11==11.8.89 nvidia-cuda-nvrtc-cu11==11.8.89 nvidia-cuda-runtime-cu12==12.4.127)
if ((all)); then
  debs+=(libcublas11 libcublaslt11 libcufft10 libcusparse11)
  wheels+=(nvidia-cufft-cu11==10.9.0.58 nvidia-curand-cu12==10.3.10.19 nvidia-cublas-cu12==12.1.3.1)
fi

bash "$repo/scripts/debian-nonfree.sh" --extract "$cache/debian" "${debs[@]}" >/dev/null

mkdir -p "$cache/wheels/unpacked"
python3 -m pip download -q --no-deps --only-binary=:all: -d "$cache/wheels" "${wheels[@]}"
if ((all)); then
  python3 -m pip download -q --no-deps -d "$cache/wheels" --only-binary=:all: --python-version 3.11 \
    --platform manylinux2014_x86_64 cupy-cuda11x==13.6.0
fi
for w in "$cache"/wheels/*.whl; do
  stamp="$cache/wheels/unpacked/.$(basename "$w").done"
  [[ -e $stamp ]] || { python3 -m zipfile -e "$w" "$cache/wheels/unpacked/" && touch "$stamp"; }
done
if ((tensorflow)); then
  # Only the members the test reads are extracted; the wheel is kept for reruns.
  for spec in "2.9.0 tensorflow/python/_pywrap_tensorflow_internal.so" \
    "2.17.0 tensorflow/libtensorflow_cc.so.2 tensorflow/libtensorflow_framework.so.2"; do
    read -r v members <<<"$spec"
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.10 \
      --platform manylinux2014_x86_64 -d "$cache/wheels-tensorflow" "tensorflow==$v"
    python3 - "$cache/wheels-tensorflow" "$cache/tensorflow/$v" "$v" $members <<'PY'
import glob, os, sys, zipfile
src, dest, version, members = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
(wheel,) = glob.glob(os.path.join(src, f"tensorflow-{version}-*.whl"))
with zipfile.ZipFile(wheel) as z:
    for m in members:
        if not os.path.exists(os.path.join(dest, m)):
            z.extract(m, dest)
PY
  done
fi
if ((torch)); then
  # torch 2.5.1 (CUDA 12.4 pins) and nvidia-cusparse-cu12 12.3.1.170, the cuSPARSE it pins: only
  # the shared libraries are extracted; the wheels are kept for reruns.
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux1_x86_64 --platform manylinux2014_x86_64 -d "$cache/wheels-torch" \
    torch==2.5.1 nvidia-cusparse-cu12==12.3.1.170
  python3 - "$cache/wheels-torch" "$cache/torch" <<'PY'
import glob, os, re, sys, zipfile
src, dest = sys.argv[1], sys.argv[2]
for pattern, keep in [
    ("torch-2.5.1-*.whl", r"torch/(_C[^/]*\.so|lib/[^/]+\.so[^/]*)$"),
    ("nvidia_cusparse_cu12-12.3.1.170-*.whl", r"nvidia/cusparse/lib/[^/]+\.so[^/]*$"),
]:
    (wheel,) = glob.glob(os.path.join(src, pattern))
    with zipfile.ZipFile(wheel) as z:
        for m in z.namelist():
            if re.match(keep, m) and not os.path.exists(os.path.join(dest, m)):
                z.extract(m, dest)
PY
fi
echo "fetch-test-artifacts: cache ready under $cache ($(du -sh "$cache" | cut -f1))"
