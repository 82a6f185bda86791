#!/usr/bin/env python3
"""The AppArmor profile as the build generated it: it attaches to the
binary's installed path, and apparmor_parser -Q (parse and compile, load
nothing) accepts it.

usage: check-apparmor.py PROFILE INSTALLED-BINARY

A parser older than AppArmor 4.0 does not know the userns rule: then the
rest of the profile is checked, and the test reports itself skipped, since
the rule that matters was not."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def fail(message):
    print('check-apparmor: ' + message, file=sys.stderr)
    sys.exit(1)


def parse(path):
    return subprocess.run([parser, '-Q', path], capture_output=True, text=True)


profile, binary = sys.argv[1:3]
with open(profile) as f:
    text = f.read()

attachments = re.findall(r'^profile\s+(\S+)\s+(\S+)\s+flags=\(unconfined\)\s*\{', text, re.M)
if attachments != [('sandbox', binary)]:
    fail('%s: expected one unconfined profile "sandbox" attached to %s, found %s'
         % (profile, binary, attachments))
if not re.search(r'^\s*userns,\s*$', text, re.M):
    fail('%s: no userns rule' % profile)

parser = shutil.which('apparmor_parser', path=os.environ.get('PATH', '') + ':/sbin:/usr/sbin')
if parser is None:
    print('apparmor_parser not found (the apparmor package; tools/deps --test installs it)')
    sys.exit(SKIP)
version = subprocess.run([parser, '--version'], capture_output=True, text=True).stdout
match = re.search(r'version (\d+)\.(\d+)', version)
if match is None:
    fail('cannot tell the version of %s from: %r' % (parser, version))
major = int(match.group(1))

if major >= 4:
    r = parse(profile)
    if r.returncode != 0:
        fail('apparmor_parser -Q %s: %s' % (profile, r.stderr.strip()))
    print('apparmor_parser %s.%s accepts %s' % (major, match.group(2), profile))
    sys.exit(0)

# What an AppArmor 3 parser can check: everything but the ABI 4.0 pin and
# the userns rule.
older = re.sub(r'^abi <abi/4\.0>,\n|^\s*userns,\n', '', text, flags=re.M)
with tempfile.NamedTemporaryFile('w', suffix='.profile') as copy:
    copy.write(older)
    copy.flush()
    r = parse(copy.name)
if r.returncode != 0:
    fail('apparmor_parser -Q (%s without its userns rule): %s' % (profile, r.stderr.strip()))
print('apparmor_parser %s.%s predates the userns rule (AppArmor 4.0): the rest of the profile '
      'parses; the rule itself is unchecked' % (major, match.group(2)))
sys.exit(SKIP)
