#!/usr/bin/env python3
"""Lists import cycles between the modules (files) of each crate under crates/.

A module is a file (`src/a/b.rs` and `src/a/b/mod.rs` are `a::b`). An edge A -> B is a `use` or a
path in A's code (tests excluded: `#[cfg(test)]` blocks and files named tests.rs) that names
`crate::B...` or, through `super::`, a sibling B. `lib.rs` (the crate root) re-exports and is left
out. Exits 1 when a cycle exists. Usage: python3 scripts/module-cycles.py [CRATES_DIR]
"""
import os, re, sys

def modules(src):
    out = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith('.rs'):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), src)[:-3].split(os.sep)
            if rel[-1] == 'mod':
                rel = rel[:-1]
            if rel in (['lib'], ['main']) or rel[-1] in ('tests', 'testutil'):
                continue
            out['::'.join(rel)] = os.path.join(dirpath, f)
    return out

def strip_tests(text):
    i = text.find('#[cfg(test)]')
    return text if i < 0 else text[:i]

def edges(mods):
    names = set(mods)
    out = {m: set() for m in mods}
    for m, path in mods.items():
        text = strip_tests(open(path, encoding='utf-8').read())
        text = re.sub(r'//[^\n]*', '', text)
        parent = m.rsplit('::', 1)[0] if '::' in m else ''
        for ref in re.findall(r'\bcrate::((?:\w+::)*\w+)', text):
            parts = ref.split('::')
            for k in range(len(parts), 0, -1):
                cand = '::'.join(parts[:k])
                if cand in names:
                    if cand != m and not m.startswith(cand + '::') and not cand.startswith(m + '::'):
                        out[m].add(cand)
                    break
        for ref in re.findall(r'\bsuper::((?:\w+::)*\w+)', text):
            parts = ref.split('::')
            base = parent
            for k in range(len(parts), 0, -1):
                cand = '::'.join(([base] if base else []) + parts[:k])
                if cand in names:
                    if cand != m and not m.startswith(cand + '::') and not cand.startswith(m + '::'):
                        out[m].add(cand)
                    break
        # `use super::{a, b}` groups
        for group in re.findall(r'\buse\s+super::\{([^}]*)\}', text):
            for item in re.split(r'[,\s]+', group):
                item = item.split('::')[0]
                cand = '::'.join(([parent] if parent else []) + [item])
                if item and cand in names and cand != m and not cand.startswith(m + '::'):
                    out[m].add(cand)
    return out

def cycles(graph):
    found, state, stack = [], {}, []
    def visit(n):
        state[n] = 1
        stack.append(n)
        for v in sorted(graph[n]):
            if state.get(v) == 1:
                found.append(stack[stack.index(v):] + [v])
            elif v not in state:
                visit(v)
        stack.pop()
        state[n] = 2
    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found

def main():
    root = sys.argv[1] if len(sys.argv) > 1 else 'crates'
    bad = 0
    for crate in sorted(os.listdir(root)):
        src = os.path.join(root, crate, 'src')
        if not os.path.isdir(src):
            continue
        for c in cycles(edges(modules(src))):
            bad += 1
            print(f'{crate}: ' + ' -> '.join(c))
    if bad == 0:
        print('no import cycle between the modules of any crate')
    return 1 if bad else 0

if __name__ == '__main__':
    sys.exit(main())
