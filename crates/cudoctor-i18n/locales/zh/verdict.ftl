# `cudoctor check` 的一行结论。

verdict-counts = { $errors ->
        [0] {""}
       *[other] { $errors } 个错误
    }{ $errors ->
        [0] {""}
       *[other] { $warnings ->
            [0] {""}
           *[other] {"，"}
        }
    }{ $warnings ->
        [0] {""}
       *[other] { $warnings } 个警告
    }
verdict-error = { $subject } 无法使用 GPU：{ $counts }
verdict-error-stack = GPU 软件栈不可用：{ $counts }
verdict-warning = { $subject } 应能使用 GPU，但有 { $counts }
verdict-warning-stack = GPU 软件栈可用，但有 { $counts }
verdict-ok = { $subject } 已可使用 GPU
verdict-ok-unchecked = { $subject }：文件中未发现问题；{ $unchecked }
verdict-ok-stack = GPU 软件栈看起来可用（未检查框架）
verdict-ok-stack-unchecked = 文件中未发现问题（未检查框架）；{ $unchecked }
verdict-list-empty = {""}
verdict-list-one = { $item }
verdict-list-more = { $head }；{ $item }

verdict-unchecked-driver = 驱动版本未知
verdict-unchecked-gpu = 未检测到显卡
verdict-unchecked-image-driver = { $host } 的驱动版本未知
verdict-unchecked-image-gpu = 在 { $host } 上未检测到显卡
verdict-unchecked-root = 未检查驱动和显卡（{ $root } 根目录）
verdict-unchecked-target-version = { $name }：版本未知
verdict-unchecked-target-cuda = { $name }：所用 CUDA 版本未知
verdict-unchecked-target-libraries = { $name }：所需动态库未知
verdict-unchecked-target-version-cuda = { $name }：版本和所用 CUDA 版本未知
verdict-unchecked-target-version-libraries = { $name }：版本和所需动态库未知
verdict-unchecked-target-cuda-libraries = { $name }：所用 CUDA 版本和所需动态库未知
verdict-unchecked-target-version-cuda-libraries = { $name }：版本、所用 CUDA 版本和所需动态库均未知
verdict-unchecked-not-in-kb = 知识库中没有 { $name }
