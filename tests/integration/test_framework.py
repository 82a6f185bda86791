"""Self-tests of the harness: the "nothing left behind" checks of sbtest can
fail, and run-pytest tells meson SKIP only when no case ran."""

import os
import subprocess
import sys
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


# -- run-pytest's exit status for meson (meson_exit.py) --------------------------

MESON_EXIT_CASES = {
    'every_case_skipped': ('''
import pytest
def test_skipped_in_body(): pytest.skip('a reason')
@pytest.mark.skipif(True, reason='another reason')
def test_skipped_by_mark(): pass
''', 77),
    'module_skips_itself': ('''
import pytest
pytest.skip('a reason', allow_module_level=True)
def test_never(): pass
''', 77),
    'no_test_in_the_file': ('NOT_A_TEST = 1\n', 5),
    'one_case_ran': ('''
import pytest
def test_ran(): pass
def test_skipped(): pytest.skip('a reason')
''', 0),
    'an_xfail_ran_its_body': ('''
import pytest
@pytest.mark.xfail(reason='known', strict=True)
def test_known_failure(): assert False
def test_skipped(): pytest.skip('a reason')
''', 0),
    'a_failure_among_skips': ('''
import pytest
def test_fails(): assert False
def test_skipped(): pytest.skip('a reason')
''', 1),
}


def run_pytest_with_meson_exit(tmp_path, source, *args):
    test_file = tmp_path / 'test_sample.py'
    test_file.write_text(source)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    return subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'meson_exit',
         '--rootdir', str(tmp_path), str(test_file), *args],
        cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=60)


@pytest.mark.parametrize('case', sorted(MESON_EXIT_CASES))
def test_meson_exit_status(tmp_path, case):
    source, expected = MESON_EXIT_CASES[case]
    r = run_pytest_with_meson_exit(tmp_path, source)
    assert r.returncode == expected, r.stdout


def test_meson_exit_skips_when_the_selection_matches_nothing(tmp_path):
    r = run_pytest_with_meson_exit(tmp_path, 'def test_one(): pass\n', '-k', 'no_such_case')
    assert r.returncode == 77, r.stdout
    assert 'no case matches the selection' in r.stdout
