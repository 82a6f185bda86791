"""Exit status: the command's own, 128+N on signal N, nothing left running."""

import signal
import subprocess
import time

import pytest

from sbtest import BW, HostState, ok


def pid_variants(tool):
    """Option sets that change who waits for the command."""
    if tool is BW:
        return [[], ['--unshare-pid'], ['--unshare-pid', '--as-pid-1']]
    return [[], ['--as-pid-1']]


@pytest.mark.parametrize('code', [0, 1, 3, 42, 126, 255])
def test_exit_code(tool, code):
    for opts in pid_variants(tool):
        r = tool.sh('exit %d' % code, opts)
        assert r.returncode == code, (opts, r.stderr)
        assert r.stderr == ''


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGKILL, signal.SIGSEGV,
                                 signal.SIGABRT, signal.SIGUSR1, signal.SIGINT])
def test_killed_by_signal_gives_128_plus_n(tool, sig):
    # Without --as-pid-1: the command is an ordinary process and may kill
    # itself (pid 1 of a namespace is immune to its own signals).
    for opts in pid_variants(tool):
        if '--as-pid-1' in opts:
            continue
        r = tool.sh('kill -%d $$' % sig, opts)
        assert r.returncode == 128 + sig, (opts, r.returncode, r.stderr)


def test_exit_status_of_the_command_not_its_children(tool):
    # A background child that fails once the command is gone (reaped: its
    # pid no longer answers) does not change the status.
    opts = ['--unshare-pid'] if tool is BW else []
    r = tool.sh('(while kill -0 $$ 2>/dev/null; do sleep 0.01; done; exit 9) & exit 5', opts)
    assert r.returncode == 5


def test_tool_returns_when_the_command_exits(tool, tmp_path):
    # The tool returns the command's status as soon as the command exits,
    # even if the command left background processes in the sandbox.  (Its
    # stdout goes to a file: bwrap's init keeps the caller's pipes open while
    # such processes live.)
    opts = ['--unshare-pid'] if tool is BW else []
    before = HostState()
    out = tmp_path / 'out'
    with open(out, 'w') as f:
        start = time.monotonic()
        proc = subprocess.Popen([tool.path] + tool.usr + opts +
                                ['sh', '-c', 'sleep 30 >/dev/null 2>&1 & echo started; exit 3'],
                                stdout=f, stderr=subprocess.DEVNULL)
        try:
            status = proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert status == 3
    assert time.monotonic() - start < 10
    assert out.read_text() == 'started\n'
    # Whether those background processes may outlive the command is not
    # asserted here (bwrap's init waits for them); clean them up.
    before.leftovers()


def test_command_exit_with_as_pid_1_ends_the_sandbox(tool, host_state):
    # The command is pid 1: when it exits the kernel kills the namespace.
    opts = (['--unshare-pid'] if tool is BW else []) + ['--as-pid-1']
    start = time.monotonic()
    r = tool.sh('sleep 60 >/dev/null 2>&1 & exit 4', opts, timeout=60)
    assert r.returncode == 4
    assert time.monotonic() - start < 10
    host_state.assert_unchanged()


def test_output_streams_pass_through(tool):
    r = tool.sh('echo out; echo err >&2; exit 0')
    assert (r.stdout, r.stderr, r.returncode) == ('out\n', 'err\n', 0)


def test_stdin_passes_through(tool):
    r = tool.run(tool.usr + ['cat'], input='data on stdin\n')
    assert ok(r) == 'data on stdin\n'


def test_large_output_is_not_truncated(tool):
    r = tool.sh('head -c 3000000 /dev/zero | tr "\\0" x')
    assert len(ok(r)) == 3000000
