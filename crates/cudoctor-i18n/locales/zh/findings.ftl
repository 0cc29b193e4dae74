# cudoctor-diagnose 的诊断结果：标题、说明和修复步骤，键名与英文目录（locales/en/findings.ftl）相同。
# 版本号、命令、路径和动态库名（soname）都是参数，原样保留。

## driver

driver-missing-title = 未安装 NVIDIA 驱动
driver-missing-explain = 程序只能通过 NVIDIA 驱动访问 NVIDIA 显卡：驱动由内核模块（`nvidia`）和用户态动态库 `libcuda.so.1` 组成。两者都没有找到，因此 { $ctx_subject } 无法使用显卡，各框架会悄悄退回到 CPU 上运行（TensorFlow 会打印 "Could not find cuda drivers on your machine, GPU will not be used"）。
driver-missing-fix = 安装版本 >= { $v } 的 NVIDIA 驱动（{ $why }）。Ubuntu 上：`sudo ubuntu-drivers install` 会安装推荐的驱动分支；`ubuntu-drivers list` 列出其他分支（`nvidia-driver-NNN`），至少为 { $branch } 的都可以
driver-missing-fix-2 = 如果这台机器有 NVIDIA 显卡，请安装它的驱动。Ubuntu 上：`sudo ubuntu-drivers install` 会安装推荐的驱动分支；`ubuntu-drivers list` 列出其他分支（`cudoctor matrix cuda` 列出每个 CUDA 版本需要的驱动）
driver-missing-fix-3 = 运行 `sudo reboot`，然后用 `cat /proc/driver/nvidia/version` 和 `nvidia-smi` 检查
kernel-module-not-loaded-title = NVIDIA 驱动已安装，但其内核模块未加载
kernel-module-not-loaded-explain = 驱动分为两部分：用户态动态库 `libcuda.so.1`（已找到）和与硬件通信的 `nvidia` 内核模块（未加载）。没有内核模块，所有 CUDA 调用都会失败（`cuInit` 返回错误，`nvidia-smi` 提示 "couldn't communicate with the NVIDIA driver"）。常见原因：内核升级后没有为当前运行的内核编译该模块（DKMS）、安全启动（Secure Boot）拒绝加载未签名的模块，或者显卡被 `nouveau` 占用。
kernel-module-not-loaded-fix = 运行 `sudo modprobe nvidia`，如果失败，查看原因：`sudo dmesg | grep -i -e nvidia -e nouveau`
kernel-module-not-loaded-fix-2 = 为当前运行的内核重新编译模块：`sudo dkms autoinstall`（或 `sudo apt-get install --reinstall nvidia-dkms-{ $branch }`），然后运行 `sudo reboot`
kernel-module-not-loaded-fix-3 = 如果开启了安全启动（Secure Boot）：导入模块签名密钥（`sudo mokutil --import /var/lib/shim-signed/mok/MOK.der`），或改用发行版提供的已签名驱动包
driver-library-mismatch-title = 已加载的 NVIDIA 内核模块与驱动动态库版本不一致
driver-library-mismatch-explain = 内核模块属于宿主机，驱动动态库必须与它的版本完全一致。这个容器自带了一份驱动动态库（打包进了镜像），而不是使用 NVIDIA 容器运行时从宿主机挂载进来的那一份，因此 CUDA 初始化（`cuInit`）失败，`nvidia-smi` 报告 "Failed to initialize NVML: Driver/library version mismatch"。
driver-library-mismatch-fix = 从镜像中删除驱动动态库（`libcuda.so.*`、`libnvidia-*.so.*`；不要在 Dockerfile 中安装 `nvidia-driver-*` 或 `libnvidia-compute-*` 包），让容器运行时注入宿主机的驱动：用 `docker run --gpus all` 运行它
driver-library-mismatch-explain-2 = 驱动的内核模块和用户态动态库必须是同一版本。升级驱动后没有重启就会出现这种情况：旧的内核模块仍在运行，而新的动态库已经装好。CUDA 初始化失败，`nvidia-smi` 报告 "Failed to initialize NVML: Driver/library version mismatch"。
driver-library-mismatch-fix-2 = 运行 `sudo reboot`（重启后加载与已安装动态库匹配的内核模块）
driver-library-mismatch-fix-3 = 不重启的做法（要求没有进程正在使用显卡）：`sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia`
driver-too-old-title = NVIDIA 驱动 { $driver } 对 { $target } 来说太旧：至少需要 >= { $doc_value }
driver-too-old-fix-1 = 或者选择一个适配当前驱动的版本：`cudoctor plan --driver { $driver } --framework { $framework }`
driver-too-old-explain-1 = { $too_old }知识库的说明：{ $reason }。
driver-too-old-fix-2 = 或者选择一个适配当前驱动的版本：`cudoctor plan --driver { $driver } --framework { $framework }`
driver-too-old-explain-2 = 每个 CUDA 版本都配有一个驱动；{ $target } 使用 CUDA { $cuda_value } 构建，其工具包驱动为 { $toolkit }。当前驱动更旧，但在 CUDA { $cuda_value_major }.x 范围内，NVIDIA 的次版本兼容（minor-version compatibility）允许它运行，但有限制：{ $named_join }。依赖新版工具包编译的 PTX 的代码（例如在构建时没有对应机器码的显卡上）可能失败，报错 `CUDA_ERROR_UNSUPPORTED_PTX_VERSION`（222）。
driver-too-old-title-2 = NVIDIA 驱动支持 CUDA { $supported }；{ $target } 需要 CUDA { $cuda }

## container

container-no-gpu-explain = 只有容器运行时把显卡传进来，容器才能看到显卡：用 `--gpus` 启动容器时（或使用 `nvidia` 运行时加 `NVIDIA_VISIBLE_DEVICES`），NVIDIA Container Toolkit 会在启动时加入 `/dev/nvidia*` 设备文件和宿主机的驱动动态库。这里都没有，所以各框架找不到显卡，只能在 CPU 上运行。镜像本身无法解决这个问题，需要修改 `docker run` 命令和宿主机。
container-no-gpu-fix = `NVIDIA_VISIBLE_DEVICES={ $v }` 表示不向运行时申请任何显卡：改用 `-e NVIDIA_VISIBLE_DEVICES=all` 启动（或从镜像的 `ENV` 中删除它）
container-no-gpu-fix-2 = 带上显卡启动容器：在它的 `docker run` 中加上 `--gpus all`（Compose：`deploy.resources.reservations.devices: [{"{"}driver: nvidia, count: all, capabilities: [gpu]{"}"}]`）
container-no-gpu-fix-3 = 在宿主机上：安装 NVIDIA Container Toolkit（`sudo apt-get install nvidia-container-toolkit`），然后运行 `sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker`
container-no-gpu-fix-4 = 在宿主机上：用 `cudoctor check` 检查驱动（驱动必须足够新，能支持这个镜像里的 CUDA）
docker-nvidia-runtime-missing-title = 已安装 NVIDIA 容器运行时，但 Docker 没有配置使用它
docker-nvidia-runtime-missing-explain = Docker 通过 NVIDIA 容器运行时启动使用显卡的容器，该运行时必须在 `/etc/docker/daemon.json` 中注册。这里已安装但未注册：`docker run --runtime=nvidia`、写有 `runtime: nvidia` 的 Compose 文件，以及要求它作为默认运行时的环境（Kubernetes、需要显卡的 `docker build` 步骤）都会失败，或者得到没有显卡的容器。（`docker run --gpus all` 仍可能通过工具包的钩子正常工作。）
docker-nvidia-runtime-missing-fix = `sudo "$(command -v cudoctor)" fix docker-runtime --set-default --apply && sudo systemctl restart docker`（不加 `--apply` 时只显示差异；原文件会保留备份）
docker-nvidia-runtime-missing-fix-2 = `sudo nvidia-ctk runtime configure --runtime=docker --set-as-default && sudo systemctl restart docker`
docker-nvidia-runtime-missing-fix-3 =
    它会把以下内容写入 `/etc/docker/daemon.json`（与已有的键合并）：
    { $daemon_json_fragment }
docker-nvidia-runtime-missing-fix-4 = 检查：`docker info --format '{"{"}{"{"}json .Runtimes{"}"}{"}"}'` 中列出 `nvidia`，并且 `docker run --rm --gpus all ubuntu nvidia-smi` 能显示显卡
docker-nvidia-runtime-missing-title-2 = 已安装 Docker，但未安装 NVIDIA Container Toolkit：容器拿不到显卡
docker-nvidia-runtime-missing-explain-2 = 这台 Docker 宿主机有 NVIDIA 显卡，但没有 NVIDIA Container Toolkit，Docker 无法把显卡传入容器：`docker run --gpus all` 会失败（"could not select device driver \"\" with capabilities: [[gpu]]"），容器在没有显卡的情况下运行。
docker-nvidia-runtime-missing-fix-5 = 从 NVIDIA 的软件源安装工具包（参见安装指南）：`sudo apt-get install nvidia-container-toolkit`
docker-nvidia-runtime-missing-fix-6 = `sudo nvidia-ctk runtime configure --runtime=docker --set-as-default && sudo systemctl restart docker`
docker-nvidia-runtime-missing-fix-7 =
    之后 `/etc/docker/daemon.json` 中包含：
    { $daemon_json_fragment }
image-cuda-newer-than-driver-title = 镜像的 `NVIDIA_REQUIRE_*` 无法解析：容器运行时会拒绝启动它
image-cuda-newer-than-driver-explain = NVIDIA Container Toolkit 在启动使用显卡的容器前会解析每一个 `NVIDIA_REQUIRE_*` 变量，遇到格式错误的变量就会失败：{ $e }。
image-cuda-newer-than-driver-fix = 修正 Dockerfile 中的这个变量（`ENV NVIDIA_REQUIRE_CUDA="cuda>=X.Y"`），或者加上 `-e NVIDIA_DISABLE_REQUIRE=1` 运行
image-cuda-newer-than-driver-explain-2 = 容器运行时会把 `{ $r_var }` 与宿主机驱动报告的 CUDA 版本进行比较。探测时没有询问驱动，而驱动 { $driver } 比知识库中所有 CUDA 版本都新，所以这里不知道它支持的 CUDA 版本。
image-cuda-newer-than-driver-fix-2 = 在宿主机上直接对该镜像运行 `cudoctor check --image`（在那里会询问驱动），或在宿主机上运行 `nvidia-smi`：其中的 `CUDA Version` 必须不低于镜像所需的版本
image-cuda-newer-than-driver-explain-3 = 容器使用宿主机的 NVIDIA 驱动，只有 CUDA 动态库来自镜像。启动使用显卡的容器前，NVIDIA Container Toolkit 会检查 `{ $r_var }`：其中以空格分隔的条件至少要满足一个，而在这台宿主机上一个都不满足（{ $failing_join }）。`docker run --gpus all` 会失败并报 "unsatisfied condition: { $failed }"。{ $minor_note }
image-cuda-newer-than-driver-fix-3 = 或者跳过这项检查（需清楚次版本兼容的限制）：在它的 `docker run --gpus all` 中加上 `-e NVIDIA_DISABLE_REQUIRE=1`
image-cuda-newer-than-driver-explain-4 = `{ $var }` 只在同时指定显卡 { $needs_join_and } 的条件中允许驱动 { $driver }（`brand=tesla,driver>=...`：NVIDIA CUDA 镜像中面向数据中心的前向兼容分组），而现有信息无法判断这一点。
image-cuda-newer-than-driver-fix-4 = 在宿主机上查看显卡品牌：`nvidia-smi -q | grep 'Product Brand'`；数据中心品牌（`Tesla`、`NVIDIA`）且驱动在该分组范围内时，容器会通过前向兼容启动
image-cuda-newer-than-driver-explain-5 = 工具包通过条件 `{ $term_join }` 允许驱动 { $driver }：这是一个数据中心驱动分支，CUDA 的前向兼容包（`cuda-compat`）可为它提供更新的 `libcuda`。{ $compat_note }
image-cuda-newer-than-driver-fix-5 = 或者在镜像中安装兼容包：`apt-get install cuda-compat-{ $cuda_major }-{ $cuda_minor }`
image-cuda-newer-than-driver-explain-6 = 容器使用宿主机的 NVIDIA 驱动，只有 CUDA 动态库来自镜像。这个镜像为 CUDA { $cuda } 构建，而宿主机驱动对它来说太旧（{ $reason }）：CUDA 调用会失败并报 "CUDA driver version is insufficient for CUDA runtime version"。
image-cuda-newer-than-driver-explain-7 = 容器使用宿主机的 NVIDIA 驱动。它比 CUDA { $cuda } 工具包驱动旧，因此镜像在次版本兼容模式下运行，有以下限制：{ $named_join }。
image-cuda-newer-than-driver-fix-6 = 将宿主机驱动升级到 >= { $toolkit } 以解除这些限制

## cudnn

cudnn-version-mismatch-fix = 安装适用于 CUDA { $cuda_major_minor } 的 cuDNN { $want }：{ $apt }；或者用 pip：`pip install 'nvidia-cudnn-cu{ $cuda_major }>={ $want },<{ $next_major }'`，并把它的 `nvidia/cudnn/lib` 目录放在 `LD_LIBRARY_PATH` 的最前面
cudnn-version-mismatch-fix-2 = 删除手动复制的 cuDNN 文件（`/usr/local/cuda*/lib64`、`/usr/lib/x86_64-linux-gnu` 中的 `libcudnn*`），然后运行 `sudo ldconfig`
cudnn-version-mismatch-fix-3 = 自定义镜像时：基于官方镜像 `{ $image }` 构建（FROM），不要替换其中的 cuDNN
cudnn-version-mismatch-title-1 = 安装了多个不同版本的 cuDNN：{ $list_join }
cudnn-version-mismatch-explain-1 = 系统中装有多份不同的 cuDNN（动态库文件、头文件、pip wheel）。实际只会加载其中一份，由加载器的搜索顺序决定，而不是由框架的需要决定；一个版本的头文件与另一个版本的动态库放在一起，会破坏针对 cuDNN 编译的构建。混杂的副本通常来自手动复制 cuDNN 文件或非官方的打包，它们会让故障取决于 `LD_LIBRARY_PATH`。
cudnn-version-mismatch-fix-4 = 每个 CUDA 主版本只保留一份 cuDNN：删除没有框架需要的副本（以及过时的头文件），然后运行 `sudo ldconfig`
cudnn-version-mismatch-fix-5 = 查看每个框架会加载哪一份：`cudoctor which libcudnn.so.8` / `cudoctor which libcudnn.so.9`
cudnn-version-mismatch-title-rejected = { $target } 会拒绝它加载的 cuDNN { $loaded }（构建时使用 cuDNN { $built }）
cudnn-version-mismatch-title-untested = { $target } 会加载 cuDNN { $loaded }，比测试时使用的 cuDNN { $built } 更新
cudnn-version-mismatch-explain-rejected = cuDNN 是 NVIDIA 的神经网络算子库（卷积、批归一化、RNN）。{ $target } 启动时会检查加载的 cuDNN 是否与编译时使用的版本相符：主版本相同，次版本相同或更新。这一份不符合（{ $reason }），因此它会打印 "Loaded runtime CuDNN library: { $loaded } but source was compiled with: { $built }"，所有 cuDNN 操作都会失败（"DNN library is not found" / "Could not create cudnn handle"）。常见原因是自定义镜像或手动复制的文件把 cuDNN 换成了另一个版本。
cudnn-version-mismatch-explain-untested = cuDNN 是 NVIDIA 的神经网络算子库。{ $target } 接受构建时所用 cuDNN 主版本下更新的次版本（{ $reason }），但这个组合没有经过测试：通常可以正常工作，但速度或数值结果可能有差异。

## environment

cuda-toolkit-conflict-title = CUDA_HOME、nvcc、/usr/local/cuda 和 LD_LIBRARY_PATH 指向 { $distinct_len } 个不同的 CUDA 工具包
cuda-toolkit-conflict-explain = 多个 CUDA 工具包可以并存，但用来选择工具包的各项设置互相矛盾。构建时使用 `CUDA_HOME` 和 `nvcc`，程序运行时通过 `LD_LIBRARY_PATH` 和 `/usr/local/cuda` 链接加载动态库，因此代码可能用一个 CUDA 编译、却用另一个 CUDA 运行；`nvidia-smi` 和 `nvcc --version` 看起来都正常，框架却加载了错误的动态库。
cuda-toolkit-conflict-fix = 在所有地方统一选用一个工具包（{ $describe_t }）：`export CUDA_HOME={ $root } PATH={ $root }/bin:$PATH LD_LIBRARY_PATH={ $lib }${"{"}LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH{"}"}`
cuda-toolkit-conflict-fix-2 = 并让默认链接指向它：`sudo ln -sfn { $root } /usr/local/cuda`
cuda-toolkit-conflict-fix-3 = 选择框架构建时使用的工具包（`cudoctor requirements SPEC`），然后把 `CUDA_HOME`、`PATH` 中它的 `bin` 目录、`LD_LIBRARY_PATH` 中它的 `lib64` 目录以及 `/usr/local/cuda` 链接都指向这同一个目录
cuda-visible-devices-hides-all-title = CUDA_VISIBLE_DEVICES 隐藏了所有显卡
cuda-visible-devices-hides-all-explain = 环境变量 `CUDA_VISIBLE_DEVICES` 告诉 CUDA 程序可以看到哪些显卡。CUDA 读取到第一个无效条目为止，忽略其后的内容；这里{ $why }，所以 CUDA 程序完全看不到显卡（`cuInit` 报告没有设备，各框架列不出显卡，只能在 CPU 上运行）。
cuda-visible-devices-hides-all-fix = 运行 `unset CUDA_VISIBLE_DEVICES` 以显示所有显卡，或 `export CUDA_VISIBLE_DEVICES=0`（使用有效的序号，或 `nvidia-smi -L` 给出的 `GPU-<uuid>`）
cuda-visible-devices-hides-all-fix-2 = 找到设置它的位置：`grep -rn CUDA_VISIBLE_DEVICES ~/.bashrc ~/.profile /etc/environment`（以及 Dockerfile 的 `ENV`、作业脚本或调度器）
ld-library-path-current-directory-title = LD_LIBRARY_PATH 让每个程序都在当前目录中查找动态库
ld-library-path-current-directory-explain = `LD_LIBRARY_PATH` 中的空条目（开头、结尾或连续的 `:`）或相对路径，对 glibc 的加载器来说就是当前目录。这样启动的每个程序（包括 TensorFlow、PyTorch 和 JAX）都会先在启动时所在的目录里查找 `libcuda.so.1`、`libcudnn.so.*` 等 CUDA 动态库，并加载、运行同名文件：错误的或被人放置的动态库会优先于已安装的那一份。设置了这个值时，cudoctor 自身不会加载驱动。
ld-library-path-current-directory-fix-1 = 如果它是在 shell 配置文件中设置的，请写成 `export LD_LIBRARY_PATH=/usr/local/cuda/lib64${"{"}LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH{"}"}`，这样就不会出现空条目
ld-library-path-current-directory-fix-unset = 其中没有任何绝对路径目录：`unset LD_LIBRARY_PATH`
ld-library-path-current-directory-fix-drop = 去掉空条目和相对路径条目：`export LD_LIBRARY_PATH={ $cleaned }`

## framework

python-version-unsupported-title = { $target } 不支持 Python { $py_value }（{ $env }）
python-version-unsupported-env-default = 该 Python 环境
python-version-unsupported-explain-1 = 各框架只为特定的 Python 版本发布编译好的包（wheel）。{ $target } 提供了 Python { $supported_value } 的包；在 Python { $py_value } 的环境中，`pip install` 找不到匹配的包（"No matching distribution found"）。
python-version-unsupported-explain-2 = { $target } 安装在 Python { $py_value } 环境中，但它的官方包只支持 Python { $supported_value }。这个构建来自别处（源码构建或其他软件源），不是经过测试的组合；可能出现导入错误或编译代码崩溃。
python-version-unsupported-fix = 用受支持的 Python 创建一个环境，例如 `python{ $python } -m venv ~/venv-{ $framework } && ~/venv-{ $framework }/bin/pip install { $packages }`
python-version-unsupported-fix-2 = 或者选择一个支持 Python { $py_value } 的版本：`cudoctor plan --python { $py_value } --framework { $framework }`
cpu-only-build-title-1 = { $target } 是 ROCm（AMD 显卡）构建（HIP { $h }）：不会使用 NVIDIA 显卡
cpu-only-build-title-2 = { $target } 是仅支持 CPU 的构建：不会使用显卡
cpu-only-build-explain = 这台机器有 NVIDIA 显卡，但安装的 { $target } 构建时没有启用 CUDA 支持，只能在 CPU 上运行（{ $check }）。驱动或 CUDA 的任何设置都改变不了这一点，必须换成 GPU 版本的包。
cpu-only-build-fix-1 = `pip uninstall -y { $t_package } && pip install { $pin_release_package }`（这个版本的 GPU 包是 `{ $release_package }`）
cpu-only-build-fix-2 = `pip uninstall -y { $t_package }`，然后安装该版本的 GPU 包（2.1 起为 `tensorflow`，之前为 `tensorflow-gpu`）：{ $requirements }
cpu-only-build-fix-3 = `pip install --force-reinstall { $pin_torch }`（在 Linux 上，PyPI 的 wheel 是 { $d_tag } 构建，CUDA { $d_cuda }；其他 CUDA 构建及其 `--index-url`：{ $requirements }）
cpu-only-build-fix-4 = 从对应 CUDA 版本的 PyTorch 软件源重新安装 CUDA 版的 { $pin_torch }（软件源地址是 https://download.pytorch.org/whl/ 加上构建标签，例如 `cu121`）；有哪些 CUDA 构建：{ $requirements }
cpu-only-build-fix-5 = `pip install { $pin_p_extra }`（安装 { $p_variant } 插件）
cpu-only-build-fix-6 = `pip install { $pin_p_extra }`（安装 { $p_variant } 插件；该版本还有其他插件，各自有最低驱动要求：{ $requirements }）
cpu-only-build-fix-7 = 安装该版本的 CUDA 插件：{ $requirements } 会给出它的 pip extra
gpu-arch-unsupported-title-1 = { $target } 没有适用于 { $label }（计算能力 { $cc }）的 GPU 代码："no kernel image is available"
gpu-arch-unsupported-title-2 = { $target } 对 { $label } 只有 PTX（{ $code }），而驱动 { $driver } 无法编译它
gpu-arch-unsupported-title-3 = { $target } 对 { $label } 只有 PTX（{ $code }）：由驱动在启动时编译
gpu-arch-unsupported-title-4 = { $target } 加载的 cuBLAS 没有适用于 { $label }（计算能力 { $cc }）的 GPU 代码
gpu-arch-unsupported-title-5 = { $target } 加载的 cuBLAS 对 { $label } 只有 PTX（{ $code }）：在启动时编译
gpu-arch-unsupported-title-direct-1 = { $target } 需要计算能力 >= { $min_value }；{ $label } 的计算能力为 { $cc }
gpu-arch-unsupported-title-direct-2 = { $target } 使用 CUDA { $cuda_value } 构建，而该 CUDA 无法为 { $label }（计算能力 { $cc }）生成代码："no kernel image is available"
gpu-arch-unsupported-explain = GPU 程序会为特定的显卡架构附带机器码（SASS，`sm_XY`），还可以附带 PTX（`compute_XY`）：一种驱动可以为更新显卡编译的中间形式。{ $target } 既没有能在计算能力 { $cc }（{ $cc_sm_name }）上运行的机器码，也没有足够旧、可以为它编译的 PTX，因此所有 GPU 操作都会失败并报 "no kernel image is available for execution on the device"（TensorFlow 也可能直接忽略这块显卡："Ignoring visible gpu device ... with Cuda compute capability { $cc }"）。
gpu-arch-unsupported-fix = 选择一个 wheel 中带有 { $cc_sm_name } 代码的版本：`cudoctor plan --cc { $cc } --framework { $framework }`
gpu-arch-unsupported-fix-2 = 或者从源码构建 { $framework_name }，并启用计算能力 { $cc }
gpu-arch-unsupported-explain-2 = { $target } 没有适用于计算能力 { $cc } 的机器码，只有需要驱动在程序启动时编译的 PTX（{ $code }）。这份 PTX 由 CUDA { $cuda_value } 生成（PTX ISA { $cuda_isa }，{ $how_describe }）；已知驱动 { $driver } 只能编译 PTX ISA { $driver_isa }，因此加载会失败并报 `CUDA_ERROR_UNSUPPORTED_PTX_VERSION`（222）："the provided PTX was compiled with an unsupported toolchain"。次版本兼容不适用于 PTX。
gpu-arch-unsupported-fix-3 = 把驱动至少升级到 CUDA { $cuda_value } 工具包驱动（`{ $requirements }` 会显示它）
gpu-arch-unsupported-fix-4 = 或者选择一个带有这块显卡机器码的版本：`cudoctor plan --cc { $cc } --driver { $driver } --framework { $framework }`
gpu-arch-unsupported-explain-3 = { $target } 没有适用于计算能力 { $cc } 的机器码；它带有 PTX（{ $code }），由驱动在程序启动时为这块显卡编译。这样可以运行，但首次启动会很慢（大型框架需要几分钟；结果缓存在 `~/.nv/ComputeCache` 中，如果反复重新编译，请调大 `CUDA_CACHE_MAXSIZE`），并且需要驱动的编译器能理解这个 PTX 版本。
gpu-arch-unsupported-fix-5 = 如需原生代码：`cudoctor plan --cc { $cc } --framework { $framework }` 会列出用 { $cc_sm_name } 构建的版本
gpu-arch-unsupported-explain-4 = { $target } 支持计算能力 { $min_value } 及以上的显卡；{ $label } 是更早的一代（{ $cc }），它的 GPU 代码无法在上面运行（"no kernel image is available for execution on the device"）。
gpu-arch-unsupported-fix-6 = 选择一个更早的版本：`cudoctor plan --cc { $cc } --framework { $framework }`
gpu-arch-unsupported-explain-5 = 不知道 { $target } 带有哪些 GPU 代码，但它使用 CUDA { $cuda_value } 构建，而 CUDA { $row_major }.x 的编译器只能为计算能力 { $row_cc_min } 及以上生成代码。用它构建的任何版本都不可能带有计算能力 { $cc }（{ $cc_sm_name }）的机器码，而 PTX 只能为相同或更新的显卡编译，不能向下编译到更旧的显卡。所有 GPU 操作都会失败并报 "no kernel image is available for execution on the device"。
gpu-arch-unsupported-fix-7 = 选择一个用更早的、仍支持 { $cc_sm_name } 的 CUDA 构建的版本：`cudoctor plan --cc { $cc } --framework { $framework }`
gpu-arch-unsupported-explain-6 = { $target } 的矩阵乘法由 cuBLAS（`{ $soname }`）完成。加载器选中的那一份只带有其他显卡架构的机器码，也没有驱动可以为计算能力 { $cc } 编译的 PTX，因此即使框架本身能启动，每次矩阵乘法都会失败并报 "no kernel image is available for execution on the device"（或 `CUBLAS_STATUS_ARCH_MISMATCH`）。
gpu-arch-unsupported-fix-cublas-1 = CUDA { $row_major }.x 的任何 cuBLAS 都不可能带有 { $cc_sm_name } 的代码：该 CUDA 只为计算能力 { $row_cc_min } 及以上编译。请选择用更早的 CUDA 构建的版本：`cudoctor plan --cc { $cc } --framework { $framework }`
gpu-arch-unsupported-fix-cublas-2 = 安装带有 { $cc_sm_name } 代码的 CUDA { $cuda_value_major }.x 版 cuBLAS（当前加载的可能是裁剪过的构建）；使用前先检查：`cudoctor archs <path>/{ $soname }`
gpu-arch-unsupported-fix-8 = 查看加载的是哪一份以及原因：`cudoctor which { $soname }`
gpu-arch-unsupported-explain-7 = 加载器为 { $target } 选中的 cuBLAS 没有适用于计算能力 { $cc } 的机器码；驱动会在首次使用时编译它的 PTX（{ $code }），这会让最初的矩阵乘法变慢，并且需要驱动的编译器能理解这个 PTX。
gpu-arch-unsupported-fix-9 = 如需原生代码，请使用为 { $cc_sm_name } 构建的 cuBLAS 版本
gpu-arch-unsupported-fix-jit-cache = 首次启动会比较慢；请保留缓存：`export CUDA_CACHE_MAXSIZE=4294967296`
tensorrt-missing-title = 未安装 TensorRT；TensorFlow 关于 TensorRT 的警告无害
tensorrt-missing-explain = TensorRT（`libnvinfer`）是 NVIDIA 的可选推理优化器。部分 TensorFlow 版本启动时会查找它，并打印 "Could not load dynamic library 'libnvinfer.so.7'" 或 "TF-TRT Warning: Could not find TensorRT"。没有它 { $target } 也能在显卡上训练和运行；只有 TF-TRT 模型转换需要它。
tensorrt-missing-fix = 除非使用 TF-TRT，否则无需处理；如要屏蔽这些消息：`export TF_CPP_MIN_LOG_LEVEL=2`（会隐藏 TensorFlow 的所有警告）
release-not-in-knowledge-base-title = 知识库中没有 { $target }
release-not-in-knowledge-base-title-newer = { $target } 比知识库更新（已知最新版本：{ $newest }）
release-not-in-knowledge-base-why-newer = 知识库中已知最新的 { $framework } 版本是 { $newest }
release-not-in-knowledge-base-explain = cudoctor 的兼容性表格没有收录这个版本（{ $why }）。{ $how }
release-not-in-knowledge-base-how-installed-tensorflow = 因此改为根据已安装的文件诊断（构建信息中的 CUDA 和 cuDNN 版本、它固定的 `nvidia-*` 版本、二进制文件中的 GPU 代码）。TensorFlow 打开哪些动态库取决于它的 CUDA 和 cuDNN 主版本，所以在这些已知的情况下，会沿用使用相同主版本构建的已知最新版本的信息（证据中注明了来源）；只有表格才有的信息（经过测试的 Python 版本）未知，不做检查。
release-not-in-knowledge-base-how-installed = 因此改为根据已安装的文件诊断（构建信息中的 CUDA 和 cuDNN 版本、它固定的 `nvidia-*` 版本、二进制文件中的 GPU 代码）；只有表格才有的信息（经过测试的 Python 版本、它打开的具体动态库）未知，不做检查。
release-not-in-knowledge-base-how-spec = 这个版本没有安装，无从读取它的需求，因此只检查了机器本身。
release-not-in-knowledge-base-fix-read-1 = 从 PyPI 元数据读取这个版本的需求：`cudoctor requirements { $t_package }=={ $v }`；已知版本：`cudoctor matrix { $framework }`
release-not-in-knowledge-base-fix-read-2 = 查看知识库已知的信息：`cudoctor requirements { $t_package }==<version>` 和 `cudoctor matrix { $framework }`
release-not-in-knowledge-base-fix-1 = 更新 cudoctor 以获得更新的表格
no-framework-target-title = 没有可供检查的框架：只检查了 GPU 软件栈
no-framework-target-explain = 没有找到 TensorFlow、PyTorch 或 JAX 的安装，也没有指定框架，因此只检查了驱动、显卡、工具包和容器。指定要运行的框架后会增加相应的检查：它的 CUDA 需要的驱动、它打开的具体动态库、它的 cuDNN 规则、它支持的 Python 版本，以及它是否带有适用于你的显卡的代码。
no-framework-target-fix = `cudoctor check --for tensorflow==2.9.0`（或 `--for torch==2.4.1`、`--for jax==0.4.30`）

## image

image-floating-tag-title = `{ $name }` 是浮动标签：重新构建或拉取时可能换成另一套 CUDA 软件栈
image-floating-tag-explain = { $why }。标签移动时，镜像中的框架、CUDA 和 cuDNN 都会变化，今天能用的软件栈下次拉取时可能就坏了（S15：固定精确的标签，例如 `2.9.0-gpu-jupyter`，不要用 `latest`）。
image-floating-tag-fix = 固定精确的版本标签（`tensorflow/tensorflow:2.9.0-gpu`），或使用摘要（`name@sha256:` 加上 `docker buildx imagetools inspect` 显示的摘要）以得到逐字节一致的镜像
image-runs-as-root-title = 镜像以 root 身份运行
image-runs-as-root-explain = 它的配置没有设置非特权的 `User`，所以容器中的进程以 root 身份运行：写入挂载卷的文件在宿主机上属于 root，而被攻破的进程在容器内拥有 root 权限。
image-runs-as-root-fix = 在 Dockerfile 中添加用户（`RUN useradd -m app`，然后 `USER app`），或在它的 `docker run` 中加上 `--user "$(id -u):$(id -g)"`
image-old-title = 这个镜像构建于 { $days } 天前
image-old-explain = 镜像不会自动获得其系统软件包的安全修复；超过 { $image_age_days } 天的镜像很可能缺少一些修复（S15：定期重新构建镜像以获得 CVE 修复）。
image-old-fix = 基于更新后的基础镜像、用相同的固定版本重新构建（在它的 `docker build` 中加上 `--pull --no-cache`）
image-library-replaced-title = 上层替换或删除了基础镜像中的 { $count } 个 CUDA/cuDNN 文件
image-library-replaced-explain = 基础镜像中的 CUDA 和 cuDNN 是经过测试的组合。后续的层（`RUN apt-get install`、`pip install` 或 `COPY`）覆盖或删除了其中一些文件，留下了框架构建时没有预期的混合版本（S14：替换了 cuDNN 的自定义镜像）；其他诊断结果会说明这些版本是否仍然匹配。
image-library-replaced-fix = 安装基础镜像构建时使用的版本，或者改用带有所需 CUDA/cuDNN 的基础镜像（`cudoctor requirements tensorflow==2.9.0`）
image-library-replaced-fix-2 = 查看每一层做了什么：`docker history --no-trunc IMAGE`

## libraries

library-not-found-title = { $target } 无法加载 { $count } 个 CUDA 动态库：{ $names_join }
library-not-found-explain = { $target } 启动时按精确的文件名（soname）打开 CUDA 动态库。动态加载器会在 `LD_LIBRARY_PATH` 的目录、`ld.so.cache` 索引和系统动态库目录中查找；那里没有这些文件名（共 { $count } 个）的文件。缺少其中任何一个时，TensorFlow 会打印 "Could not load dynamic library" 和 "Cannot dlopen some GPU libraries... Skipping registering GPU devices"，然后一切都在 CPU 上运行。
library-not-found-fix = 创建缺失的 soname 链接（共 { $count } 个，即 `ldconfig` 在它管理的目录中所做的事）：`{ $links_join } && sudo ldconfig`
library-not-found-fix-2 = 加载器的搜索路径之外有这些动态库的副本；让它们可见：`{ $export_line_dirs }`（要永久生效：`printf '%s\n' { $dirs_join } | sudo tee -a /etc/ld.so.conf.d/cuda.conf && sudo ldconfig`）
library-not-found-fix-3 = pip：`pip install '{ $arg }'`（安装这个版本固定的 NVIDIA 动态库）
library-not-found-fix-4 = apt（NVIDIA CUDA 软件源，参见 CUDA 安装指南）：`sudo apt-get install { $apt_join }`
library-not-found-fix-5 = 通过 apt 安装适用于 CUDA { $cuda_major_minor } 的 cuDNN { $c_value_major }.{ $c_value_minor }：{ $apt }
library-not-found-fix-6 = 或者运行带有正确动态库的官方镜像：`docker run --gpus all -it { $image }`
library-not-found-fix-pip = pip（安装到 { $env }）：`pip install { $packages }`
library-not-found-fix-pip-export = pip（安装到 { $env }）：`pip install { $packages }`，然后 `{ $export }`
library-not-found-env-default = 该框架所在的环境
library-not-found-title-2 = { $target } 需要的 NVIDIA wheel 未安装：{ $names_join }
library-not-found-explain-2 = { $target } 从它自身元数据固定（`Requires-Dist`）的 `nvidia-*` pip 包中获取 CUDA 动态库。{ $env } 中缺少这些包，所以它们携带的动态库不在框架首先查找的位置；除非加载器路径上有匹配的副本，否则导入会失败并报 "cannot open shared object file"，或者在没有显卡的情况下运行。
library-not-found-fix-7 = `pip install { $reqs_join }`（安装到 { $env }）
library-not-found-fix-8 = 或者连同依赖一起重新安装框架：`pip install --force-reinstall { $args }`
library-not-found-title-first-use = { $target } 可以导入，但找不到 { $sonames_join }：打开它们的调用会失败，携带它们的 { $count } 个 NVIDIA wheel 未安装（{ $wheels_join }）
library-not-found-explain-first-use = { $target } 只在某个调用首次需要时才打开这些 CUDA 动态库，因此没有它们也能导入：{ $uses_join }。它们来自其自身元数据固定（`Requires-Dist`）的 `nvidia-*` pip 包，而 { $env } 中缺少这些包；动态加载器在别处也找不到副本：`LD_LIBRARY_PATH` 的目录、`ld.so.cache` 索引和系统动态库目录中都没有。这些调用会失败，报 "cannot open shared object file" 或指明该动态库的错误。
library-not-found-title-import = { $target } 将无法导入：找不到 { $sonames_join }，携带它们的 { $count } 个 NVIDIA wheel 未安装（{ $wheels_join }）
library-not-found-explain-import = { $target } 链接了这些 CUDA 动态库，导入时会立即加载它们。它们来自其自身元数据固定（`Requires-Dist`）的 `nvidia-*` pip 包，而 { $env } 中缺少这些包；动态加载器在别处也找不到副本：`LD_LIBRARY_PATH` 的目录、`ld.so.cache` 索引和系统动态库目录中都没有。`import { $package }` 会失败，报 `OSError`（"cannot open shared object file"）或 `ValueError`（"... not found in the system path"）。
library-wrong-version-title = `{ $r_soname }` 解析到的是版本 { $version } 的动态库，而不是版本 { $w }
library-wrong-version-explain = { $target } 请求 `{ $r_soname }`，这个名字承诺的主版本是 { $w }。加载器以这个名字找到的文件实际上是版本 { $version }（通常是手工创建、指向更新或更旧动态库的符号链接）。不同主版本之间的函数和数据布局不同：可能出现 "undefined symbol" 错误、崩溃（"Segmentation fault"）或悄悄退回 CPU。
library-wrong-version-fix = 删除把 `{ $r_soname }` 指向错误文件的链接（`ls -l { $loaded_path }`），然后安装真正的版本 { $w } 动态库（所需的包见 `library-not-found`），并运行 `sudo ldconfig`
library-wrong-version-title-2 = 较旧的 `{ $r_soname }`（{ $version }）遮住了较新的副本（{ $newer_version }）
library-wrong-version-explain-2 = 这个动态库有多份副本。加载器按搜索顺序选取第一份，而它比路径上的另一份更旧；框架原本很可能应当使用较新的那一份（旧副本可能缺少它需要的函数或修复）。
library-wrong-version-fix-2 = 把较新副本所在的目录放在最前面：`{ $export }`，或者删除较旧的副本
library-wrong-version-title-3 = { $name } { $version } 不满足 { $target } 的版本约束 `{ $spec }`
library-wrong-version-explain-3 = { $target } 是针对其元数据固定的 NVIDIA 动态库版本构建和测试的。已安装的 { $name } 超出了这个范围（手动安装或由其他包安装），因此框架可能无法加载它，或者表现与测试过的构建不同。
library-wrong-version-fix-3 = `pip install '{ $name }{ $spec }'`（安装到 { $env }）
library-wrong-version-env-default = 它所在的环境
library-wrong-version-fix-4 = 之后检查环境：`pip check`
library-wrong-version-explain-runtime-1 = 加载器首先找到的 CUDA 运行时（`{ $r_soname }`）比 { $target } 构建时使用的版本更旧。在 CUDA { $cuda_value_major }.x 中文件名相同，所以能够加载，但 CUDA { $rt_major_minor } 之后新增的函数缺失：可能出现 "undefined symbol" 错误或部分操作失败。
library-wrong-version-explain-runtime-2 = 加载器首先找到的 CUDA 运行时（`{ $r_soname }`）是比 { $target } 构建时所用版本更新的次版本。在 CUDA { $cuda_value_major }.x 内这是允许的，但这不是框架测试过的组合，而且驱动必须足够新，能支持 CUDA { $rt_major_minor }（见 `driver-too-old`）。
cuda-runtime-untested-title = { $target } 会加载 CUDA 运行时 { $rt }，但它是用 CUDA { $cuda_value } 构建和测试的
cuda-runtime-untested-fix = 优先加载 CUDA { $cuda_value } 的副本：`{ $export_line_dir }`
cuda-runtime-untested-fix-2 = 安装 CUDA { $cuda_value_major_minor } 运行时：`sudo apt-get install cuda-cudart-{ $cuda_value_major }-{ $cuda_value_minor }`（NVIDIA CUDA 软件源），并把它的 `lib64` 目录放在 `LD_LIBRARY_PATH` 的最前面

## 分支和辅助函数中构建的消息

driver-missing-why = CUDA { $cuda } 工具包驱动，用于 { $target }
driver-too-old-explain = { $target } 包含用 CUDA { $cuda } 构建的 GPU 代码。它加载的 CUDA 动态库需要不低于其 CUDA 版本的驱动（CUDA 11 及以后，同一主版本系列中稍旧的驱动也可接受，即“次版本兼容”）。驱动更旧时，第一次 CUDA 调用就会失败并报 "CUDA driver version is insufficient for CUDA runtime version"（错误 35），框架会退回到 CPU。
driver-upgrade-fix-compat = 把 NVIDIA 驱动升级到 >= { $min }（>= { $compat } 可在次版本兼容的限制下工作）。Ubuntu 上：`sudo apt-get install nvidia-driver-{ $branch }`（或更新的分支），然后运行 `sudo reboot`
driver-upgrade-fix = 把 NVIDIA 驱动升级到 >= { $min }。Ubuntu 上：`sudo apt-get install nvidia-driver-{ $branch }`（或更新的分支），然后运行 `sudo reboot`
driver-too-old-title-incompatible = NVIDIA 驱动 { $driver } 对 { $target }（CUDA { $cuda }）来说太旧
driver-too-old-title-caveats = NVIDIA 驱动 { $driver } 只能通过次版本兼容运行 { $target }（CUDA { $cuda }）
container-no-gpu-title-outside = 这个容器的文件系统中没有显卡设备：{ $subject } 无法在其中使用显卡
container-no-gpu-title = 这个容器没有显卡：{ $subject } 无法使用显卡
image-cuda-newer-than-driver-fix-upgrade = 把宿主机驱动升级到 >= { $min }（在宿主机上运行 `sudo apt-get install nvidia-driver-<branch>`，然后重启）
image-cuda-newer-than-driver-cuda-minimum = CUDA { $cuda } 的最低要求
image-cuda-newer-than-driver-fix-older = 或者使用为驱动 { $driver } 支持的较旧 CUDA 构建的镜像（`cudoctor plan --driver { $driver }`）
image-cuda-newer-than-driver-title-unknown = 不确定驱动 { $driver } 是否满足这个镜像的 `{ $raw }`
image-cuda-newer-than-driver-title-refused = NVIDIA 容器运行时会在驱动 { $driver } 上拒绝启动这个镜像：`{ $var }` 不满足
image-cuda-newer-than-driver-minor-note = CUDA 动态库本可以通过次版本兼容在这个驱动上运行（有其限制）；只是这项检查阻止了它们。
image-cuda-newer-than-driver-title-depends = 容器运行时能否在驱动 { $driver } 上启动这个镜像，取决于显卡的 { $needs }
image-cuda-newer-than-driver-title-forward = 这个镜像的 CUDA { $cuda } 只能通过前向兼容在驱动 { $driver } 上运行
image-cuda-newer-than-driver-title-forward-no-compat = 容器运行时会在驱动 { $driver } 上启动这个镜像，但其中的 CUDA { $cuda } 无法运行：镜像中没有 `cuda-compat` 动态库
image-cuda-newer-than-driver-compat-note = 镜像中带有它，所以 CUDA 可以运行，但仅限数据中心显卡。
image-cuda-newer-than-driver-no-compat-note = 镜像中没有 `/usr/local/cuda*/compat/libcuda.so.*`，所以 CUDA 调用会失败并报 "CUDA driver version is insufficient for CUDA runtime version"。
image-cuda-newer-than-driver-title-old-driver = 这个镜像需要 CUDA { $cuda }，比宿主机驱动 { $driver } 支持的版本更新
image-cuda-newer-than-driver-title-minor = 这个镜像的 CUDA { $cuda } 只能通过次版本兼容在宿主机驱动 { $driver } 上运行
image-cuda-newer-than-driver-toolkit-driver = 工具包驱动版本
i18n-empty = {""}
cudnn-apt-commands = `apt-cache madison { $pkg }` 会列出它的各个版本；安装最新的 { $want }：`sudo apt-get install "{ $pkg }=$(apt-cache madison { $pkg } | awk '{"{"}print $3{"}"}' | grep '{ $grep }' | head -n1)"`
cudnn-apt-commands-grep = `apt-cache madison { $pkg }` 会列出它的各个版本；安装适用于 CUDA { $cuda_major } 的最新 { $want }：`sudo apt-get install "{ $pkg }=$(apt-cache madison { $pkg } | awk '{"{"}print $3{"}"}' | grep '{ $grep }' | head -n1)"`
cuda-visible-devices-hides-all-why-empty = 它已设置但为空
cuda-visible-devices-hides-all-why-negative = 它的第一个条目 `{ $first }` 是负数
cuda-visible-devices-hides-all-why-index = 它的第一个条目 `{ $first }` 不是有效的设备序号（这台机器有 { $count } 块显卡：{ $indexes }）
cuda-visible-devices-hides-all-why-uuid = 它的第一个条目 `{ $first }` 与这台机器上任何显卡的 UUID 都不匹配
cuda-visible-devices-hides-all-why-invalid = 它的第一个条目 `{ $first }` 既不是序号也不是显卡 UUID
