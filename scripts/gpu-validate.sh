#!/usr/bin/env bash
# Compare cudoctor with the tools users would otherwise run, on a machine with an NVIDIA GPU.
#
#   scripts/gpu-validate.sh [OUT_DIR]
#
# Builds nothing: it takes a cudoctor binary built elsewhere ($CUDOCTOR, default
# target/release/cudoctor) and runs, side by side, `cudoctor probe/check/report/which/archs` and
# `nvidia-smi`, `python3 -m torch.utils.collect_env`, `torch.backends.cudnn.version()`,
# `torch.cuda.get_arch_list()`, `cuobjdump --list-elf`, plus the libraries a real `import torch`
# maps into memory (/proc/self/maps) against what `cudoctor which` predicts. Every tool that is
# missing is recorded as missing, so the script also runs (and is tested) on a machine without a GPU.
# Results: OUT_DIR/summary.md (the comparison, human-readable), OUT_DIR/results.json, and
# OUT_DIR/raw.tar.gz (every raw output). At most 8 files, so they travel back from a lent machine.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${CUDOCTOR:-$here/../target/release/cudoctor}
out=${1:-${OUT:-gpu-validate-out}}
py=${PYTHON:-python3}
limit=${GPU_VALIDATE_TIMEOUT:-240}
mkdir -p "$out"; out=$(cd "$out" && pwd)
raw=$(mktemp -d); trap 'rm -rf "$raw"' EXIT

# run NAME CMD...: stdout, stderr, exit code and wall time (ms) into $raw/NAME.*
run() {
  local name=$1; shift
  printf '%s\n' "$*" >"$raw/$name.cmd"
  local t0 t1
  t0=$(date +%s%N)
  timeout "$limit" "$@" >"$raw/$name.out" 2>"$raw/$name.err"
  echo $? >"$raw/$name.rc"
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000)) >"$raw/$name.ms"
}
have() { command -v "$1" >/dev/null 2>&1; }

[[ -x $bin ]] || { echo "gpu-validate: no cudoctor binary at $bin (set CUDOCTOR)" >&2; exit 2; }
run uname uname -a
run cudoctor_version "$bin" --version
run probe "$bin" probe --format json
run probe_text "$bin" probe --color never
run check_json "$bin" check --format json
run check_text "$bin" check --color never
run report "$bin" report --color never
# Second runs, for wall time with warm caches.
run probe_warm "$bin" probe --format json
run check_warm "$bin" check --format json
# Raw facts, to read when a comparison disagrees.
run proc_driver_version cat /proc/driver/nvidia/version
run sys_module_version cat /sys/module/nvidia/version
run dev_nodes sh -c 'ls -la /dev/nvidia* 2>&1'
run ldconfig_p sh -c 'ldconfig -p | grep -Ei "cuda|nvidia|cudnn|cublas"'
run which_python sh -c 'command -v python3; readlink -f "$(command -v python3)"'
run pip_list "$py" -m pip list --format freeze
if have nvidia-smi; then
  run smi nvidia-smi
  run smi_query nvidia-smi --query-gpu=index,name,driver_version,compute_cap,memory.total,uuid,pci.bus_id --format=csv,noheader
fi
if have cuobjdump; then run cuobjdump_version cuobjdump --version; fi
if have nvcc; then run nvcc_version nvcc --version; fi
if "$py" -c 'import torch' >/dev/null 2>&1; then
  run collect_env "$py" -m torch.utils.collect_env
  run torch_facts "$py" "$here/gpu_torch_facts.py"
fi
# The GPU code inside torch's CUDA libraries: ours against cuobjdump's.
if [[ -s $raw/torch_facts.out ]]; then
  for lib in $("$py" -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1])).get("arch_libs", [])))' "$raw/torch_facts.out"); do
    base=$(basename "$lib")
    run "archs_$base" "$bin" archs --format json "$lib"
    if have cuobjdump; then
      run "cuobjdump_elf_$base" cuobjdump --list-elf "$lib"
      run "cuobjdump_ptx_$base" cuobjdump --list-ptx "$lib"
    fi
  done
  torchlibs=$("$py" -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1])).get("arch_libs", [])))' "$raw/torch_facts.out")
  for so in $("$py" -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1])).get("loaded", {}))))' "$raw/torch_facts.out"); do
    case $so in
      libcuda.so.1 | libnvidia-ml.so.1) run "which_$so" "$bin" which --format json "$so" ;;
      *) run "which_$so" "$bin" which --format json "$so" --from "$(dirname "$(head -1 <<<"$torchlibs")")/libtorch_cuda.so" ;;
    esac
  done
fi
"$py" "$here/gpu_compare.py" "$raw" "$out" || echo "gpu-validate: comparison failed" >&2
tar -C "$raw" -czf "$out/raw.tar.gz" .
cat "$out/summary.md"
