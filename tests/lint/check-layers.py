#!/usr/bin/env python3
"""The layering rules of src/README.md, checked against the code.

usage: check-layers.py SRC_DIR LIBSANDBOX_CORE_A

1. Every #include "FOLDER/..." of a file in src/FOLDER/ names its own folder
   or one that the README's table lets FOLDER use.
2. The same holds for calls: each object's undefined symbols that another
   object of the library defines (read with nm) come from an allowed folder.
3. No two files call each other in a circle (cycles in that call graph)."""
import os
import re
import subprocess
import sys

src_dir, archive = sys.argv[1], sys.argv[2]
problems = []

readme = open(os.path.join(src_dir, 'README.md')).read()
allowed = {}
for folder, uses in re.findall(r'^\| `(\w+)/` \| ([^|]*) \|', readme, re.M):
    allowed[folder] = set(re.findall(r'`(\w+)/`', uses))
if not allowed:
    sys.exit('check-layers: no "| `folder/` | `uses/`... |" table in src/README.md')
on_disk = {d for d in os.listdir(src_dir) if os.path.isdir(os.path.join(src_dir, d))}
for folder in sorted(on_disk ^ set(allowed)):
    problems.append(f'folder {folder}/ is on disk or in the README table, not both')


def may_use(user, used):
    return user == used or used in allowed.get(user, set())


for folder in sorted(on_disk & set(allowed)):
    for name in sorted(os.listdir(os.path.join(src_dir, folder))):
        path = f'{folder}/{name}'
        text = open(os.path.join(src_dir, path)).read()
        for used in re.findall(r'^#include "(\w+)/', text, re.M):
            if not may_use(folder, used):
                problems.append(f'{path} includes from {used}/, which {folder}/ may not use')
        for header in re.findall(r'^#include "([^/"]+)"', text, re.M):
            problems.append(f'{path} includes "{header}" without naming its folder')

# Object name in the archive -> folder/file, e.g. "sandbox_child.c.o" -> "sandbox/child.c".
defined, undefined = {}, {}
output = subprocess.run(['nm', '-A', '--defined-only', archive], capture_output=True, text=True,
                        check=True).stdout
output += subprocess.run(['nm', '-A', '--undefined-only', archive], capture_output=True,
                         text=True, check=True).stdout
for line in output.splitlines():
    match = re.match(r'[^:]*:[^:]*?([a-z]+)_([\w.-]+)\.c\.o:\s*(?:[0-9a-f]+)?\s+(\w) (\S+)$', line)
    if not match:
        continue
    folder, base, kind, symbol = match.groups()
    obj = f'{folder}/{base}.c'
    if kind == 'U':
        undefined.setdefault(obj, set()).add(symbol)
    elif kind.isupper():
        defined[symbol] = obj

calls = {}
for obj, symbols in undefined.items():
    for symbol in symbols:
        target = defined.get(symbol)
        if target is None or target == obj:
            continue
        calls.setdefault(obj, set()).add(target)
        user, used = obj.split('/')[0], target.split('/')[0]
        if user in allowed and used in allowed and not may_use(user, used):
            problems.append(f'{obj} calls {symbol} of {target}, which {user}/ may not use')


def find_cycle():
    state = {}
    stack = []

    def visit(node):
        state[node] = 'open'
        stack.append(node)
        for nxt in sorted(calls.get(node, ())):
            if state.get(nxt) == 'open':
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 'done'
        return None

    for node in sorted(calls):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


cycle = find_cycle()
if cycle:
    problems.append('files call each other in a circle: ' + ' -> '.join(cycle))
if not calls:
    problems.append(f'no calls between objects read from {archive}: is it the core library?')

for problem in problems:
    print('check-layers:', problem)
print(f'check-layers: {len(calls)} objects, {sum(len(v) for v in calls.values())} edges, '
      f'{len(problems)} problems')
sys.exit(1 if problems else 0)
