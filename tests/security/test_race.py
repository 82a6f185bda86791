"""A symlink swapped into a bind destination's path while the tool builds
the new root (runc CVE-2021-30465, Flatpak CVE-2024-42472).

The destination /work/sub/dest lies under a writable bind of a host
directory WORK.  While sandboxes start one after another, a racing process
keeps exchanging WORK/sub (a real directory) with a symlink that points out
of the new root, atomically (renameat2 RENAME_EXCHANGE).  Whatever the
timing, the bind must land inside the new root (visible in the sandbox's own
mount table) or the tool must fail cleanly; it must never create or mount
anything at the symlink's target on the host.
"""

import os
import subprocess
import sys
import textwrap

import pytest

import sbtest
from sbouter import backends  # noqa: F401  (a fixture)
from sbtest import BW, SB

# Per link kind and mount backend (SBTEST_RACE_ITERATIONS for a longer run).
ITERATIONS = int(os.environ.get('SBTEST_RACE_ITERATIONS', '40'))

RACER = textwrap.dedent(r'''
    import ctypes, os, sys
    libc = ctypes.CDLL(None, use_errno=True)
    RENAME_EXCHANGE = 2
    AT_FDCWD = -100
    a, b = sys.argv[1].encode(), sys.argv[2].encode()
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    while True:
        libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
''')

SOURCE_NAME = 'sbrace-source'

# Inside: where did the bind of SOURCE_NAME land?  (Field 5 of mountinfo.)
REPORT = "grep %s /proc/self/mountinfo | cut -d' ' -f5; echo end" % SOURCE_NAME


def link_targets(tmp_path):
    """Symlink targets leading out of the new root, if followed naively:
    the host path itself, the host as the tool sees it during setup
    (/oldroot), an overlong ../ chain, and a magic link to the tool's
    working directory (the test's tmp_path)."""
    target = str(tmp_path / 'target')
    return {
        'absolute': target,
        'oldroot': '/oldroot' + target,
        'dotdot': '../' * 24 + target.lstrip('/'),
        'magiclink': '/proc/self/cwd/target',
    }


@pytest.fixture
def race_tree(tmp_path):
    work = tmp_path / 'work'
    (work / 'sub').mkdir(parents=True)
    (tmp_path / 'target').mkdir()
    src = tmp_path / SOURCE_NAME
    src.mkdir()
    (src / 'marker').write_text('bound\n')
    return tmp_path


def start_racer(a, b):
    racer = subprocess.Popen([sys.executable, '-c', RACER, str(a), str(b)],
                             stdout=subprocess.PIPE, text=True)
    assert racer.stdout.readline() == 'ready\n'
    return racer


def host_entries(root):
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


# The resolution code is the same for both personalities: bwrap's gets the
# simplest kind only, to keep the suite's time down.
CASES = [(SB, kind, api) for kind in ('absolute', 'oldroot', 'dotdot', 'magiclink')
         for api in ('new-api', 'old-api')]
CASES += [(BW, 'absolute', api) for api in ('new-api', 'old-api')]


@pytest.mark.parametrize('tool, kind, api', CASES,
                         ids=['%s-%s-%s' % (t.name, k, a) for t, k, a in CASES])
def test_swapped_symlink_never_redirects_bind_outside(race_tree, backends, tool, kind, api):
    tmp_path = race_tree
    work = tmp_path / 'work'
    swap = work / 'swap'
    os.symlink(link_targets(tmp_path)[kind], swap)
    runner = backends[api].of(tool)
    opts = tool.usr_nodev + ['--bind', work, '/work',
                             '--bind', tmp_path / SOURCE_NAME, '/work/sub/dest',
                             'sh', '-c', REPORT]
    host_state = sbtest.HostState()
    outcomes = {'landed': 0, 'refused': 0}
    old_cwd = os.getcwd()
    os.chdir(tmp_path)  # the magic link's target
    racer = start_racer(work / 'sub', swap)
    try:
        for i in range(ITERATIONS):
            r = runner.run(opts, timeout=30)
            if r.returncode == 1 and r.stderr.startswith(tool.prefix) \
                    and r.stderr.count('\n') == 1:
                outcomes['refused'] += 1
                continue
            assert r.returncode == 0, (i, r.returncode, r.stderr)
            lines = r.stdout.split()
            assert lines[-1] == 'end', r.stdout
            # Exactly one mount of the source, in the sandbox's own tree.
            assert len(lines) == 2, (i, r.stdout)
            assert lines[0].endswith('/dest'), (i, r.stdout)
            outcomes['landed'] += 1
            assert os.listdir(tmp_path / 'target') == [], (i, r.stdout)
    finally:
        racer.kill()
        racer.wait()
        os.chdir(old_cwd)
    # Nothing at the symlink's target, nothing new on the host but the
    # destination inside WORK (wherever the racer left "sub").
    assert os.listdir(tmp_path / 'target') == []
    extra = host_entries(tmp_path) - {
        'work', 'work/sub', 'work/swap', 'work/sub/dest', 'work/swap/dest', 'target',
        SOURCE_NAME, SOURCE_NAME + '/marker'}
    assert not extra, extra
    host_state.assert_unchanged()
    print('%s %s %s: %r' % (tool.name, kind, api, outcomes))
    assert outcomes['landed'] > 0, outcomes
