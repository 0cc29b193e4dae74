# Findings of cudoctor-diagnose: title, explanation and fix lines, keyed by finding id
# (`<id>-title`, `<id>-explain`, `<id>-fix`, numbered where a rule has several). Versions,
# commands, paths and sonames are arguments. This is where a finding's English is written: the
# rules name keys only, and the JSON's `title`, `explanation` and `fix` are rendered from here.

## driver

driver-missing-title = No NVIDIA driver is installed
driver-missing-explain = A program reaches an NVIDIA GPU only through the NVIDIA driver: a kernel module (`nvidia`) plus the user-space library `libcuda.so.1`. Neither was found, so { $ctx_subject } cannot use a GPU and frameworks silently fall back to the CPU (TensorFlow logs "Could not find cuda drivers on your machine, GPU will not be used").
driver-missing-fix = Install an NVIDIA driver >= { $v } ({ $why }). On Ubuntu: `sudo ubuntu-drivers install` installs the recommended branch; `ubuntu-drivers list` shows the others (`nvidia-driver-NNN`), any of at least { $branch } will do
driver-missing-fix-2 = If this machine has an NVIDIA GPU, install its driver. On Ubuntu: `sudo ubuntu-drivers install` installs the recommended branch; `ubuntu-drivers list` shows the others (`cudoctor matrix cuda` lists the driver each CUDA release needs)
driver-missing-fix-3 = `sudo reboot`, then check with `cat /proc/driver/nvidia/version` and `nvidia-smi`
kernel-module-not-loaded-title = The NVIDIA driver is installed but its kernel module is not loaded
kernel-module-not-loaded-explain = The driver has two halves: the user-space library `libcuda.so.1` (found) and the `nvidia` kernel module that talks to the hardware (not loaded). Without the module every CUDA call fails (`cuInit` returns an error, `nvidia-smi` says it "couldn't communicate with the NVIDIA driver"). Usual causes: the module was not built for the running kernel after a kernel upgrade (DKMS), Secure Boot refuses the unsigned module, or `nouveau` holds the GPU.
kernel-module-not-loaded-fix = `sudo modprobe nvidia` and read the reason if it fails: `sudo dmesg | grep -i -e nvidia -e nouveau`
kernel-module-not-loaded-fix-2 = Rebuild the module for the running kernel: `sudo dkms autoinstall` (or `sudo apt-get install --reinstall nvidia-dkms-{ $branch }`), then `sudo reboot`
kernel-module-not-loaded-fix-3 = With Secure Boot on: enroll the module signing key (`sudo mokutil --import /var/lib/shim-signed/mok/MOK.der`) or use the distribution's signed driver packages
driver-library-mismatch-title = The loaded NVIDIA kernel module and the driver libraries are different versions
driver-library-mismatch-explain = The kernel module belongs to the host; the driver libraries must match it exactly. This container carries its own copy of the driver libraries (baked into the image) instead of the ones the NVIDIA container runtime mounts from the host, so CUDA fails to initialise (`cuInit`) and `nvidia-smi` reports "Failed to initialize NVML: Driver/library version mismatch".
driver-library-mismatch-fix = Remove the driver libraries from the image (`libcuda.so.*`, `libnvidia-*.so.*`; do not install `nvidia-driver-*` or `libnvidia-compute-*` packages in a Dockerfile) and let the runtime inject the host's: run it with `docker run --gpus all`
driver-library-mismatch-explain-2 = The driver's kernel module and its user-space libraries must be the same version. This happens after a driver upgrade without a reboot: the old module is still loaded while the new libraries are installed. CUDA initialisation fails and `nvidia-smi` reports "Failed to initialize NVML: Driver/library version mismatch".
driver-library-mismatch-fix-2 = `sudo reboot` (loads the module that matches the installed libraries)
driver-library-mismatch-fix-3 = Without a reboot (no process may use the GPU): `sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia`
driver-too-old-title = The NVIDIA driver { $driver } is too old for { $target }: it needs >= { $doc_value }
driver-too-old-fix-1 = Or pick a release that fits this driver: `cudoctor plan --driver { $driver } --framework { $framework }`
driver-too-old-explain-1 = { $too_old } The knowledge base says: { $reason }.
driver-too-old-fix-2 = Or pick a release that fits this driver: `cudoctor plan --driver { $driver } --framework { $framework }`
driver-too-old-explain-2 = Each CUDA release ships with a driver; { $target } was built with CUDA { $cuda_value } whose toolkit driver is { $toolkit }. This driver is older, but within CUDA { $cuda_value_major }.x NVIDIA's minor-version compatibility lets it run, with limits: { $named_join }. Code that relies on PTX compiled by the newer toolkit (for example on a GPU the build has no machine code for) can fail with `CUDA_ERROR_UNSUPPORTED_PTX_VERSION` (222).
driver-too-old-title-2 = The NVIDIA driver supports CUDA { $supported }; { $target } needs CUDA { $cuda }

## container

container-no-gpu-explain = A container sees a GPU only when the container runtime passes it in: the `/dev/nvidia*` device files and the host's driver libraries are added at start by the NVIDIA Container Toolkit when the container is started with `--gpus` (or the `nvidia` runtime and `NVIDIA_VISIBLE_DEVICES`). None are here, so frameworks find no GPU and run on the CPU. The image itself cannot fix this; the `docker run` command and the host can.
container-no-gpu-fix = `NVIDIA_VISIBLE_DEVICES={ $v }` asks the runtime for no GPU: start with `-e NVIDIA_VISIBLE_DEVICES=all` (or remove it from the image's `ENV`)
container-no-gpu-fix-2 = Start the container with the GPUs: add `--gpus all` to its `docker run` (Compose: `deploy.resources.reservations.devices: [{"{"}driver: nvidia, count: all, capabilities: [gpu]{"}"}]`)
container-no-gpu-fix-3 = On the host: install the NVIDIA Container Toolkit (`sudo apt-get install nvidia-container-toolkit`), then `sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker`
container-no-gpu-fix-4 = On the host: check the driver with `cudoctor check` (it must be new enough for the CUDA in this image)
docker-nvidia-runtime-missing-title = The NVIDIA container runtime is installed but Docker is not configured to use it
docker-nvidia-runtime-missing-explain = Docker starts GPU containers through the NVIDIA container runtime, which must be registered in `/etc/docker/daemon.json`. It is installed here but not registered: `docker run --runtime=nvidia`, Compose files with `runtime: nvidia` and setups that expect it as the default runtime (Kubernetes, `docker build` steps that need the GPU) fail or get containers without a GPU. (`docker run --gpus all` can still work through the toolkit's hook.)
docker-nvidia-runtime-missing-fix = `sudo "$(command -v cudoctor)" fix docker-runtime --set-default --apply && sudo systemctl restart docker` (without `--apply` it shows the diff; the original is kept as a backup)
docker-nvidia-runtime-missing-fix-2 = `sudo nvidia-ctk runtime configure --runtime=docker --set-as-default && sudo systemctl restart docker`
docker-nvidia-runtime-missing-fix-3 = 
    It writes this into `/etc/docker/daemon.json` (merged with the keys already there):
    { $daemon_json_fragment }
docker-nvidia-runtime-missing-fix-4 = Check: `docker info --format '{"{"}{"{"}json .Runtimes{"}"}{"}"}'` lists `nvidia`, and `docker run --rm --gpus all ubuntu nvidia-smi` shows the GPUs
docker-nvidia-runtime-missing-title-2 = Docker is installed but the NVIDIA Container Toolkit is not: containers get no GPU
docker-nvidia-runtime-missing-explain-2 = This Docker host has NVIDIA GPUs, but without the NVIDIA Container Toolkit Docker cannot pass them into containers: `docker run --gpus all` fails ("could not select device driver \"\" with capabilities: [[gpu]]") and containers run without a GPU.
docker-nvidia-runtime-missing-fix-5 = Install the toolkit from NVIDIA's repository (see the install guide): `sudo apt-get install nvidia-container-toolkit`
docker-nvidia-runtime-missing-fix-6 = `sudo nvidia-ctk runtime configure --runtime=docker --set-as-default && sudo systemctl restart docker`
docker-nvidia-runtime-missing-fix-7 = 
    `/etc/docker/daemon.json` then contains:
    { $daemon_json_fragment }
image-cuda-newer-than-driver-title = The image's `NVIDIA_REQUIRE_*` cannot be parsed: the container runtime refuses it
image-cuda-newer-than-driver-explain = The NVIDIA Container Toolkit parses every `NVIDIA_REQUIRE_*` variable before it starts a GPU container and fails on a malformed one: { $e }.
image-cuda-newer-than-driver-fix = Fix the variable in the Dockerfile (`ENV NVIDIA_REQUIRE_CUDA="cuda>=X.Y"`), or run with `-e NVIDIA_DISABLE_REQUIRE=1`
image-cuda-newer-than-driver-explain-2 = The container runtime compares `{ $r_var }` with the CUDA version the host driver reports. The probe did not ask the driver, and driver { $driver } is newer than every CUDA release in the knowledge base, so the CUDA version it supports is not known here.
image-cuda-newer-than-driver-fix-2 = Run `cudoctor check --image` with the image on the host itself (the driver is asked there), or `nvidia-smi` there: its `CUDA Version` must be at least the image's
image-cuda-newer-than-driver-explain-3 = Containers use the host's NVIDIA driver; only the CUDA libraries come from the image. Before it starts a GPU container the NVIDIA Container Toolkit checks `{ $r_var }`: one of its space-separated terms must hold, and none does on this host ({ $failing_join }). `docker run --gpus all` fails with "unsatisfied condition: { $failed }".{ $minor_note }
image-cuda-newer-than-driver-fix-3 = Or skip the check, knowing minor-version compatibility's limits: add `-e NVIDIA_DISABLE_REQUIRE=1` to its `docker run --gpus all`
image-cuda-newer-than-driver-explain-4 = `{ $var }` admits driver { $driver } only in a term that also names the GPU { $needs_join_and } (`brand=tesla,driver>=...`: the data-center forward-compatibility groups of NVIDIA's CUDA images), which the facts do not tell.
image-cuda-newer-than-driver-fix-4 = See the GPU's brand on the host: `nvidia-smi -q | grep 'Product Brand'`; a data-center brand (`Tesla`, `NVIDIA`) with a driver in the group's range starts the container through forward compatibility
image-cuda-newer-than-driver-explain-5 = The toolkit admits driver { $driver } through the term `{ $term_join }`: a data-center driver branch for which CUDA's forward-compatibility package (`cuda-compat`) supplies a newer `libcuda`. { $compat_note }
image-cuda-newer-than-driver-fix-5 = Or install the compatibility package in the image: `apt-get install cuda-compat-{ $cuda_major }-{ $cuda_minor }`
image-cuda-newer-than-driver-explain-6 = Containers use the host's NVIDIA driver; only the CUDA libraries come from the image. This image is built for CUDA { $cuda }, and the host driver is too old for it ({ $reason }): CUDA calls fail with "CUDA driver version is insufficient for CUDA runtime version".
image-cuda-newer-than-driver-explain-7 = Containers use the host's NVIDIA driver. It is older than the CUDA { $cuda } toolkit driver, so the image runs under minor-version compatibility with limits: { $named_join }.
image-cuda-newer-than-driver-fix-6 = Upgrade the host driver to >= { $toolkit } to lift the limits

## cudnn

cudnn-version-mismatch-fix = Install cuDNN { $want } for CUDA { $cuda_major_minor }: { $apt }; or with pip `pip install 'nvidia-cudnn-cu{ $cuda_major }>={ $want },<{ $next_major }'` and put its `nvidia/cudnn/lib` directory first in `LD_LIBRARY_PATH`
cudnn-version-mismatch-fix-2 = Remove cuDNN files copied by hand (`libcudnn*` in `/usr/local/cuda*/lib64`, `/usr/lib/x86_64-linux-gnu`) and run `sudo ldconfig`
cudnn-version-mismatch-fix-3 = In a custom image: build FROM the official `{ $image }` and do not replace its cuDNN
cudnn-version-mismatch-title-1 = Several different cuDNN versions are installed: { $list_join }
cudnn-version-mismatch-explain-1 = Different copies of cuDNN (library files, headers, pip wheels) are installed. Only one of them is loaded, chosen by the loader's search order, not by what a framework needs; headers of one version next to libraries of another break builds that compile against cuDNN. Mixed copies usually come from copying cuDNN files by hand or from unofficial bundles, and they make failures depend on `LD_LIBRARY_PATH`.
cudnn-version-mismatch-fix-4 = Keep one cuDNN per CUDA major: remove the copies no framework needs (and stale headers), then `sudo ldconfig`
cudnn-version-mismatch-fix-5 = Check what each framework will load: `cudoctor which libcudnn.so.8` / `cudoctor which libcudnn.so.9`

## environment

cuda-toolkit-conflict-title = CUDA_HOME, nvcc, /usr/local/cuda and LD_LIBRARY_PATH point at { $distinct_len } different CUDA toolkits
cuda-toolkit-conflict-explain = Several CUDA toolkits may live side by side, but the settings that select one disagree. Builds use `CUDA_HOME` and `nvcc`, programs load libraries through `LD_LIBRARY_PATH` and the `/usr/local/cuda` link, so code can be compiled against one CUDA and run against another; `nvidia-smi` and `nvcc --version` look fine while the framework loads the wrong libraries.
cuda-toolkit-conflict-fix = Select one toolkit everywhere ({ $describe_t }): `export CUDA_HOME={ $root } PATH={ $root }/bin:$PATH LD_LIBRARY_PATH={ $lib }${"{"}LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH{"}"}`
cuda-toolkit-conflict-fix-2 = And point the default link at it: `sudo ln -sfn { $root } /usr/local/cuda`
cuda-toolkit-conflict-fix-3 = Choose the toolkit your framework was built with (`cudoctor requirements SPEC`), then set `CUDA_HOME`, the `PATH` entry of its `bin`, the `LD_LIBRARY_PATH` entry of its `lib64` and the `/usr/local/cuda` link to that one directory
cuda-visible-devices-hides-all-title = CUDA_VISIBLE_DEVICES hides every GPU
cuda-visible-devices-hides-all-explain = `CUDA_VISIBLE_DEVICES` tells CUDA which GPUs a program may see. CUDA reads it up to the first invalid entry and ignores the rest; here { $why }, so CUDA programs see no GPU at all (`cuInit` reports no device, frameworks list no GPU and run on the CPU).
cuda-visible-devices-hides-all-fix = `unset CUDA_VISIBLE_DEVICES` to see every GPU, or `export CUDA_VISIBLE_DEVICES=0` (a valid index or `GPU-<uuid>` from `nvidia-smi -L`)
cuda-visible-devices-hides-all-fix-2 = Find where it is set: `grep -rn CUDA_VISIBLE_DEVICES ~/.bashrc ~/.profile /etc/environment` (and the Dockerfile `ENV`, job script or scheduler)
ld-library-path-current-directory-title = LD_LIBRARY_PATH makes every program search the current directory for libraries
ld-library-path-current-directory-explain = An empty entry in `LD_LIBRARY_PATH` (a leading, trailing or doubled `:`) or a relative one means the current directory to glibc's loader. Every program started with it, TensorFlow, PyTorch and JAX included, then looks for `libcuda.so.1`, `libcudnn.so.*` and the other CUDA libraries in whatever directory it is started from first, and loads and runs a file of that name there: a wrong or planted library wins over the installed one. cudoctor does not load the driver itself while this is set.
ld-library-path-current-directory-fix-1 = Where it is set in a shell profile, write `export LD_LIBRARY_PATH=/usr/local/cuda/lib64${"{"}LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH{"}"}` so no empty entry appears

## framework

python-version-unsupported-title = { $target } does not support Python { $py_value } ({ $env })
python-version-unsupported-fix = Create an environment with a supported Python, e.g. `python{ $python } -m venv ~/venv-{ $framework } && ~/venv-{ $framework }/bin/pip install { $packages }`
python-version-unsupported-fix-2 = Or pick a release that supports Python { $py_value }: `cudoctor plan --python { $py_value } --framework { $framework }`
cpu-only-build-explain = This machine has an NVIDIA GPU, but the installed { $target } was built without CUDA support, so it can only run on the CPU ({ $check }). Nothing in the driver or CUDA setup can change that; the package must be replaced with a GPU build.
gpu-arch-unsupported-explain = GPU programs ship machine code (SASS, `sm_XY`) for specific GPU generations, and optionally PTX (`compute_XY`), an intermediate form the driver can compile for newer GPUs. { $target } carries neither machine code that runs on compute capability { $cc } ({ $cc_sm_name }) nor PTX old enough to be compiled for it, so every GPU operation fails with "no kernel image is available for execution on the device" (TensorFlow may instead ignore the GPU: "Ignoring visible gpu device ... with Cuda compute capability { $cc }").
gpu-arch-unsupported-fix = Pick a release whose wheels carry { $cc_sm_name } code: `cudoctor plan --cc { $cc } --framework { $framework }`
gpu-arch-unsupported-fix-2 = Or build { $framework_name } from source with compute capability { $cc } enabled
gpu-arch-unsupported-explain-2 = { $target } has no machine code for compute capability { $cc }, only PTX ({ $code }) that the driver must compile when the program starts. That PTX was produced by CUDA { $cuda_value } (PTX ISA { $cuda_isa }, { $how_describe }); driver { $driver } is only known to compile PTX ISA { $driver_isa }, so loading fails with `CUDA_ERROR_UNSUPPORTED_PTX_VERSION` (222): "the provided PTX was compiled with an unsupported toolchain". Minor-version compatibility does not cover PTX.
gpu-arch-unsupported-fix-3 = Upgrade the driver to at least the CUDA { $cuda_value } toolkit driver (`{ $requirements }` shows it)
gpu-arch-unsupported-fix-4 = Or pick a release with machine code for this GPU: `cudoctor plan --cc { $cc } --driver { $driver } --framework { $framework }`
gpu-arch-unsupported-explain-3 = { $target } has no machine code for compute capability { $cc }; it carries PTX ({ $code }) that the driver compiles for this GPU when the program starts. That works but makes the first start slow (minutes for large frameworks; the result is cached in `~/.nv/ComputeCache`, raise `CUDA_CACHE_MAXSIZE` if it keeps recompiling), and it needs a driver whose compiler understands that PTX version.
gpu-arch-unsupported-fix-5 = For native code: `cudoctor plan --cc { $cc } --framework { $framework }` lists releases built with { $cc_sm_name }
gpu-arch-unsupported-explain-4 = { $target } supports GPUs from compute capability { $min_value } on; the { $label } is an older generation ({ $cc }), so its GPU code cannot run there ("no kernel image is available for execution on the device").
gpu-arch-unsupported-fix-6 = Pick an older release: `cudoctor plan --cc { $cc } --framework { $framework }`
gpu-arch-unsupported-explain-5 = Which GPU code { $target } carries is unknown, but it was built with CUDA { $cuda_value }, and the compiler of CUDA { $row_major }.x only produces code for compute capability { $row_cc_min } and newer. No build made with it can carry machine code for compute capability { $cc } ({ $cc_sm_name }), and PTX is only ever compiled for the same or a newer GPU, never down to an older one. Every GPU operation fails with "no kernel image is available for execution on the device".
gpu-arch-unsupported-fix-7 = Pick a build made with an older CUDA that still targets { $cc_sm_name }: `cudoctor plan --cc { $cc } --framework { $framework }`
gpu-arch-unsupported-explain-6 = { $target } does its matrix products in cuBLAS (`{ $soname }`). The copy the loader takes carries machine code only for other GPU generations and no PTX the driver could compile for compute capability { $cc }, so every matrix product fails with "no kernel image is available for execution on the device" (or `CUBLAS_STATUS_ARCH_MISMATCH`) even though the framework itself starts.
gpu-arch-unsupported-fix-8 = Check which copy loads and why: `cudoctor which { $soname }`
gpu-arch-unsupported-explain-7 = The cuBLAS copy the loader takes for { $target } has no machine code for compute capability { $cc }; the driver compiles its PTX ({ $code }) when it is first used, which makes the first matrix products slow and needs a driver whose compiler understands that PTX.
gpu-arch-unsupported-fix-9 = For native code, use a cuBLAS release built for { $cc_sm_name }
tensorrt-missing-title = TensorRT is not installed; TensorFlow's TensorRT warnings are harmless
tensorrt-missing-explain = TensorRT (`libnvinfer`) is an optional NVIDIA inference optimiser. Some TensorFlow releases look for it at start and print "Could not load dynamic library 'libnvinfer.so.7'" or "TF-TRT Warning: Could not find TensorRT". { $target } trains and runs on the GPU without it; only TF-TRT model conversion needs it.
tensorrt-missing-fix = Nothing to do unless you use TF-TRT; to silence the messages: `export TF_CPP_MIN_LOG_LEVEL=2` (hides TensorFlow warnings in general)
release-not-in-knowledge-base-explain = cudoctor's compatibility tables do not cover this release ({ $why }). { $how }
release-not-in-knowledge-base-fix-1 = Update cudoctor for newer tables
no-framework-target-title = No framework to check against: only the GPU stack was checked
no-framework-target-explain = No TensorFlow, PyTorch or JAX installation was found and none was named, so only the driver, GPUs, toolkits and containers were checked. Naming the framework you mean to run adds its checks: the driver its CUDA needs, the exact libraries it opens, its cuDNN rule, its Python versions and whether it has code for your GPU.
no-framework-target-fix = `cudoctor check --for tensorflow==2.9.0` (or `--for torch==2.4.1`, `--for jax==0.4.30`)

## image

image-floating-tag-title = `{ $name }` is a floating tag: a rebuild or pull can bring another CUDA stack
image-floating-tag-explain = { $why }. The framework, CUDA and cuDNN inside the image change when the tag moves, so a stack that works today can break on the next pull (S15: pin exact tags such as `2.9.0-gpu-jupyter`, never `latest`).
image-floating-tag-fix = Pin an exact version tag (`tensorflow/tensorflow:2.9.0-gpu`), or a digest (`name@sha256:` and the digest `docker buildx imagetools inspect` shows) for a byte-exact image
image-runs-as-root-title = The image runs as root
image-runs-as-root-explain = Its config sets no unprivileged `User`, so processes in the container run as root: files written to mounted volumes belong to root on the host, and a compromised process holds root inside the container.
image-runs-as-root-fix = Add a user in the Dockerfile (`RUN useradd -m app` then `USER app`), or add `--user "$(id -u):$(id -g)"` to its `docker run`
image-old-title = The image was built { $days } days ago
image-old-explain = Images do not pick up security fixes of their OS packages by themselves; one older than { $image_age_days } days likely lacks some (S15: rebuild images regularly for CVE fixes).
image-old-fix = Rebuild from an updated base with the same pinned versions (add `--pull --no-cache` to its `docker build`)
image-library-replaced-title = An upper layer replaced or deleted { $count } CUDA/cuDNN { $count ->
        [one] file
       *[other] files
    } of the base image
image-library-replaced-explain = The base image's CUDA and cuDNN are a tested set. A later layer (a `RUN apt-get install`, `pip install` or `COPY`) that overwrites or deletes some of those files leaves a mix the framework was not built for (S14: a custom image whose cuDNN was replaced); the other findings say whether the versions still fit.
image-library-replaced-fix = Install the versions the base image was built with, or start from a base image that has the CUDA/cuDNN you need (`cudoctor requirements tensorflow==2.9.0`)
image-library-replaced-fix-2 = See what each layer did: `docker history --no-trunc IMAGE`

## libraries

library-not-found-title = { $target } cannot load { $count ->
        [one] a CUDA library
       *[other] { $count } CUDA libraries
    }: { $names_join }
library-not-found-explain = { $target } opens the CUDA libraries by exact file name (soname) when it starts. The dynamic loader looks in the directories of `LD_LIBRARY_PATH`, the `ld.so.cache` index and the system library directories; no file with { $count ->
        [one] that name
       *[other] these names
    } is there. When any of them is missing TensorFlow logs "Could not load dynamic library" and "Cannot dlopen some GPU libraries... Skipping registering GPU devices", and everything runs on the CPU.
library-not-found-fix = Create the missing soname { $count ->
        [one] link
       *[other] links
    } (what `ldconfig` does in the directories it manages): `{ $links_join } && sudo ldconfig`
library-not-found-fix-2 = Copies exist off the loader's search path; make them visible: `{ $export_line_dirs }` (to make it permanent: `printf '%s\n' { $dirs_join } | sudo tee -a /etc/ld.so.conf.d/cuda.conf && sudo ldconfig`)
library-not-found-fix-3 = pip: `pip install '{ $arg }'` (installs the NVIDIA libraries this release pins)
library-not-found-fix-4 = apt (NVIDIA CUDA repository, see the CUDA installation guide): `sudo apt-get install { $apt_join }`
library-not-found-fix-5 = cuDNN { $c_value_major }.{ $c_value_minor } for CUDA { $cuda_major_minor } from apt: { $apt }
library-not-found-fix-6 = Or run the official image, which has the right libraries: `docker run --gpus all -it { $image }`
library-not-found-title-2 = { $target } requires NVIDIA wheels that are not installed: { $names_join }
library-not-found-explain-2 = { $target } gets its CUDA libraries from `nvidia-*` pip packages that its own metadata pins (`Requires-Dist`). They are missing from { $env }, so the libraries they carry are not where the framework looks first; unless matching copies are on the loader's path, importing it fails with "cannot open shared object file" or it runs without the GPU.
library-not-found-fix-7 = `pip install { $reqs_join }` (into { $env })
library-not-found-fix-8 = Or reinstall the framework with its dependencies: `pip install --force-reinstall { $args }`
library-not-found-title-first-use = { $target } imports, but { $sonames_join } not found: the calls that open { $count ->
        [one] it
       *[other] them
    } will fail, and { $count ->
        [one] the NVIDIA wheel that carries it is
       *[other] the NVIDIA wheels that carry them are
    } not installed ({ $wheels_join })
library-not-found-explain-first-use = { $target } opens these CUDA libraries only when a call first needs them, so importing it works without them: { $uses_join }. They come from `nvidia-*` pip packages that its own metadata pins (`Requires-Dist`), which are missing from { $env }, and the dynamic loader finds no copy elsewhere: not in the directories of `LD_LIBRARY_PATH`, the `ld.so.cache` index or the system library directories. Those calls fail with "cannot open shared object file" or an error naming the library.
library-not-found-title-import = { $target } will fail to import: { $sonames_join } not found, and { $count ->
        [one] the NVIDIA wheel that carries it is
       *[other] the NVIDIA wheels that carry them are
    } not installed ({ $wheels_join })
library-not-found-explain-import = { $target } links against these CUDA libraries, so importing it loads them at once. They come from `nvidia-*` pip packages that its own metadata pins (`Requires-Dist`), which are missing from { $env }, and the dynamic loader finds no copy elsewhere: not in the directories of `LD_LIBRARY_PATH`, the `ld.so.cache` index or the system library directories. `import { $package }` fails with an `OSError` ("cannot open shared object file") or a `ValueError` ("... not found in the system path").
library-wrong-version-title = `{ $r_soname }` resolves to a version { $version } library, not a version { $w } one
library-wrong-version-explain = { $target } asks for `{ $r_soname }`, a name that promises major version { $w }. The file the loader takes under that name is really version { $version } (usually a hand-made symlink to a newer or older library). Functions and data layouts differ between majors: expect "undefined symbol" errors, crashes ("Segmentation fault") or silent CPU fallback.
library-wrong-version-fix = Remove the link that points `{ $r_soname }` at the wrong file (`ls -l { $loaded_path }`), then install the real version { $w } library (see `library-not-found` for the packages) and run `sudo ldconfig`
library-wrong-version-title-2 = An older `{ $r_soname }` ({ $version }) hides a newer copy ({ $newer_version })
library-wrong-version-explain-2 = Several copies of this library exist. The loader takes the first one in its search order, which is older than another copy on the path; the framework was probably meant to use the newer one (older copies can lack functions or fixes it needs).
library-wrong-version-fix-2 = Put the directory of the newer copy first: `{ $export }`, or remove the older copy
library-wrong-version-title-3 = { $name } { $version } does not satisfy { $target }'s pin `{ $spec }`
library-wrong-version-explain-3 = { $target } was built and tested against the NVIDIA library versions its metadata pins. The installed { $name } is outside that range (installed by hand or by another package), so the framework may fail to load it or behave differently from the tested build.
library-wrong-version-fix-3 = `pip install '{ $name }{ $spec }'` (into { $env })
library-wrong-version-fix-4 = Check the environment afterwards: `pip check`
cuda-runtime-untested-title = { $target } will load CUDA runtime { $rt } but was built and tested with CUDA { $cuda_value }
cuda-runtime-untested-fix = Load the CUDA { $cuda_value } copy first: `{ $export_line_dir }`
cuda-runtime-untested-fix-2 = Install the CUDA { $cuda_value_major_minor } runtime: `sudo apt-get install cuda-cudart-{ $cuda_value_major }-{ $cuda_value_minor }` (NVIDIA CUDA repository) and put its `lib64` directory first in `LD_LIBRARY_PATH`

## Built in branches and helpers

cpu-only-build-fix-7 = Install the CUDA plugin of the release: { $requirements } names its pip extra
cpu-only-build-fix-6 = `pip install { $pin_p_extra }` (installs the { $p_variant } plugin; the release has others, each with its driver minimum: { $requirements })
cpu-only-build-fix-5 = `pip install { $pin_p_extra }` (installs the { $p_variant } plugin)
cpu-only-build-fix-4 = Reinstall { $pin_torch } as a CUDA build, from the PyTorch index of its CUDA version (the index URL is https://download.pytorch.org/whl/ and the build's tag, such as `cu121`); which CUDA builds exist: { $requirements }
cpu-only-build-fix-3 = `pip install --force-reinstall { $pin_torch }` (on Linux the PyPI wheel is the { $d_tag } build, CUDA { $d_cuda }; other CUDA builds and their `--index-url`: { $requirements })
cpu-only-build-fix-2 = `pip uninstall -y { $t_package }`, then install the GPU package of the release (`tensorflow` from 2.1 on, `tensorflow-gpu` before): { $requirements }
cpu-only-build-fix-1 = `pip uninstall -y { $t_package } && pip install { $pin_release_package }` (the GPU package of this release is `{ $release_package }`)
cpu-only-build-title-2 = { $target } is a CPU-only build: it will not use the GPU
cpu-only-build-title-1 = { $target } is a ROCm (AMD GPU) build (HIP { $h }): it will not use the NVIDIA GPU
gpu-arch-unsupported-title-5 = The cuBLAS { $target } loads has only PTX ({ $code }) for the { $label }: compiled at start-up
gpu-arch-unsupported-title-4 = The cuBLAS { $target } loads has no GPU code for the { $label } (compute capability { $cc })
gpu-arch-unsupported-title-3 = { $target } has only PTX ({ $code }) for the { $label }: the driver compiles it at start-up
gpu-arch-unsupported-title-2 = { $target } has only PTX ({ $code }) for the { $label }, and driver { $driver } cannot compile it
gpu-arch-unsupported-title-1 = { $target } has no GPU code for the { $label } (compute capability { $cc }): "no kernel image is available"
gpu-arch-unsupported-fix-cublas-2 = Install a cuBLAS of CUDA { $cuda_value_major }.x with code for { $cc_sm_name } (the copy loaded may be a trimmed build); check a copy before using it: `cudoctor archs <path>/{ $soname }`
gpu-arch-unsupported-fix-cublas-1 = No cuBLAS of CUDA { $row_major }.x can carry code for { $cc_sm_name }: that CUDA compiles for compute capability { $row_cc_min } and newer only. Pick a build made with an older CUDA: `cudoctor plan --cc { $cc } --framework { $framework }`
release-not-in-knowledge-base-fix-read-2 = See what the knowledge base knows: `cudoctor requirements { $t_package }==<version>` and `cudoctor matrix { $framework }`
release-not-in-knowledge-base-fix-read-1 = Read what this release needs from its PyPI metadata: `cudoctor requirements { $t_package }=={ $v }`; the known releases: `cudoctor matrix { $framework }`
python-version-unsupported-explain-2 = { $target } is installed in a Python { $py_value } environment, but its official packages exist for Python { $supported_value } only. This build came from elsewhere (a source build, another index) and is not a tested combination; import errors or crashes in compiled code are possible.
python-version-unsupported-explain-1 = Frameworks publish compiled packages (wheels) for specific Python versions only. { $target } has them for Python { $supported_value }; in an environment with Python { $py_value } `pip install` finds no matching package ("No matching distribution found").
library-wrong-version-explain-runtime-2 = The CUDA runtime (`{ $r_soname }`) that the loader finds first is a newer minor release than the one { $target } was built with. Within CUDA { $cuda_value_major }.x this is allowed, but it is not the combination the framework was tested with, and the driver must be new enough for CUDA { $rt_major_minor } (see `driver-too-old`).
library-wrong-version-explain-runtime-1 = The CUDA runtime (`{ $r_soname }`) that the loader finds first is older than the one { $target } was built with. The file name is the same across CUDA { $cuda_value_major }.x, so it loads, but functions added after CUDA { $rt_major_minor } are missing: expect "undefined symbol" errors or failures in some operations.
gpu-arch-unsupported-title-direct-2 = { $target } was built with CUDA { $cuda_value }, which cannot make code for the { $label } (compute capability { $cc }): "no kernel image is available"
gpu-arch-unsupported-title-direct-1 = { $target } needs compute capability >= { $min_value }; the { $label } has { $cc }
driver-too-old-explain = { $target } contains GPU code built with CUDA { $cuda }. The CUDA libraries it loads need a driver at least as new as their CUDA release (within CUDA 11 and later, a somewhat older driver of the same major family is accepted: "minor-version compatibility"). An older driver makes the first CUDA call fail with "CUDA driver version is insufficient for CUDA runtime version" (error 35), and the framework falls back to the CPU.
driver-upgrade-fix-compat = Upgrade the NVIDIA driver to >= { $min } (>= { $compat } works with minor-version-compatibility caveats). On Ubuntu: `sudo apt-get install nvidia-driver-{ $branch }` (or a newer branch), then `sudo reboot`
driver-upgrade-fix = Upgrade the NVIDIA driver to >= { $min }. On Ubuntu: `sudo apt-get install nvidia-driver-{ $branch }` (or a newer branch), then `sudo reboot`
driver-too-old-title-incompatible = The NVIDIA driver { $driver } is too old for { $target } (CUDA { $cuda })
driver-too-old-title-caveats = The NVIDIA driver { $driver } runs { $target } (CUDA { $cuda }) only through minor-version compatibility
container-no-gpu-title-outside = This container's filesystem has no GPU device: { $subject } cannot use one in it
container-no-gpu-title = This container has no GPU: { $subject } cannot use one
image-cuda-newer-than-driver-fix-upgrade = Upgrade the host driver to >= { $min } (`sudo apt-get install nvidia-driver-<branch>` on the host, then reboot)
image-cuda-newer-than-driver-cuda-minimum = the CUDA { $cuda } minimum
image-cuda-newer-than-driver-fix-older = Or use an image built for an older CUDA that driver { $driver } supports (`cudoctor plan --driver { $driver }`)
image-cuda-newer-than-driver-title-unknown = Whether driver { $driver } meets this image's `{ $raw }` is unknown
image-cuda-newer-than-driver-title-refused = The NVIDIA container runtime refuses this image on driver { $driver }: `{ $var }` does not hold
image-cuda-newer-than-driver-minor-note = {" "}The CUDA libraries would run on this driver through minor-version compatibility (with its limits); only the check stops them.
image-cuda-newer-than-driver-title-depends = Whether the container runtime starts this image on driver { $driver } depends on the GPU's { $needs }
image-cuda-newer-than-driver-title-forward = This image's CUDA { $cuda } runs on driver { $driver } only through forward compatibility
image-cuda-newer-than-driver-title-forward-no-compat = The container runtime starts this image on driver { $driver }, but its CUDA { $cuda } cannot run: no `cuda-compat` libraries in it
image-cuda-newer-than-driver-compat-note = The image carries it, so CUDA runs, on data-center GPUs only.
image-cuda-newer-than-driver-no-compat-note = The image has no `/usr/local/cuda*/compat/libcuda.so.*`, so CUDA calls fail with "CUDA driver version is insufficient for CUDA runtime version".
image-cuda-newer-than-driver-title-old-driver = This image needs CUDA { $cuda }, newer than the host driver { $driver } supports
image-cuda-newer-than-driver-title-minor = This image's CUDA { $cuda } runs on host driver { $driver } only through minor-version compatibility
image-cuda-newer-than-driver-toolkit-driver = the toolkit driver
i18n-empty = {""}
cudnn-version-mismatch-title-rejected = { $target } will refuse the cuDNN { $loaded } it loads (built with cuDNN { $built })
cudnn-version-mismatch-title-untested = { $target } will load cuDNN { $loaded }, newer than the cuDNN { $built } it was tested with
cudnn-version-mismatch-explain-rejected = cuDNN is NVIDIA's library of neural-network kernels (convolutions, batch norm, RNNs). { $target } checks at start-up that the cuDNN it loads fits the one it was compiled against: same major version and an equal or newer minor. This one does not ({ $reason }), so it logs "Loaded runtime CuDNN library: { $loaded } but source was compiled with: { $built }" and every cuDNN operation fails ("DNN library is not found" / "Could not create cudnn handle"). A common cause is a custom image or a manual copy that replaced cuDNN with another version.
cudnn-version-mismatch-explain-untested = cuDNN is NVIDIA's library of neural-network kernels. { $target } accepts a newer minor release of the cuDNN major it was built with ({ $reason }), but this combination was not tested: it usually works, and differences in speed or numerical results are possible.
ld-library-path-current-directory-fix-unset = Nothing in it is an absolute directory: `unset LD_LIBRARY_PATH`
ld-library-path-current-directory-fix-drop = Drop the empty and relative entries: `export LD_LIBRARY_PATH={ $cleaned }`
release-not-in-knowledge-base-title-newer = { $target } is newer than the knowledge base (newest known: { $newest })
release-not-in-knowledge-base-why-newer = the newest { $framework } release it knows is { $newest }
release-not-in-knowledge-base-title = { $target } is not in the knowledge base
release-not-in-knowledge-base-how-installed-tensorflow = It is diagnosed from its installed files instead (the CUDA and cuDNN versions in its build information, the `nvidia-*` versions it pins, the GPU code in its binaries). The libraries TensorFlow opens follow from its CUDA and cuDNN majors, so where those are known they are carried over from the newest known release built with the same majors (the evidence says from which); facts only the tables hold (tested Python versions) are unknown and not checked.
release-not-in-knowledge-base-how-installed = It is diagnosed from its installed files instead (the CUDA and cuDNN versions in its build information, the `nvidia-*` versions it pins, the GPU code in its binaries); facts only the tables hold (tested Python versions, the exact libraries it opens) are unknown and not checked.
release-not-in-knowledge-base-how-spec = Without the release installed there is nothing to read its needs from, so only the machine itself was checked.
python-version-unsupported-env-default = the Python environment
library-wrong-version-env-default = its environment
library-not-found-env-default = the framework's environment
library-not-found-fix-pip = pip (into { $env }): `pip install { $packages }`
library-not-found-fix-pip-export = pip (into { $env }): `pip install { $packages }`, then `{ $export }`
gpu-arch-unsupported-fix-jit-cache = Expect a slow first start; keep the cache: `export CUDA_CACHE_MAXSIZE=4294967296`
driver-missing-why = the CUDA { $cuda } toolkit driver, for { $target }
cudnn-apt-commands = `apt-cache madison { $pkg }` lists its versions; the newest { $want }: `sudo apt-get install "{ $pkg }=$(apt-cache madison { $pkg } | awk '{"{"}print $3{"}"}' | grep '{ $grep }' | head -n1)"`
cudnn-apt-commands-grep = `apt-cache madison { $pkg }` lists its versions; the newest { $want } for CUDA { $cuda_major }: `sudo apt-get install "{ $pkg }=$(apt-cache madison { $pkg } | awk '{"{"}print $3{"}"}' | grep '{ $grep }' | head -n1)"`
cuda-visible-devices-hides-all-why-empty = it is set but empty
cuda-visible-devices-hides-all-why-negative = its first entry `{ $first }` is negative
cuda-visible-devices-hides-all-why-index = its first entry `{ $first }` is not a device index (this machine has { $count } { $count ->
        [one] GPU
       *[other] GPUs
    }: { $indexes })
cuda-visible-devices-hides-all-why-uuid = its first entry `{ $first }` matches no GPU UUID on this machine
cuda-visible-devices-hides-all-why-invalid = its first entry `{ $first }` is neither an index nor a GPU UUID
