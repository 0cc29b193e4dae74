"""Compare cudoctor's answers with nvidia-smi, PyTorch and cuobjdump (run by gpu-validate.sh).

Usage: gpu_compare.py RAW_DIR OUT_DIR

RAW_DIR holds NAME.out / NAME.err / NAME.rc / NAME.ms / NAME.cmd per command. Writes
OUT_DIR/results.json (every comparison: what cudoctor said, what the other tool said, match or not)
and OUT_DIR/summary.md. A comparison whose other side is missing is recorded as `skipped` with the
reason, never as a match.
"""
import json
import os
import re
import sys

raw, out = sys.argv[1], sys.argv[2]


def read(name, ext="out"):
    try:
        with open(os.path.join(raw, f"{name}.{ext}"), errors="replace") as f:
            return f.read()
    except OSError:
        return None


def load_json(name):
    text = read(name)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def ms(name):
    t = read(name, "ms")
    return int(t) if t and t.strip().isdigit() else None


rows = []


def compare(what, ours, theirs, other_tool, equal=None, note=""):
    if ours is None or theirs is None:
        status = "skipped"
        note = note or ("cudoctor gave no answer" if ours is None else f"{other_tool} gave no answer")
        if ours is None and theirs is not None:
            status = "MISMATCH"
    else:
        ok = equal(ours, theirs) if equal else ours == theirs
        status = "match" if ok else "MISMATCH"
    rows.append({"what": what, "cudoctor": ours, "other": theirs, "other_tool": other_tool, "status": status, "note": note})


probe = load_json("probe") or {}
smi_rows = []
for line in (read("smi_query") or "").strip().splitlines():
    parts = [p.strip() for p in line.split(",")]
    if len(parts) >= 7:
        smi_rows.append(dict(zip(["index", "name", "driver_version", "compute_cap", "memory_total", "uuid", "bus_id"], parts)))
smi_text = read("smi") or ""
m = re.search(r"CUDA Version:\s*([0-9.]+)", smi_text)
smi_cuda = m.group(1) if m else None

driver = probe.get("driver") or {}
compare("driver version (user space)", driver.get("userspace_version"), smi_rows[0]["driver_version"] if smi_rows else None, "nvidia-smi")
compare("driver version (kernel module)", driver.get("kernel_module_version"), smi_rows[0]["driver_version"] if smi_rows else None, "nvidia-smi")
compare("CUDA version the driver supports", driver.get("cuda_version"), smi_cuda, "nvidia-smi header")
live = probe.get("live") or {}
cdv = live.get("cu_driver_get_version")
compare(
    "cuDriverGetVersion as CUDA version",
    f"{cdv // 1000}.{(cdv % 1000) // 10}" if isinstance(cdv, int) and cdv > 0 else None,
    smi_cuda,
    "nvidia-smi header",
)
compare("cuInit result", live.get("cu_init_name"), "CUDA_SUCCESS" if smi_rows else None, "nvidia-smi lists GPUs")

gpus = probe.get("gpus") or []
compare("GPU count", len(gpus), len(smi_rows) if smi_rows else None, "nvidia-smi")
for i, row in enumerate(smi_rows):
    g = gpus[i] if i < len(gpus) else {}
    compare(f"GPU {i} name", g.get("name"), row["name"], "nvidia-smi")
    compare(f"GPU {i} compute capability", g.get("compute_capability"), row["compute_cap"], "nvidia-smi")
    mem = g.get("memory_total_bytes")
    smi_mib = re.match(r"(\d+)\s*MiB", row["memory_total"])
    compare(
        f"GPU {i} memory (MiB)",
        mem // (1024 * 1024) if isinstance(mem, int) else None,
        int(smi_mib.group(1)) if smi_mib else None,
        "nvidia-smi",
    )

torch_facts = load_json("torch_facts")
frameworks = [f for f in probe.get("frameworks") or [] if f.get("name") == "torch"]
tf = None
if torch_facts:
    tfile = torch_facts.get("torch_file", "")
    # The probe may list several torch installs; take the one torch itself was imported from.
    for f in frameworks:
        if tfile.startswith(f.get("environment", "\0")):
            tf = f
    tf = tf or (frameworks[0] if frameworks else None)
    compare("torch version", (tf or {}).get("version"), torch_facts.get("torch_version"), "torch.__version__")
    compare("torch built with CUDA", (tf or {}).get("cuda_version"), torch_facts.get("cuda_built"), "torch.version.cuda",
            equal=lambda a, b: a.split(".")[:2] == b.split(".")[:2])
    cv = torch_facts.get("cudnn_version")
    theirs = None
    if isinstance(cv, int):
        # cuDNN 9: major*10000 + minor*100 + patch; cuDNN <= 8: major*1000 + minor*100 + patch.
        theirs = f"{cv // 10000}.{(cv % 10000) // 100}.{cv % 100}" if cv >= 90000 else f"{cv // 1000}.{(cv % 1000) // 100}.{cv % 100}"
    ours = sorted({c.get("version") for c in probe.get("cudnn") or [] if c.get("version")})
    compare("cuDNN version", ours or None, theirs, "torch.backends.cudnn.version()",
            equal=lambda a, b: any(v == b or v.startswith(b + ".") for v in a),
            note="match = one of the copies cudoctor found has the version torch reports")
    # get_arch_list() is TORCH_CUDA_ARCH_LIST; the binaries may carry a few more kernels
    # (arch-specific sm_90a, sm_100a ...): every listed arch must be among the code found.
    compare("torch arch list", (tf or {}).get("compute_capabilities"), torch_facts.get("arch_list"), "torch.cuda.get_arch_list()",
            equal=lambda a, b: set(b) <= {re.sub(r"[af]$", "", x) for x in a},
            note="match = every arch torch lists is among the GPU code cudoctor found")
    devs = torch_facts.get("devices") or []
    for i, d in enumerate(devs):
        g = gpus[i] if i < len(gpus) else {}
        compare(f"GPU {i} capability vs torch", g.get("compute_capability"), d.get("capability"), "torch.cuda.get_device_properties")

    # What the loader would take vs what the process really mapped.
    for soname, paths in sorted((torch_facts.get("loaded") or {}).items()):
        w = load_json(f"which_{soname}")
        chosen = None
        if isinstance(w, dict):
            c = w.get("chosen")
            if isinstance(c, dict):
                chosen = c.get("real_path") or c.get("path")
            elif isinstance(c, str):
                chosen = c
        real = [os.path.realpath(p) for p in paths]
        compare(f"`which {soname}` vs /proc/self/maps", chosen, real[0] if real else None, "import torch (mapped file)",
                equal=lambda a, b: os.path.realpath(a) in real)

    # GPU code: cudoctor archs vs cuobjdump.
    for lib in torch_facts.get("arch_libs") or []:
        base = os.path.basename(lib)
        ours = load_json(f"archs_{base}")
        elf = read(f"cuobjdump_elf_{base}")
        ptx = read(f"cuobjdump_ptx_{base}")

        def counts(text, kind):
            if text is None:
                return None
            c = {}
            for m in re.finditer(rf"{kind} file\s+\d+:\s+\S*?\.(sm_\d+[af]?)\.(?:cubin|ptx)", text):
                c[m.group(1)] = c.get(m.group(1), 0) + 1
            return c

        def cuobjdump_names(ours_counts):
            # cuobjdump (CUDA 13.0) prints family-specific `sm_100f` code as `sm_100`.
            if ours_counts is None:
                return None
            out = {}
            for k, v in ours_counts.items():
                k = k[:-1] if k.endswith("f") else k
                out[k] = out.get(k, 0) + v
            return out

        f = (ours or {}).get("files", [{}])[0] if ours else {}
        # "No PTX file found" (stderr, exit 0) is an empty listing, not a missing answer.
        compare(f"{base}: SASS entries per arch", cuobjdump_names(f.get("sass")), counts(elf, "ELF"), "cuobjdump --list-elf")
        compare(f"{base}: PTX entries per arch", cuobjdump_names(f.get("ptx")), counts(ptx, "PTX"), "cuobjdump --list-ptx")
        rows.append({"what": f"{base}: wall time (ms)", "cudoctor": ms(f"archs_{base}"), "other": ms(f"cuobjdump_elf_{base}"),
                     "other_tool": "cuobjdump --list-elf", "status": "timing", "note": ""})

rows.append({"what": "probe wall time (ms), cold / warm", "cudoctor": [ms("probe"), ms("probe_warm")],
             "other": ms("collect_env"), "other_tool": "python3 -m torch.utils.collect_env", "status": "timing", "note": ""})
rows.append({"what": "check wall time (ms), cold / warm", "cudoctor": [ms("check_json"), ms("check_warm")],
             "other": None, "other_tool": "", "status": "timing", "note": ""})
check = load_json("check_json") or {}
rows.append({"what": "check status / exit code", "cudoctor": [check.get("status"), (read("check_json", "rc") or "").strip()],
             "other": None, "other_tool": "", "status": "info",
             "note": "; ".join(f"{f.get('severity')}: {f.get('id')}" for f in check.get("findings") or [])})

with open(os.path.join(out, "results.json"), "w") as f:
    json.dump({"rows": rows}, f, indent=1, sort_keys=True)

def cell(v):
    s = json.dumps(v) if not isinstance(v, str) else v
    s = s.replace("|", "\\|")
    return s if len(s) < 160 else s[:157] + "..."

lines = ["# GPU validation", "", f"Machine: `{(read('uname') or '').strip()}`  ", f"cudoctor: `{(read('cudoctor_version') or '').strip()}`", ""]
counts = {}
for r in rows:
    counts[r["status"]] = counts.get(r["status"], 0) + 1
lines.append("Totals: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
lines += ["", "| what | cudoctor | other tool | says | status | note |", "|---|---|---|---|---|---|"]
for r in rows:
    lines.append(f"| {r['what']} | {cell(r['cudoctor'])} | {r['other_tool']} | {cell(r['other'])} | {r['status']} | {cell(r['note'])} |")
with open(os.path.join(out, "summary.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
