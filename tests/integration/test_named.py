"""Named sandboxes (--name): the registry, held names, stale entries, list."""

import json
import os
import signal
import subprocess
import tempfile
import time

import pytest

import sbtest
from sbfixtures import *  # noqa: F401,F403


PROG = list(sbtest.SANDBOX) if isinstance(sbtest.SANDBOX, (list, tuple)) else [sbtest.SANDBOX]


@pytest.fixture
def runtime_dir():
    with tempfile.TemporaryDirectory() as path:
        os.chmod(path, 0o700)
        yield path


def env_for(runtime_dir):
    env = dict(os.environ)
    env['XDG_RUNTIME_DIR'] = runtime_dir
    return env


def start(runtime_dir, name, *command):
    """A named sandbox running COMMAND, once its entry is there."""
    proc = subprocess.Popen(PROG + ['--name', name] + sbtest.USR + ['--tmpfs', '/tmp', '--'] + list(command),
                            env=env_for(runtime_dir), stdout=subprocess.DEVNULL)
    entry = os.path.join(runtime_dir, 'sandbox', name + '.entry')
    assert sbtest.wait_for(lambda: os.path.exists(entry)), 'no registry entry for ' + name
    return proc


def listed(runtime_dir):
    result = subprocess.run(PROG + ['list', '--json'], env=env_for(runtime_dir),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def end(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def test_list_json_names_the_running_sandbox(runtime_dir):
    proc = start(runtime_dir, 'b', 'sleep', '100')
    try:
        entries = listed(runtime_dir)
        assert [e['name'] for e in entries] == ['b']
        assert entries[0]['pid'] == proc.pid
        assert entries[0]['command'] == ['sleep', '100']
        assert entries[0]['confinement'] in ('namespaces', 'in-place')
        assert entries[0]['sandbox-pid'] > 0
        mode = os.stat(os.path.join(runtime_dir, 'sandbox')).st_mode & 0o777
        assert mode == 0o700
    finally:
        end(proc)
    # Removed when the sandbox ends.
    assert listed(runtime_dir) == []
    assert os.listdir(os.path.join(runtime_dir, 'sandbox')) == []


def test_held_name_refused_in_one_line(runtime_dir):
    proc = start(runtime_dir, 'held', 'sleep', '100')
    try:
        result = subprocess.run(PROG + ['--name', 'held', '--ro-bind', '/', '/', 'true'],
                                env=env_for(runtime_dir), capture_output=True, text=True,
                                timeout=30)
        assert result.returncode == 1
        assert result.stderr.count('\n') == 1
        assert 'holds this name' in result.stderr and '--name held' in result.stderr
        assert [e['pid'] for e in listed(runtime_dir)] == [proc.pid]
    finally:
        end(proc)


def test_stale_entry_of_a_killed_tool_is_cleaned(runtime_dir):
    proc = start(runtime_dir, 'stale', 'sleep', '100')
    proc.kill()
    proc.wait(timeout=30)
    # The entry is still there, but its process is gone.
    assert os.path.exists(os.path.join(runtime_dir, 'sandbox', 'stale.entry'))
    assert listed(runtime_dir) == []
    assert not os.path.exists(os.path.join(runtime_dir, 'sandbox', 'stale.entry'))
    # ... and the name can be had again.
    result = subprocess.run(PROG + ['--name', 'stale', '--ro-bind', '/', '/', 'true'],
                            env=env_for(runtime_dir), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize('name', ['a/b', '.hidden', '', 'x' * 65, 'a b'])
def test_bad_name_refused_naming_the_option(runtime_dir, name):
    result = subprocess.run(PROG + ['--name', name, 'true'], env=env_for(runtime_dir),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.startswith('sandbox: --name')
    assert not os.path.exists(os.path.join(runtime_dir, 'sandbox'))


def test_registry_not_private_is_refused(runtime_dir):
    os.mkdir(os.path.join(runtime_dir, 'sandbox'), 0o755)
    os.chmod(os.path.join(runtime_dir, 'sandbox'), 0o755)
    result = subprocess.run(PROG + ['list'], env=env_for(runtime_dir),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert 'not private' in result.stderr


def enter(runtime_dir, target, *command):
    return subprocess.run(PROG + ['enter', target, '--'] + list(command), env=env_for(runtime_dir),
                          capture_output=True, text=True, timeout=30)


def test_enter_has_the_sandbox_confinement(runtime_dir):
    proc = start(runtime_dir, 'in', 'sh', '-c', 'echo made > /tmp/mark; exec sleep 100')
    try:
        assert sbtest.wait_for(lambda: enter(runtime_dir, 'in', 'cat', '/tmp/mark').stdout == 'made\n')
        result = enter(runtime_dir, 'in', 'sh', '-c',
                       'cat /proc/self/status; readlink /proc/self/ns/pid /proc/self/ns/mnt; '
                       'ls /proc/self/fd; exit 3')
        assert result.returncode == 3, result.stderr
        status = sbtest.proc_status(result.stdout)
        assert status['Seccomp'] == '2'
        assert status['NoNewPrivs'] == '1'
        assert int(status['CapEff'], 16) == 0 and int(status['CapBnd'], 16) == 0
        # Its stdio and ls's own directory fd, nothing else.
        fds = [line for line in result.stdout.splitlines() if line.isdigit()]
        assert fds == ['0', '1', '2', '3']
        # The sandbox's own pid and mount namespaces, not the host's.
        assert os.readlink('/proc/self/ns/pid') not in result.stdout
        assert os.readlink('/proc/self/ns/mnt') not in result.stdout
        refused = enter(runtime_dir, 'in', 'unshare', '-Ur', 'true')
        assert refused.returncode != 0
        # By pid too.
        assert enter(runtime_dir, str(proc.pid), 'true').returncode == 0
    finally:
        end(proc)


def test_enter_refuses_what_is_not_a_sandbox_of_ours(runtime_dir):
    result = enter(runtime_dir, 'nothing', 'true')
    assert result.returncode == 1 and 'no sandbox of yours' in result.stderr
    result = enter(runtime_dir, str(os.getpid()), 'true')
    assert result.returncode == 1 and 'not one of your named sandboxes' in result.stderr


def test_kill_ends_the_sandbox(runtime_dir):
    proc = start(runtime_dir, 'k', 'sleep', '100')
    pidfd = os.pidfd_open(proc.pid)
    result = subprocess.run(PROG + ['kill', 'k', 'KILL'], env=env_for(runtime_dir),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    proc.wait(timeout=30)
    os.close(pidfd)
    assert listed(runtime_dir) == []
