"""Self-tests of sbtest: the "nothing left behind" checks can fail."""

import os
import subprocess
import tempfile

import pytest

import sbtest
from sbtest import HostState


def test_host_state_sees_a_new_tmp_entry():
    before = HostState()
    fd, path = tempfile.mkstemp(prefix='sbtest-framework-', dir='/tmp')
    os.close(fd)
    # sbtest ignores its own 'sbtest-' prefix: rename to an ordinary name.
    other = path.replace('sbtest-framework-', 'leak-check-')
    os.rename(path, other)
    try:
        problems = before.leftovers()
    finally:
        os.unlink(other)
    assert any(os.path.basename(other) in p for p in problems), problems


def test_host_state_sees_a_process_left_running():
    before = HostState()
    # A double fork: the grandchild is orphaned and reparented to us (we
    # are a child subreaper), as a sandbox process left behind would be.
    subprocess.run(['sh', '-c', 'sleep 30 >/dev/null 2>&1 </dev/null & exit 0'], check=True)
    problems = before.leftovers()
    assert any('processes left behind' in p for p in problems), problems
    # leftovers() killed and reaped it.
    assert not [p for p, v in sbtest.children_of_us().items() if p not in before.children]


def test_host_state_quiet_when_nothing_changed():
    before = HostState()
    subprocess.run(['true'], check=True)
    assert before.leftovers() == []


@pytest.mark.skipif(not sbtest.IS_ROOT, reason='needs root (mounts on the host)')
def test_host_state_sees_a_new_mount(tmp_path):
    before = HostState()
    target = tmp_path / 'mnt'
    target.mkdir()
    subprocess.run(['mount', '-t', 'tmpfs', 'sbtest-leak', str(target)], check=True)
    try:
        problems = before.leftovers()
    finally:
        subprocess.run(['umount', str(target)], check=True)
    assert any('new mounts' in p and str(target) in p for p in problems), problems
