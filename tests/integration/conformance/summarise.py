"""Condenses a pytest log of test_conformance.py for a report.

  python3 summarise.py LOG            one block per failing case
  python3 summarise.py --group LOG    differences grouped: each distinct
                                      (section, changed lines) with the cases
                                      where it occurs
"""
import collections
import re
import sys


def blocks(lines):
    """Yields (case, [(section, [diff lines])], extra lines)."""
    i = 0
    while i < len(lines):
        m = re.match(r'^E\s+AssertionError: (\S+): \d+ difference', lines[i])
        if not m:
            m2 = re.match(r'^E\s+AssertionError: (.*)', lines[i])
            if m2:
                yield (m2.group(1)[:100], [('other', [m2.group(1)])], [])
            i += 1
            continue
        case = m.group(1)
        sections = []
        extra = []
        i += 1
        while i < len(lines) and lines[i].startswith('E ') \
                and not re.match(r'^E\s+assert ', lines[i]):
            line = lines[i][1:].strip()
            s = re.match(r'--- section (.*):$', line)
            if s:
                sections.append((s.group(1), []))
            elif sections and (re.match(r'^[-+][^-+]', line)
                               or sections[-1][0] == 'probe'):
                sections[-1][1].append(line)
            elif line.startswith(('ours-only check', 'notes')):
                extra.append(line)
            i += 1
        yield case, sections, extra


def main():
    args = sys.argv[1:]
    group = args and args[0] == '--group'
    if group:
        args = args[1:]
    lines = open(args[0]).read().splitlines()
    if not group:
        for case, sections, extra in blocks(lines):
            print('=' * 70)
            print(case)
            for name, diff in sections:
                print('  [%s]' % name)
                for d in diff[:12]:
                    print('    ' + d)
            for e in extra:
                print('  ' + e)
        return
    groups = collections.OrderedDict()
    for case, sections, extra in blocks(lines):
        for name, diff in sections:
            # Strip mount positions so that one change shows once.
            key = (name, tuple(re.sub(r'^([-+])#\d+ parent=\S+ ', r'\1', d) for d in diff[:16]))
            groups.setdefault(key, []).append(case)
        for e in extra:
            groups.setdefault(('extra', (e,)), []).append(case)
    for (name, diff), cases in groups.items():
        print('=' * 70)
        print('[%s] in %d case(s): %s' % (name, len(cases), ' '.join(cases)))
        for d in diff:
            print('    ' + d[:300])


main()
