# `cudoctor lint` 诊断结果的标题（由 cudoctor-setup 生成）。

lint-floating-tag-title = `FROM { $image }` 使用浮动标签：{ $why }
lint-floating-tag-title-arg = `{ $raw }` 的标签未知：它来自构建参数 ARG `{ $name }`
lint-base-cuda-mismatch-title = { $name }=={ $version } 无法使用 `{ $image }` 中的 CUDA
lint-cuda-overwritten-title = { $what } 覆盖了官方 { $framework } 镜像 `{ $image }` 中的内容
lint-unpinned-framework-title = `pip install { $name }` 没有用 `==` 固定版本
lint-missing-nvidia-env-title = `{ $image }` 既不是 nvidia/cuda 镜像，也不是官方框架镜像，而且没有设置 NVIDIA_VISIBLE_DEVICES
lint-ld-library-path-empty-entry-title = `LD_LIBRARY_PATH={ $v }` 含有空条目
