"""--pidns FD with --unshare-pid: the new pid namespace is made inside the
joined one, below a relay process that waits for its pid 1.  What the relay
holds, and what the monitor may signal once that pid 1 is gone."""

import json
import os
import select
import signal
import subprocess
import time

import pytest

from sbtest import SANDBOX, USR, wait_for


class NamespaceHolder:
    """A process in a new user and pid namespace of ours (unshare -Urpf),
    whose namespaces a sandbox can join with --userns and --pidns."""

    def __init__(self):
        self.proc = subprocess.Popen(['unshare', '-Urpf', 'sleep', '120'])
        # The sleep is unshare's child, pid 1 of the new pid namespace.
        children = '/proc/%d/task/%d/children' % (self.proc.pid, self.proc.pid)

        def inner():
            try:
                with open(children) as f:
                    pids = f.read().split()
                return int(pids[0]) if pids else None
            except OSError:
                return None
        pid = wait_for(inner, timeout=10)
        assert pid is not None, 'unshare -Urpf started no child'
        # Joined by its namespace fds, not by pid: these stay valid.
        self.userns = os.open('/proc/%d/ns/user' % pid, os.O_RDONLY | os.O_CLOEXEC)
        self.pidns = os.open('/proc/%d/ns/pid' % pid, os.O_RDONLY | os.O_CLOEXEC)

    def close(self):
        os.close(self.userns)
        os.close(self.pidns)
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def holder():
    h = NamespaceHolder()
    yield h
    h.close()


def eof_within(fd, seconds):
    """Reads FD until EOF; True if EOF came within SECONDS."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return False
        if os.read(fd, 4096) == b'':
            return True


def test_relay_keeps_no_inherited_fd(holder):
    # The reader of --info-fd sees EOF once the report is written, however
    # long the command runs: the relay above the new pid namespace does
    # not hold the write end (nor any other inherited fd) meanwhile.
    info_r, info_w = os.pipe()
    held_r, held_w = os.pipe()
    proc = subprocess.Popen(
        [SANDBOX] + USR + ['--userns', str(holder.userns), '--pidns', str(holder.pidns),
                           '--unshare-pid', '--info-fd', str(info_w), '--',
                           'sh', '-c', 'read x'],
        stdin=subprocess.PIPE, pass_fds=(holder.userns, holder.pidns, info_w, held_w))
    os.close(info_w)
    os.close(held_w)
    try:
        assert eof_within(info_r, 5.0), 'no EOF on --info-fd while the command runs'
        assert proc.poll() is None
        # The inherited pipe: the command keeps it, nothing else of ours.
        relay = [int(p) for p in open('/proc/%d/task/%d/children'
                                      % (proc.pid, proc.pid)).read().split()]
        assert len(relay) == 1, relay
        fds = {int(fd) for fd in os.listdir('/proc/%d/fd' % relay[0])}
        assert fds <= {0, 1, 2}, fds
    finally:
        proc.communicate(b'go\n', timeout=30)
        os.close(info_r)
        os.close(held_r)
    assert proc.returncode == 0


# Run as pid 1 of a pid namespace of the test's own (unshare -Urpf
# --mount-proc), where ns_last_pid chooses the next pid: the sandbox's pid 1
# exits and is reaped by the relay while the monitor is stopped, a decoy
# takes its pid, and the monitor, continued, gets a SIGTERM to pass on.
PID_REUSE_SCENARIO = r'''
import json, os, signal, subprocess, sys, time

def state(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0]
    except OSError:
        return None

def until(what, predicate):
    deadline = time.monotonic() + 10
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit('timed out waiting for ' + what)
        time.sleep(0.01)

pidns = os.open('/proc/self/ns/pid', os.O_RDONLY)
info_r, info_w = os.pipe()
monitor = subprocess.Popen(
    sys.argv[1:] + ['--pidns', str(pidns), '--unshare-pid', '--info-fd', str(info_w),
                    '--', 'sh', '-c', 'echo ready; read x'],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(pidns, info_w))
os.close(info_w)
text = b''
while True:
    try:
        info = json.loads(text)
        break
    except ValueError:
        chunk = os.read(info_r, 4096)
        if not chunk:
            sys.exit('no report on --info-fd')
        text += chunk
pid1 = info['child-pid']
# The command runs: the monitor is done with the start.
if monitor.stdout.readline() != b'ready\n':
    sys.exit('the command did not start')
os.kill(monitor.pid, signal.SIGSTOP)
until('the monitor to stop', lambda: state(monitor.pid) == 'T')
monitor.stdin.write(b'go\n')
monitor.stdin.close()
until('pid 1 to be reaped', lambda: state(pid1) is None)
with open('/proc/%d/task/%d/children' % (monitor.pid, monitor.pid)) as f:
    relay = int(f.read().split()[0])
until('the relay to exit', lambda: state(relay) == 'Z')
with open('/proc/sys/kernel/ns_last_pid', 'w') as f:
    f.write(str(pid1 - 1))
decoy = subprocess.Popen(['sleep', '60'])
os.kill(monitor.pid, signal.SIGTERM)
os.kill(monitor.pid, signal.SIGCONT)
monitor.wait(30)
try:
    decoy.wait(1)
except subprocess.TimeoutExpired:
    pass
print(json.dumps({'decoy has the pid': decoy.pid == pid1,
                  'decoy signalled': decoy.returncode}))
decoy.kill()
decoy.wait()
'''


def test_monitor_never_signals_a_process_that_took_pid_1s_pid():
    r = subprocess.run(['unshare', '-Urpf', '--mount-proc', '/usr/bin/python3', '-c',
                        PID_REUSE_SCENARIO, SANDBOX] + USR,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    if not result['decoy has the pid']:
        pytest.skip('another process of the test namespace took the pid first')
    assert result['decoy signalled'] is None
