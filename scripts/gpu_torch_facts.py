"""What PyTorch itself says about the GPU stack (run by scripts/gpu-validate.sh).

Prints one JSON object: torch version, the CUDA it was built with, cuDNN, the arch list, the
devices, the CUDA libraries the process really mapped (from /proc/self/maps), and the CUDA
libraries inside torch/lib worth listing with `cudoctor archs` and `cuobjdump`.
"""
import json
import os
import re

import torch

facts = {
    "torch_version": torch.__version__,
    "torch_file": torch.__file__,
    "cuda_built": torch.version.cuda,
    "cuda_available": torch.cuda.is_available(),
    "cudnn_version": torch.backends.cudnn.version(),
    "arch_list": torch.cuda.get_arch_list(),
    "devices": [],
}
if torch.cuda.is_available():
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        facts["devices"].append(
            {"name": p.name, "capability": "%d.%d" % (p.major, p.minor), "memory_total_bytes": p.total_memory}
        )
    # Make cuDNN and cuBLAS load for real.
    x = torch.randn(1, 3, 8, 8, device="cuda")
    torch.nn.functional.conv2d(x, torch.randn(4, 3, 3, 3, device="cuda"))
    (x.flatten(1) @ x.flatten(1).T).sum().item()
loaded = {}
pat = re.compile(r"(lib(?:cuda|cudart|cublas|cublasLt|cudnn|cufft|curand|cusolver|cusparse|nvrtc|nvJitLink|nccl|nvidia-ml)\.so[.0-9]*)$")
with open("/proc/self/maps") as maps:
    for line in maps:
        parts = line.split()
        if len(parts) >= 6:
            path = parts[5]
            m = pat.search(os.path.basename(path))
            if m:
                # The soname a loader asks for is the name up to the first version component.
                base = os.path.basename(path)
                if re.match(r"^lib(cuda|nvidia-ml)\.so\.\d{3}\.", base):
                    # The driver's libraries are named by driver version; their soname ends in .1.
                    soname = re.sub(r"\.so\..*$", ".so.1", base)
                else:
                    soname = re.sub(r"^(lib[\w-]+\.so\.\d+)(\.[\d.]+)?$", r"\1", base)
                loaded.setdefault(soname, sorted({path} | set(loaded.get(soname, []))))
facts["loaded"] = {k: v for k, v in sorted(loaded.items())}
libdir = os.path.join(os.path.dirname(torch.__file__), "lib")
facts["arch_libs"] = [
    os.path.join(libdir, n) for n in ("libc10_cuda.so", "libtorch_cuda.so") if os.path.exists(os.path.join(libdir, n))
]
print(json.dumps(facts, indent=1, sort_keys=True))
