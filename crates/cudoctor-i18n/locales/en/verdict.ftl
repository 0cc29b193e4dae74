# The one-line verdict of `cudoctor check` (cudoctor-diagnose picks the message; the JSON's
# `verdict` is its English, rendered from here).

verdict-counts = { $errors ->
        [0] {""}
        [one] 1 error
       *[other] { $errors } errors
    }{ $errors ->
        [0] {""}
       *[other] { $warnings ->
            [0] {""}
           *[other] {", "}
        }
    }{ $warnings ->
        [0] {""}
        [one] 1 warning
       *[other] { $warnings } warnings
    }
verdict-error = { $subject } will not use the GPU: { $counts }
verdict-error-stack = The GPU stack is not usable: { $counts }
verdict-warning = { $subject } should use the GPU, with { $counts }
verdict-warning-stack = The GPU stack is usable, with { $counts }
verdict-ok = { $subject } is ready to use the GPU
verdict-ok-unchecked = { $subject }: no problem found in the files; { $unchecked }
verdict-ok-stack = The GPU stack looks usable (no framework checked)
verdict-ok-stack-unchecked = No problem found in the files (no framework checked); { $unchecked }
verdict-list-empty = {""}
verdict-list-one = { $item }
verdict-list-more = { $head }; { $item }

verdict-unchecked-driver = the driver version is unknown
verdict-unchecked-gpu = no GPU was seen
verdict-unchecked-image-driver = the driver version of { $host } is unknown
verdict-unchecked-image-gpu = no GPU was seen on { $host }
verdict-unchecked-root = the driver and GPU were not checked ({ $root } root)
verdict-unchecked-target-version = { $name }: its version is unknown
verdict-unchecked-target-cuda = { $name }: its CUDA build is unknown
verdict-unchecked-target-libraries = { $name }: its libraries is unknown
verdict-unchecked-target-version-cuda = { $name }: its version and CUDA build are unknown
verdict-unchecked-target-version-libraries = { $name }: its version and libraries are unknown
verdict-unchecked-target-cuda-libraries = { $name }: its CUDA build and libraries are unknown
verdict-unchecked-target-version-cuda-libraries = { $name }: its version, CUDA build and libraries are unknown
verdict-unchecked-not-in-kb = { $name } is not in the knowledge base
