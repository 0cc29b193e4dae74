# `cudoctor lint` 诊断结果（由 cudoctor-setup 生成）的标题、说明和修复步骤，按诊断 id 编排。
# 镜像名、标签、版本、soname 和命令都是参数，与英文完全相同。

lint-s15 = S15：固定精确的镜像标签（例如 `2.9.0-gpu-jupyter`，不要用 `latest`）

## lint-floating-tag

lint-floating-tag-title-arg = `FROM { $raw }` 要到构建时才确定：构建参数 ARG `{ $name }` 没有默认值
lint-floating-tag-explain-arg = 镜像在构建时才选定（`--build-arg { $name }=...`），而 `{ $name }` 在 FROM 之前没有默认值，所以无法知道标签是否固定。{ $s15 }。
lint-floating-tag-fix-arg = 在 FROM 之前给它一个固定的默认值：`ARG { $name }=<精确值>`（精确标签或摘要）
lint-floating-tag-title = `FROM { $image }` 使用浮动标签：{ $why }
lint-floating-tag-why-latest = 没有标签（即 `latest`）
lint-floating-tag-why-moving = 会移动的标签 `{ $tag }`
lint-floating-tag-why-major = 只有主版本号的标签 `{ $tag }`
lint-floating-tag-explain = 浮动标签会被重新指向新的发行版，同一个 Dockerfile 明天构建出来的可能是另一个 CUDA、cuDNN 或框架版本。{ $s15 }：固定精确版本，或使用摘要（digest）。
lint-floating-tag-explain-via = 浮动标签会被重新指向新的发行版，同一个 Dockerfile 明天构建出来的可能是另一个 CUDA、cuDNN 或框架版本（`{ $raw }` 代入 ARG 默认值后）。{ $s15 }：固定精确版本，或使用摘要（digest）。
lint-floating-tag-fix = 固定它：`FROM { $name }:<精确版本>`（例如 `cudoctor dockerfile tensorflow==2.9.0` 会写出 `FROM tensorflow/tensorflow:2.9.0-gpu`），或 `FROM { $name }@sha256:<摘要>`

## lint-cuda-overwritten

lint-cuda-overwritten-title = { $what }，覆盖了官方 { $framework } 镜像 `{ $image }` 中的库
lint-cuda-overwritten-what-pip = `pip install { $package }` 安装了 CUDA 库
lint-cuda-overwritten-what-apt = `apt-get install { $package }` 安装了 CUDA 库
lint-cuda-overwritten-what-copy = `{ $keyword } ... { $path }` 复制了 CUDA 库
lint-cuda-overwritten-explain = 官方镜像自带其 { $framework } 构建时测试过的 CUDA 和 cuDNN（S8）；替换它们就是 S14 中的故障“自定义镜像无法运行：cuDNN 被替换成了错误的版本”。动态加载器现在可能会找到框架构建时并未针对的库。
lint-cuda-overwritten-fix = 删除这一步，保留镜像自带的库（S14：换回基础镜像的 cuDNN，或重新拉取 `{ $image }`）
lint-cuda-overwritten-fix-2 = 需要其他 CUDA 或 cuDNN 时，改用另一个标签：`cudoctor requirements SPEC` 会列出每个发行版的需求

## lint-unpinned-framework

lint-unpinned-framework-title = `pip install { $name }` 没有用 `==` 固定版本
lint-unpinned-framework-explain = 没有精确版本时，pip 会安装最新的 { $framework } 发行版，它可能需要比这个镜像和主机更新的 CUDA、cuDNN 或驱动：构建结果会在你不知情时改变。{ $s15 }；框架也是同样的道理。
lint-unpinned-framework-fix = 固定它，例如 `pip install { $spelled }==<版本>`；`cudoctor requirements { $name }==<版本>` 会说明该发行版的需求

## lint-ld-library-path-empty-entry

lint-ld-library-path-empty-entry-title = `LD_LIBRARY_PATH={ $v }` 含有空条目
lint-ld-library-path-empty-entry-explain = 空条目（开头、结尾或连续的 `:`）对动态加载器来说表示当前目录：工作目录里的任何 `libcudart.so` 或 `libcudnn.so` 都会先于镜像中的库被加载。
lint-ld-library-path-empty-entry-fix = 去掉空条目；要在已有值后追加而不产生空条目，写成 `ENV LD_LIBRARY_PATH=/usr/local/cuda/lib64${"{"}LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH{"}"}`

## lint-base-cuda-mismatch

lint-base-cuda-mismatch-title = { $name }=={ $version } 无法使用 `{ $image }` 中的 CUDA
lint-base-cuda-mismatch-no-cudnn = 它需要 cuDNN { $cudnn }（{ $soname }），但 `{ $image }` 没有 cuDNN（其标签中没有 `cudnn` 部分）
lint-base-cuda-mismatch-cudnn = 它需要 cuDNN { $cudnn }（{ $soname }），但 `{ $image }` 中是 cuDNN { $base_cudnn }
lint-base-cuda-mismatch-cudnn-minor = 它需要 cuDNN { $cudnn } 或更新的 { $soname }（TensorFlow 拒绝更旧的次版本），但 `{ $image }` 中是 cuDNN { $base_cudnn }
lint-base-cuda-mismatch-cuda = 它用 CUDA { $cuda } 构建，加载 { $soname }，但 `{ $image }` 中是 CUDA { $base_cuda }
lint-base-cuda-mismatch-cuda-libraries = 它用 CUDA { $cuda } 构建，加载 CUDA { $cuda_major } 的库，但 `{ $image }` 中是 CUDA { $base_cuda }
lint-base-cuda-mismatch-explain = TensorFlow 按构建时确定的 soname 加载系统中的 CUDA 和 cuDNN 库：{ $problem }。它启动后将不使用 GPU（“Could not load dynamic library”）。
lint-base-cuda-mismatch-explain-cudnn-minor = TensorFlow 会把加载的 cuDNN 与构建时的版本比较：{ $problem }。库可以加载，但第一次卷积运算会失败（“Loaded runtime CuDNN library: ... but source was compiled with: ...”）。
lint-base-cuda-mismatch-fix = 从为它构建的镜像开始：`cudoctor dockerfile { $name }=={ $version }`（或 `FROM` 以下之一：{ $images }）
lint-base-cuda-mismatch-fix-no-image = 从为它构建的镜像开始：`cudoctor dockerfile { $name }=={ $version }`（知识库中没有该发行版的官方镜像）
lint-base-cuda-mismatch-fix-pip = 或者安装 `{ $argument }`：它的 CUDA 和 cuDNN 以 pip wheel 的形式提供

## lint-missing-nvidia-env

lint-missing-nvidia-env-title = `{ $image }` 既不是 nvidia/cuda 镜像，也不是官方框架镜像，而且没有设置 NVIDIA_VISIBLE_DEVICES
lint-missing-nvidia-env-title-cpu = `{ $image }` 是 TensorFlow 的 CPU 镜像，没有设置 NVIDIA_VISIBLE_DEVICES
lint-missing-nvidia-env-explain = nvidia/cuda、TensorFlow 的 GPU 镜像和 PyTorch 的镜像都设置了 `NVIDIA_VISIBLE_DEVICES` 和 `NVIDIA_DRIVER_CAPABILITIES`，它们告诉 NVIDIA 容器运行时挂载 GPU 和驱动的库（libcuda.so）。没有这两个变量的基础镜像（TensorFlow 的 CPU 镜像基于普通的 Ubuntu 构建）在默认运行时（S10）下或在 Kubernetes 中得不到 GPU，即使框架已经安装。
lint-missing-nvidia-env-fix-gpu-image = 改用它的 GPU 镜像：`FROM { $image }`
lint-missing-nvidia-env-fix = 添加 `ENV NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility`，或基于 nvidia/cuda 构建：`cudoctor dockerfile SPEC --base cuda`
