# CLI 在诊断结果、结论和方案周围使用的固定用语。

ui-severity-error = 错误
ui-severity-warning = 警告
ui-severity-info = 提示
ui-label-checked = 已检查：
ui-label-evidence = 证据：
ui-label-fix = 修复：
ui-label-sources = 来源：
ui-heading-checked = 已检查：
ui-heading-evidence = 证据：
ui-heading-fix = 修复：
ui-heading-sources = 来源：
ui-md-title = cudoctor check：{ $verdict }
ui-md-table-header = | 严重程度 | id | 诊断结果 |
ui-md-footer = cudoctor { $version }，运行于 { $root } `{ $path }`

plan-constraints = 约束条件：驱动 { $driver }，显卡 { $gpu }，Python { $python }
plan-gpu-cc = { $name }（计算能力 { $cc }）
plan-cc = 计算能力 { $cc }
plan-unknown = 未知
plan-label-unknown = 未知：
plan-not-given = 未知：未提供，因此未检查：{ $list }
plan-note = 注：{ $note }
plan-no-release = 没有符合这些约束条件的版本
plan-compatible = 兼容
plan-compatible-with-caveats = 兼容（有注意事项）
plan-use = 使用：
plan-install = 安装
plan-label-excluded = 已排除
plan-excluded-count = 已排除（共 { $count } 个；只显示最接近最新适配版本的几个；`--all` 会列出全部）：
plan-label-why = 原因：
plan-why-no-caveats = 无任何注意事项且符合条件的最新版本
plan-why-not-given = 没有版本能在无注意事项的情况下检查（未提供 { $list }）：符合所有已提供约束条件的最新版本
plan-why-common-caveats = 每个符合条件的版本都有相同的注意事项（common_caveats）：取其中最新的
plan-why-distinct-caveats = 每个符合条件的版本都有注意事项：取最新的，它自身有 { $count } 条（distinct_caveats）
plan-no-recommendation = 无推荐：{ $why }
plan-common-caveats = 所有候选共有的注意事项：
plan-also-compatible = 同样兼容
plan-with-caveats = 有注意事项
plan-excluded-all = 已排除（{ $count } 个）：
plan-see-all = `cudoctor plan --all` 会列出每个候选及其注意事项，以及每个被排除的版本。
plan-install-head = 安装 { $release }：
plan-install-tf-head = 安装 { $release }（该 wheel 不含 CUDA 动态库：请在系统中安装 { $libs }；`cudoctor requirements tensorflow=={ $release }` 会列出它加载的文件）：
plan-libs-cuda-cudnn = CUDA { $cuda } 和 cuDNN { $cudnn }
plan-libs-cuda = CUDA { $cuda } 及其对应的 cuDNN
plan-libs-unknown = 构建它时所用的 CUDA 动态库
plan-or-image = 或运行官方镜像：

explain-none = 日志中没有已知的 GPU 软件栈错误（共读取 { $lines } 行）。
explain-this-machine = 本机：{ $verdict }
explain-run-check = 运行 `cudoctor check` 查看详情。
explain-count = 日志中有 { $count } 个已知错误（共读取 { $lines } 行），根本原因在前：
explain-line = 第 { $line } 行
explain-label-explained-by = 根源：
explain-label-cause = 原因：
explain-label-fix = 修复：
explain-label-on-this-machine = 本机：
explain-label-source = 来源：

# `cudoctor lint` 的第一行。
ui-lint-verdict-clean = `{ $file }`：没有发现 GPU 软件栈错误
ui-lint-verdict-counts = `{ $file }`：{ $errors } 个错误，{ $warnings } 个警告，{ $notes } 个提示
