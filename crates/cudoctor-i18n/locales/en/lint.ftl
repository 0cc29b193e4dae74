# Findings of `cudoctor lint` (made by cudoctor-setup): title, explanation and fix lines, keyed
# by finding id. This is where a lint finding's English is written: the lint names keys only,
# and the JSON's `title`, `explanation` and `fix` are rendered from here. Image names, tags,
# versions, sonames and commands are arguments.

lint-s15 = S15: pin exact image tags (`2.9.0-gpu-jupyter`, never `latest`)

## lint-floating-tag

lint-floating-tag-title-arg = `FROM { $raw }` is unknown until the build: build ARG `{ $name }` has no default
lint-floating-tag-explain-arg = The image is chosen at build time (`--build-arg { $name }=...`) and `{ $name }` has no default before the FROM, so whether the tag is pinned is unknown. { $s15 }.
lint-floating-tag-fix-arg = give it a pinned default before the FROM: `ARG { $name }=<exact value>` (an exact tag, or a digest)
lint-floating-tag-title = `FROM { $image }` floats: { $why }
lint-floating-tag-why-latest = no tag (that is `latest`)
lint-floating-tag-why-moving = the moving tag `{ $tag }`
lint-floating-tag-why-major = the major-only tag `{ $tag }`
lint-floating-tag-explain = A floating tag is re-pointed to new releases, so the same Dockerfile builds another CUDA, cuDNN or framework tomorrow. { $s15 }: pin the exact version, or a digest.
lint-floating-tag-explain-via = A floating tag is re-pointed to new releases, so the same Dockerfile builds another CUDA, cuDNN or framework tomorrow (`{ $raw }` with the ARG defaults). { $s15 }: pin the exact version, or a digest.
lint-floating-tag-fix = pin it: `FROM { $name }:<exact version>` (e.g. `cudoctor dockerfile tensorflow==2.9.0` writes `FROM tensorflow/tensorflow:2.9.0-gpu`), or `FROM { $name }@sha256:<digest>`

## lint-cuda-overwritten

lint-cuda-overwritten-title = { $what } over the official { $framework } image `{ $image }`
lint-cuda-overwritten-what-pip = `pip install { $package }` installs CUDA libraries
lint-cuda-overwritten-what-apt = `apt-get install { $package }` installs CUDA libraries
lint-cuda-overwritten-what-copy = `{ $keyword } ... { $path }` copies CUDA libraries
lint-cuda-overwritten-explain = The official image ships the CUDA and cuDNN its { $framework } build was tested with (S8); replacing them is the S14 failure "custom image fails to run: cuDNN replaced by a wrong version". The loader may now find a library the framework was not built for.
lint-cuda-overwritten-fix = remove this step and keep the image's libraries (S14: go back to the base's cuDNN or re-pull `{ $image }`)
lint-cuda-overwritten-fix-2 = for another CUDA or cuDNN, start from another tag: `cudoctor requirements SPEC` lists what each release needs

## lint-unpinned-framework

lint-unpinned-framework-title = `pip install { $name }` is not pinned with `==`
lint-unpinned-framework-explain = Without an exact version pip takes the newest { $framework } release, which may need a newer CUDA, cuDNN or driver than this image and host have: the build changes under you. { $s15 }; the same holds for the framework.
lint-unpinned-framework-fix = pin it, e.g. `pip install { $spelled }==<version>`; `cudoctor requirements { $name }==<version>` says what that release needs

## lint-ld-library-path-empty-entry

lint-ld-library-path-empty-entry-title = `LD_LIBRARY_PATH={ $v }` has an empty entry
lint-ld-library-path-empty-entry-explain = An empty entry (a leading, trailing or doubled `:`) means the current directory to the dynamic loader: whatever `libcudart.so` or `libcudnn.so` lies in the working directory is loaded before the image's.
lint-ld-library-path-empty-entry-fix = drop the empty entry; to append to an existing value without one, write `ENV LD_LIBRARY_PATH=/usr/local/cuda/lib64${"{"}LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH{"}"}`

## lint-base-cuda-mismatch

lint-base-cuda-mismatch-title = { $name }=={ $version } cannot use the CUDA of `{ $image }`
lint-base-cuda-mismatch-no-cudnn = it needs cuDNN { $cudnn } ({ $soname }), but `{ $image }` has no cuDNN (its tag has no `cudnn` part)
lint-base-cuda-mismatch-cudnn = it needs cuDNN { $cudnn } ({ $soname }), but `{ $image }` has cuDNN { $base_cudnn }
lint-base-cuda-mismatch-cudnn-minor = it needs cuDNN { $cudnn } or a newer { $soname } (TensorFlow refuses an older minor), but `{ $image }` has cuDNN { $base_cudnn }
lint-base-cuda-mismatch-cuda = it was built with CUDA { $cuda } and loads { $soname }, but `{ $image }` has CUDA { $base_cuda }
lint-base-cuda-mismatch-cuda-libraries = it was built with CUDA { $cuda } and loads the CUDA { $cuda_major } libraries, but `{ $image }` has CUDA { $base_cuda }
lint-base-cuda-mismatch-explain = TensorFlow loads the CUDA and cuDNN libraries of the system by their sonames, fixed when it was built: { $problem }. It will start without the GPU ("Could not load dynamic library").
lint-base-cuda-mismatch-explain-cudnn-minor = TensorFlow checks the cuDNN it loads against the one it was built with: { $problem }. The library loads, and the first convolution fails ("Loaded runtime CuDNN library: ... but source was compiled with: ...").
lint-base-cuda-mismatch-fix = start from the image built for it: `cudoctor dockerfile { $name }=={ $version }` (or `FROM` one of: { $images })
lint-base-cuda-mismatch-fix-no-image = start from the image built for it: `cudoctor dockerfile { $name }=={ $version }` (the knowledge base lists no official image for this release)
lint-base-cuda-mismatch-fix-pip = or install `{ $argument }`: its CUDA and cuDNN come as pip wheels

## lint-missing-nvidia-env

lint-missing-nvidia-env-title = `{ $image }` is neither nvidia/cuda nor an official framework image, and sets no NVIDIA_VISIBLE_DEVICES
lint-missing-nvidia-env-title-cpu = `{ $image }` is TensorFlow's CPU image, which sets no NVIDIA_VISIBLE_DEVICES
lint-missing-nvidia-env-explain = nvidia/cuda, TensorFlow's GPU images and PyTorch's images set `NVIDIA_VISIBLE_DEVICES` and `NVIDIA_DRIVER_CAPABILITIES`, which tell the NVIDIA container runtime to mount the GPUs and the driver's libraries (libcuda.so). A base without them (TensorFlow's CPU images are built on plain Ubuntu) gets no GPU where the runtime is the default one (S10) or under Kubernetes, even though the framework is installed.
lint-missing-nvidia-env-fix-gpu-image = start from its GPU image: `FROM { $image }`
lint-missing-nvidia-env-fix = add `ENV NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility`, or build on nvidia/cuda: `cudoctor dockerfile SPEC --base cuda`
