# The CLI's fixed phrases around findings, verdicts and plans (crates/cudoctor/src/render).
# `ui-label-*` are the text labels (lowercase, with a colon), `ui-heading-*` the Markdown ones.

ui-severity-error = error
ui-severity-warning = warning
ui-severity-info = info
ui-label-checked = checked:
ui-label-evidence = evidence:
ui-label-fix = fix:
ui-label-sources = sources:
ui-heading-checked = Checked:
ui-heading-evidence = Evidence:
ui-heading-fix = Fix:
ui-heading-sources = Sources:
ui-md-title = cudoctor check: { $verdict }
ui-md-table-header = | severity | id | finding |
ui-md-footer = cudoctor { $version } on { $root } `{ $path }`

plan-constraints = Constraints: driver { $driver }, GPU { $gpu }, Python { $python }
plan-gpu-cc = { $name } (compute capability { $cc })
plan-cc = compute capability { $cc }
plan-unknown = unknown
plan-label-unknown = unknown:
plan-not-given = unknown: not given, so not checked: { $list }
plan-note = note: { $note }
plan-no-release = no release fits these constraints
plan-compatible = compatible
plan-compatible-with-caveats = compatible with caveats
plan-use = Use:
plan-install = Install
plan-label-excluded = excluded
plan-excluded-count = excluded ({ $count } in all; those nearest the newest fit shown; `--all` lists all):
plan-label-why = why:
plan-why-no-caveats = the newest release that fits with no caveats
plan-why-not-given = no release could be checked without caveats ({ $list } not given): the newest release that fits every constraint given
plan-why-common-caveats = every release that fits has caveats, the same for all (common_caveats): the newest one
plan-why-distinct-caveats = every release that fits has caveats: the newest one, with { $count } of its own (distinct_caveats)
plan-no-recommendation = No recommendation: { $why }
plan-common-caveats = Said of every candidate:
plan-also-compatible = also compatible
plan-with-caveats = with caveats
plan-excluded-all = excluded ({ $count }):
plan-see-all = `cudoctor plan --all` shows every candidate with its caveats and every exclusion.
plan-install-head = Install { $release }:
plan-install-tf-head = Install { $release } (the wheel brings no CUDA libraries: install { $libs } on the system; `cudoctor requirements tensorflow=={ $release }` lists the files it loads):
plan-libs-cuda-cudnn = CUDA { $cuda } and cuDNN { $cudnn }
plan-libs-cuda = CUDA { $cuda } and its cuDNN
plan-libs-unknown = the CUDA libraries it was built with
plan-or-image = or run the official image:

explain-none = No known GPU-stack error in the log ({ $lines ->
    [one] 1 line
   *[other] { $lines } lines
} read).
explain-this-machine = This machine: { $verdict }
explain-run-check = Run `cudoctor check` for the details.
explain-count = { $count ->
    [one] 1 known error
   *[other] { $count } known errors
} in the log ({ $lines ->
    [one] 1 line
   *[other] { $lines } lines
} read), cause first:
explain-line = line { $line }
explain-label-explained-by = explained by:
explain-label-cause = cause:
explain-label-fix = fix:
explain-label-on-this-machine = on this machine:
explain-label-source = source:

# `cudoctor lint`'s first line.
ui-lint-verdict-clean = `{ $file }`: no GPU-stack mistakes found
ui-lint-verdict-counts = `{ $file }`: { $errors } error(s), { $warnings } warning(s), { $notes } note(s)
