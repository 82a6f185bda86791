"""The pid namespace: pid 1, host pids invisible, --as-pid-1, --new-session,
--argv0, zombie reaping."""

import fcntl
import os
import subprocess
import termios

from sbouter import backend, backends  # noqa: F401  (fixtures)
from sbtest import BW, SB, ok

PIDS = 'echo $$; ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\\n" " "'


def pids_inside(tool, opts=()):
    out = ok(tool.sh(PIDS, list(opts))).splitlines()
    return int(out[0]), {int(p) for p in out[1].split()}


def new_pid_opts(tool):
    return ['--unshare-pid'] if tool is BW else []


def test_command_is_pid_2_under_a_pid_1(tool):
    me, pids = pids_inside(tool, new_pid_opts(tool))
    assert me == 2
    assert 1 in pids


def test_host_pids_invisible(tool):
    me, pids = pids_inside(tool, new_pid_opts(tool))
    # Only the sandbox's own processes: pid 1, the shell, ls, grep...
    assert max(pids) < 20, pids
    assert len(pids) <= 6, pids


def test_host_processes_not_signalable(tool):
    # kill -0 of the test process's pid: from a new pid namespace it names
    # nothing (or a sandbox process), never us.
    host_pid = os.getpid()
    out = ok(tool.sh('cat /proc/%d/cmdline 2>/dev/null | tr "\\0" " "; echo' % host_pid,
                     new_pid_opts(tool)))
    assert 'pytest' not in out


def test_bwrap_personality_shares_pids_by_default():
    # The contrast: without --unshare-pid the host's processes are there.
    me, pids = pids_inside(BW)
    assert me != 2
    assert os.getpid() in pids


def test_pid_1_is_not_the_command(tool):
    out = ok(tool.sh('cat /proc/1/comm /proc/$$/comm', new_pid_opts(tool)))
    first, second = out.splitlines()
    assert first != 'sh'
    assert second == 'sh'


def test_as_pid_1(tool):
    me, pids = pids_inside(tool, new_pid_opts(tool) + ['--as-pid-1'])
    assert me == 1


# An orphan: its parent exits at once, so it is reparented to pid 1; it
# exits when the command writes to the FIFO; then its /proc entry must go
# (pid 1 reaped it), within 10 s.
REAP_ORPHAN = (
    'mkfifo /tmp/go; '
    'sh -c \'read x < /tmp/go & echo $! > /tmp/orphan\'; '
    'read orphan < /tmp/orphan; '
    'echo "ppid $(cut -d" " -f4 /proc/$orphan/stat)"; '
    'echo go > /tmp/go; '
    'n=0; while [ -e /proc/$orphan ]; do '
    '  n=$((n + 1)); '
    '  if [ $n -gt 200 ]; then echo "not reaped: $(cat /proc/$orphan/stat)"; exit 1; fi; '
    '  sleep 0.05; '
    'done; echo reaped')


def test_reaper_reaps_orphans(tool):
    out = ok(tool.sh(REAP_ORPHAN, new_pid_opts(tool) + ['--tmpfs', '/tmp']))
    assert out == 'ppid 1\nreaped\n'


def session_of(tool, opts, **kw):
    out = ok(tool.sh('echo $$; cut -d" " -f6 /proc/$$/stat', opts, **kw)).split()
    return int(out[0]), int(out[1])


def test_new_session(tool):
    # setsid() in the sandbox: the session leader is the command or the
    # sandbox's pid 1 (bwrap calls it in its init before forking).
    pid, sid = session_of(tool, new_pid_opts(tool) + ['--new-session'])
    assert sid in (1, pid)


def test_no_new_session_by_default(tool):
    # The session leader is outside the sandbox: seen as 0 from a new pid
    # namespace.
    pid, sid = session_of(tool, new_pid_opts(tool))
    assert sid == 0


def run_with_controlling_tty(args):
    """Runs ARGS in a new session whose controlling terminal is a new pty."""
    master, slave = os.openpty()

    def make_ctty():
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    try:
        proc = subprocess.run(args, stdin=slave, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=60,
                              preexec_fn=make_ctty)
    finally:
        os.close(slave)
        os.close(master)
    return proc


TTY_PROBE = '(: < /dev/tty) 2>/dev/null && echo has-tty; echo end'


def test_controlling_tty_reachable_without_new_session(tool):
    # The contrast for the test below.
    r = run_with_controlling_tty([tool.path] + tool.usr + new_pid_opts(tool) +
                                 ['sh', '-c', TTY_PROBE])
    assert ok(r) == 'has-tty\nend\n'


def test_new_session_has_no_controlling_tty(tool):
    # After setsid, /dev/tty cannot be opened (ENXIO): no TIOCSTI into the
    # caller's terminal.
    r = run_with_controlling_tty([tool.path] + tool.usr + new_pid_opts(tool) +
                                 ['--new-session', 'sh', '-c', TTY_PROBE])
    assert ok(r) == 'end\n'


def test_argv0(tool):
    r = tool.run(tool.usr + ['--argv0', 'renamed', 'sh', '-c',
                             'tr "\\0" " " < /proc/$$/cmdline; echo'])
    assert ok(r) == 'renamed -c tr "\\0" " " < /proc/$$/cmdline; echo \n'


def test_argv0_program_still_found_from_original_name(tool):
    # The executable is found from the original argv[0] through PATH.
    r = tool.run(tool.usr + ['--argv0', '/nonexistent/name', 'sh', '-c', 'echo "$0"; echo ok'])
    assert ok(r) == '/nonexistent/name\nok\n'


def test_sandbox_default_has_pid_namespace():
    me, pids = pids_inside(SB)
    assert me == 2


# Run inside the backend's outer sandbox, which would otherwise hold the
# pipe for as long as it runs: the reader of --info-fd sees EOF while the
# command still runs only if pid 1 closed its copy (close_range, or its
# /proc/self/fd where close_range is hidden).
PID1_FDS_SCENARIO = r'''
import os, select, subprocess, sys
info_r, info_w = os.pipe()
proc = subprocess.Popen(sys.argv[1:] + ['--info-fd', str(info_w), '--', 'sh', '-c',
                                        'echo ready; read x'],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(info_w,))
os.close(info_w)
ready = proc.stdout.readline() == b'ready\n'
eof = False
while ready and select.select([info_r], [], [], 5.0)[0]:
    if os.read(info_r, 4096) == b'':
        eof = True
        break
proc.communicate(b'go\n', timeout=30)
print('ready' if ready else 'not started', 'eof' if eof else 'held', proc.returncode)
'''


def test_pid_1_keeps_no_inherited_fd(backend):
    out = ok(subprocess.run(
        backend.outer + ['/usr/bin/python3', '-c', PID1_FDS_SCENARIO, SB.path] + SB.usr,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60))
    assert out == 'ready eof 0\n'
