"""Signals sent to the tool reach the command; --die-with-parent."""

import os
import signal
import subprocess
import time

import pytest

from sbtest import BW, HostState, descendants, wait_exited, wait_for

FORWARDED = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
             signal.SIGUSR1, signal.SIGUSR2]


def start(tool, opts, script, data_dir):
    """Starts the tool in the background with DATA_DIR bound at /data."""
    args = [tool.path] + tool.usr + opts + ['--bind', str(data_dir), '/data',
                                            'sh', '-c', script]
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def collect(proc, timeout=5):
    """(stdout, stderr) of PROC, killing it if needed; never hangs on pipes
    that a process left behind keeps open."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        try:
            return proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.wait()
            return '', '(output unavailable: something still holds the pipes)'


def wait_ready(proc, data_dir, timeout=10):
    ready = wait_for(lambda: (data_dir / 'ready').exists() or proc.poll() is not None,
                     timeout=timeout)
    if proc.poll() is not None:
        out, err = collect(proc)
        pytest.fail('the sandbox exited early (%d): %s %s' % (proc.returncode, out, err))
    assert ready and (data_dir / 'ready').exists(), 'the command never started'


TRAP = ('trap "echo got-$SIG > /data/marker; exit 7" $SIG; '
        'echo ready > /data/ready; '
        'while :; do sleep 0.05; done')


def pid_variants(tool):
    if tool is BW:
        return {'shared-pid': [], 'unshare-pid': ['--unshare-pid'],
                'as-pid-1': ['--unshare-pid', '--as-pid-1']}
    return {'default': [], 'as-pid-1': ['--as-pid-1']}


def sandbox_pids(proc):
    """Host pids of the tool's descendants: every process of the sandbox."""
    return descendants([proc.pid])


def assert_all_gone(pids, what, timeout=5):
    left = wait_exited(pids, timeout=timeout)
    assert not left, '%s left running: %r' % (what, {p: comm(p) for p in left})


def sandbox_only(tool):
    if tool is BW:
        pytest.skip('bwrap forwards nothing: test_bwrap_dies_of_the_signal')


@pytest.mark.parametrize('sig', FORWARDED, ids=lambda s: signal.Signals(s).name)
def test_signal_reaches_the_command(tool, sig, tmp_path):
    sandbox_only(tool)
    for name, opts in pid_variants(tool).items():
        data = tmp_path / name
        data.mkdir()
        name_of = signal.Signals(sig).name[3:]
        proc = start(tool, opts + ['--setenv', 'SIG', name_of], TRAP, data)
        try:
            wait_ready(proc, data)
            proc.send_signal(sig)
            out, err = collect(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert (data / 'marker').exists(), \
            '%s did not reach the command (%s); exit %d, stderr: %s' % (
                signal.Signals(sig).name, name, proc.returncode, err)
        assert (data / 'marker').read_text() == 'got-%s\n' % name_of
        assert proc.returncode == 7, (name, err)


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT],
                         ids=lambda s: signal.Signals(s).name)
def test_sandbox_dies_of_the_signal_that_killed_the_command(tool, sig, tmp_path):
    # The signal reaches the command, which dies of it; so does the tool,
    # so that a calling shell script stops (WIFSIGNALED, not exit 128+N).
    sandbox_only(tool)
    before = HostState()
    proc = start(tool, [], 'echo ready > /data/ready; exec sleep 60', tmp_path)
    try:
        wait_ready(proc, tmp_path)
        pids = wait_for(lambda: [p for p in sandbox_pids(proc) if comm(p) == 'sleep'] and
                        sandbox_pids(proc), timeout=10)
        assert pids, 'the command (sleep) was not found among the tool\'s descendants'
        proc.send_signal(sig)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail('the tool did not exit within 10s of %s' % signal.Signals(sig).name)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -sig
    assert_all_gone(pids, 'the sandbox')
    before.assert_unchanged()


# The command traps the signal for itself and waits for a child, which
# traps it too and writes where it got it; a background grandchild that
# traps nothing dies of it (or, for SIGINT and SIGQUIT, which a shell's
# background job ignores, with the sandbox).  Then the command dies of the
# same signal.
FAMILY = (
    'trap "echo command > /data/command" $SIG; '
    'sh -c "sleep 600" & '
    'sh -c \'trap "echo grandchild > /data/grandchild; exit 0" $SIG; '
    '         echo ready > /data/ready; while :; do sleep 0.05; done\'; '
    'trap - $SIG; kill -s $SIG $$')


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT],
                         ids=lambda s: signal.Signals(s).name)
def test_signal_reaches_every_process_of_a_new_session_sandbox(tool, sig, tmp_path):
    # --new-session: no process of the sandbox shares the tool's process
    # group or session, as with srt's `bash -c` wrapper.
    sandbox_only(tool)
    name_of = signal.Signals(sig).name[3:]
    before = HostState()
    proc = start(tool, ['--new-session', '--setenv', 'SIG', name_of], FAMILY, tmp_path)
    try:
        wait_ready(proc, tmp_path)
        pids = sandbox_pids(proc)
        sleeper = [p for p in pids if comm(p) == 'sleep']
        proc.send_signal(sig)
        out, err = collect(proc, timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / 'grandchild').exists(), \
        'the grandchild did not get %s; exit %d, stderr: %s' % (name_of, proc.returncode, err)
    assert (tmp_path / 'command').exists(), 'the command did not get %s' % name_of
    assert sleeper, 'no background sleep found among %r' % {p: comm(p) for p in pids}
    assert proc.returncode == -sig, err
    assert_all_gone(pids, 'the sandbox')
    before.assert_unchanged()


def test_command_exit_code_128_plus_n_is_not_a_signal(tool, tmp_path):
    # Dying of the signal is for a command that died of it, not for one
    # that exits with the code a shell gives such a death.
    sandbox_only(tool)
    proc = start(tool, ['--setenv', 'SIG', 'TERM'],
                 'trap "exit 143" TERM; echo ready > /data/ready; '
                 'while :; do sleep 0.05; done', tmp_path)
    try:
        wait_ready(proc, tmp_path)
        proc.send_signal(signal.SIGTERM)
        collect(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize('die_with_parent', [True, False], ids=['die-with-parent', 'alone'])
def test_bwrap_dies_of_the_signal(tool, sig, die_with_parent, tmp_path):
    # As bubblewrap: the signal is not forwarded, the tool dies of it, and
    # the sandbox goes with it only with --die-with-parent.
    if tool is not BW:
        pytest.skip('the bwrap personality only')
    opts = ['--unshare-pid', '--setenv', 'SIG', signal.Signals(sig).name[3:]]
    opts += ['--die-with-parent'] if die_with_parent else []
    before = HostState()
    proc = start(tool, opts, TRAP, tmp_path)
    try:
        wait_ready(proc, tmp_path)
        # Not the loop's short-lived children (a sleep, or the shell's fork
        # before it becomes one).
        pids = [p for p in sandbox_pids(proc) if comm(parent_of(p)) != 'sh']
        proc.send_signal(sig)
        proc.wait(timeout=10)
        assert proc.returncode == -sig
        if die_with_parent:
            assert_all_gone(pids, 'the sandbox')
        else:
            assert all(alive(p) for p in pids), 'without --die-with-parent the sandbox lives on'
        assert not (tmp_path / 'marker').exists(), 'the signal was forwarded'
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if not die_with_parent:
            before.leftovers()  # kills and reaps what bubblewrap leaves on purpose
    if die_with_parent:
        before.assert_unchanged()


def test_sigkill_of_the_tool_leaves_nothing(tool, tmp_path):
    # SIGKILL cannot be forwarded; with a pid namespace, the sandbox must
    # still go away (pid 1 dies with the monitor: die-with-parent inside).
    opts = ['--unshare-pid', '--die-with-parent'] if tool is BW else ['--die-with-parent']
    before = HostState()
    proc = start(tool, opts, 'echo ready > /data/ready; exec sleep 600', tmp_path)
    wait_ready(proc, tmp_path)
    pids = wait_for(lambda: [p for p in sandbox_pids(proc) if comm(p) == 'sleep'] and
                    sandbox_pids(proc), timeout=10)
    assert pids, 'the command (sleep) was not found among the tool\'s descendants'
    proc.kill()
    proc.wait()
    assert_all_gone(pids, 'the sandbox')
    before.assert_unchanged()


def start_under_parent(tool, opts, data_dir):
    """Runs the tool under an intermediate shell; returns (shell, tool pid).
    The command holds the FIFO DATA_DIR/go open, says it is ready, and
    writes DATA_DIR/late once a line comes through the FIFO."""
    os.mkfifo(data_dir / 'go')
    script = ('exec 3<>/data/go; echo ready > /data/ready; read x <&3; '
              'echo alive > /data/late; exec sleep 600')
    args = [tool.path] + tool.usr + opts + ['--bind', str(data_dir), '/data',
                                            'sh', '-c', script]
    parent = subprocess.Popen(['/bin/sh', '-c', '"$@" & echo $!; wait', 'sh'] + args,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    tool_pid = int(parent.stdout.readline())
    return parent, tool_pid


def alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
        return state != 'Z'
    except OSError:
        return False


@pytest.mark.parametrize('extra', [[], ['--as-pid-1']], ids=['reaper', 'as-pid-1'])
def test_die_with_parent(tool, tmp_path, extra):
    opts = ['--die-with-parent'] + (['--unshare-pid'] if tool is BW else []) + extra
    before = HostState()
    parent, tool_pid = start_under_parent(tool, opts, tmp_path)
    try:
        ready = wait_for(lambda: (tmp_path / 'ready').exists(), timeout=20)
        assert ready, 'the command never started'
        pids = [tool_pid] + descendants([tool_pid])
        parent.kill()
        parent.wait()
        assert wait_exited([tool_pid], timeout=5) == [], 'the tool survived its parent'
        assert_all_gone(pids, 'the sandbox')
    finally:
        if alive(tool_pid):
            os.kill(tool_pid, signal.SIGKILL)
    before.assert_unchanged()


def test_without_die_with_parent_the_sandbox_survives(tool, tmp_path):
    # The contrast, so that the test above can fail.
    opts = ['--unshare-pid'] if tool is BW else []
    before = HostState()
    parent, tool_pid = start_under_parent(tool, opts, tmp_path)
    try:
        assert wait_for(lambda: (tmp_path / 'ready').exists(), timeout=20)
        pids = [tool_pid] + descendants([tool_pid])
        parent.kill()
        parent.wait()
        # The command answers after its parent's death: a line through the
        # FIFO (opening it fails with ENXIO once nothing holds it).
        go = os.open(tmp_path / 'go', os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            os.write(go, b'go\n')
        finally:
            os.close(go)
        assert wait_for(lambda: (tmp_path / 'late').exists(), timeout=10)
        assert all(alive(p) for p in pids), {p: comm(p) for p in pids if not alive(p)}
    finally:
        if alive(tool_pid):
            os.kill(tool_pid, signal.SIGKILL)
        before.leftovers()  # kills and reaps what we left on purpose


def parent_of(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return int(f.read().rsplit(')', 1)[1].split()[1])
    except OSError:
        return 0


def comm(pid):
    try:
        with open('/proc/%d/comm' % pid) as f:
            return f.read().strip()
    except OSError:
        return None


@pytest.mark.parametrize('sig', [signal.SIGKILL, signal.SIGTERM],
                         ids=lambda s: signal.Signals(s).name)
def test_command_killed_from_outside_gives_128_plus_n(tool, tmp_path, sig):
    # The host kills the command itself (not the tool): the tool reports it.
    opts = ['--unshare-pid'] if tool is BW else []
    proc = start(tool, opts, 'echo ready > /data/ready; exec sleep 60', tmp_path)
    try:
        wait_ready(proc, tmp_path)
        sleeper = wait_for(lambda: [p for p in sandbox_pids(proc) if comm(p) == 'sleep'],
                           timeout=10)
        assert sleeper, 'the command (sleep) was not found among the tool\'s descendants'
        os.kill(sleeper[0], sig)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + sig


@pytest.mark.parametrize('delay', [0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1])
def test_sigterm_at_any_moment_of_setup_leaves_nothing(tool, tmp_path, delay):
    # SIGTERM sent while the tool may still be setting up: however far it
    # got, it ends promptly and leaves no process, mount or file behind
    # (under bwrap, which dies of it, thanks to --die-with-parent).
    opts = ['--unshare-pid', '--die-with-parent'] if tool is BW else []
    before = HostState()
    # stderr to a file, not a pipe: a process left behind would hold a pipe
    # open and hang the test instead of failing it.
    with open(tmp_path / 'stderr', 'w') as err_file:
        proc = subprocess.Popen([tool.path] + tool.usr + opts + ['sleep', '30'],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err_file)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        before.leftovers()
        pytest.fail('the tool did not end within 10s of SIGTERM')
    err = (tmp_path / 'stderr').read_text()
    assert proc.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM, 1), (proc.returncode, err)
    before.assert_unchanged()
