# The CLI's fixed phrases around findings, verdicts and plans (crates/cudoctor/src/render).
# `ui-label-*` are the text labels (lowercase, with a colon), `ui-heading-*` the Markdown ones.

ui-severity-error = error
ui-severity-warning = warning
ui-severity-info = info
ui-status-ok = ok
ui-status-warning = warning
ui-status-error = error
ui-label-checked = checked:
ui-label-evidence = evidence:
ui-label-fix = fix:
ui-label-sources = sources:
ui-heading-findings = Findings
ui-heading-checked = Checked:
ui-heading-evidence = Evidence:
ui-heading-fix = Fix:
ui-heading-sources = Sources:
ui-no-problems = no problems found
ui-md-title = cudoctor check: { $verdict }
ui-md-table-header = | severity | id | finding |
ui-md-footer = cudoctor { $version } on { $root } `{ $path }`

plan-heading-constraints = Constraints
plan-constraints = Constraints: driver { $driver }, GPU { $gpu }, Python { $python }
plan-gpu-cc = { $name } (compute capability { $cc })
plan-cc = compute capability { $cc }
plan-unknown = unknown
plan-label-unknown = unknown:
plan-not-given = not given, so not checked: { $list }
plan-note = note: { $note }
plan-no-release = no release fits these constraints
plan-compatible = compatible
plan-compatible-with-caveats = compatible with caveats
plan-use = Use:
plan-install = Install:
plan-image = Image:
plan-heading-caveats = Caveats
plan-heading-other-candidates = Other candidates
plan-heading-excluded = Excluded
plan-label-excluded = excluded
plan-excluded-count = ({ $count } in all; those nearest the newest fit shown; `--format json` lists all):
