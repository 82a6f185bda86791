"""Condenses a pytest log of test_conformance.py into one block per failing
case: the differing sections and the first lines of each diff.
Usage: python3 summarise.py LOG [MAX_LINES_PER_SECTION]"""
import re
import sys

log = open(sys.argv[1]).read().splitlines()
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 12
i = 0
while i < len(log):
    m = re.match(r'^E\s+AssertionError: (.*)', log[i])
    if m:
        print('=' * 70)
        print(m.group(1))
        n = 0
        i += 1
        while i < len(log) and log[i].startswith('E ') and not re.match(r'^E\s+assert ', log[i]):
            line = log[i][1:].strip('\n')
            if line.strip().startswith('--- section'):
                n = 0
            if n < limit:
                print(line)
            n += 1
            i += 1
        continue
    i += 1
