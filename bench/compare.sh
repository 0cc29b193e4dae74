#!/usr/bin/env bash
# Wall time of cudoctor next to the tools users would otherwise run, on the same machine.
#
#   bench/compare.sh [VENV]
#
# VENV (default /tmp/benchvenv) is a Python virtual environment holding the comparison tools;
# it is created when missing:
#   python3 -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install cuda-doctor==0.2.0 tensorflow-cpu
# Compared (hyperfine, warm page cache, 3 warm-up runs):
#   cudoctor requirements tensorflow==2.9.0  vs  python -c "import tensorflow as tf; print(tf.sysconfig.get_build_info())"
#   cudoctor probe / cudoctor check          vs  cuda-doctor diagnose (PyPI cuda-doctor 0.2.0)
# On a GPU machine, scripts/gpu-validate.sh records `cudoctor probe` next to
# `python3 -m torch.utils.collect_env`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-/tmp/benchvenv}
if [[ ! -x $venv/bin/cuda-doctor ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q cuda-doctor==0.2.0 tensorflow-cpu
fi
command -v hyperfine >/dev/null || { echo "compare.sh: install hyperfine (apt-get install hyperfine)" >&2; exit 2; }
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build -q --release -p cudoctor)
bin=$target/release/cudoctor
echo "machine: $(nproc) cores, $(uname -m), $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p')"
echo "tensorflow-cpu $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("tensorflow-cpu"))' 2>/dev/null), cuda-doctor $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("cuda-doctor"))')"
hyperfine -N --warmup 3 --runs 20 --export-markdown /tmp/bench-requirements.md \
  -n "cudoctor requirements tensorflow==2.9.0" "$bin requirements tensorflow==2.9.0" \
  -n "tf.sysconfig.get_build_info()" "$venv/bin/python -c 'import tensorflow as tf; print(tf.sysconfig.get_build_info())'"
hyperfine -N --warmup 3 --runs 20 -i --export-markdown /tmp/bench-check.md \
  -n "cudoctor probe" "$bin probe" \
  -n "cudoctor check" "$bin check" \
  -n "cuda-doctor diagnose" "$venv/bin/cuda-doctor diagnose"
cat /tmp/bench-requirements.md /tmp/bench-check.md
/usr/bin/time -f "cudoctor probe: max RSS %M KiB" "$bin" probe >/dev/null
/usr/bin/time -f "cudoctor check: max RSS %M KiB" "$bin" check >/dev/null || true
