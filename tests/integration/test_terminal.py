"""The terminal under the sandbox personality: an interactive dash on a
pty, the controlling terminal of the tool's session, gets the terminal's
foreground in its own process group: job control works and `exit` is clean
(before, dash could not hand the terminal back to a process group outside
its pid namespace: "Cannot set tty process group", exit 2)."""

import fcntl
import os
import select
import subprocess
import termios
import time

from sbtest import SANDBOX, USR_NODEV, wait_for


class Pty:
    def __init__(self, args):
        self.master, slave = os.openpty()

        def controlling_tty():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave,
                                     preexec_fn=controlling_tty,
                                     env={'PS1': 'PROMPT$ ', 'PATH': '/usr/bin:/bin'})
        os.close(slave)
        self.seen = b''

    def expect(self, text, timeout=20):
        """Reads until TEXT appears after what was already matched."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.master], [], [], left)[0]:
                raise AssertionError('no %r in %r' % (text, self.seen))
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                chunk = b''
            if not chunk:
                raise AssertionError('EOF before %r in %r' % (text, self.seen))
            self.seen += chunk
        self.seen = self.seen[self.seen.index(text) + len(text):]

    def send(self, data):
        os.write(self.master, data)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def _stat(pid):
    with open('/proc/%s/stat' % pid) as f:
        data = f.read()
    rest = data[data.rindex(')') + 2:].split()
    return data[data.index('(') + 1:data.rindex(')')], rest[0], int(rest[1])


def sleeping_sleep(tool_pid):
    """Whether a `sleep` runs (state S) among the tool's descendants."""
    table = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                table[int(entry)] = _stat(entry)
            except (OSError, ValueError, IndexError):
                pass
    todo, found = [tool_pid], []
    while todo:
        parent = todo.pop()
        for pid, (comm, state, ppid) in table.items():
            if ppid == parent:
                todo.append(pid)
                found.append((comm, state))
    return ('sleep', 'S') in found


def test_interactive_shell_job_control_and_clean_exit():
    pty = Pty([SANDBOX] + USR_NODEV + ['sh'])
    try:
        pty.expect(b'PROMPT$ ')
        pty.send(b'sleep 100\n')
        assert wait_for(lambda: sleeping_sleep(pty.proc.pid), timeout=20), 'sleep never ran'
        pty.send(b'\x1a')
        pty.expect(b'Stopped')
        pty.expect(b'PROMPT$ ')
        pty.send(b'jobs\n')
        pty.expect(b'sleep 100')
        pty.expect(b'PROMPT$ ')
        pty.send(b'fg\n')
        pty.expect(b'sleep 100')
        assert wait_for(lambda: sleeping_sleep(pty.proc.pid), timeout=20), 'sleep never ran'
        pty.send(b'\x03')
        pty.expect(b'PROMPT$ ')
        # `exit` exits with the last status: that of an interrupted sleep.
        pty.send(b'true\n')
        pty.expect(b'PROMPT$ ')
        pty.send(b'exit\n')
        status = pty.proc.wait(timeout=20)
        assert status == 0, (status, pty.seen)
        try:
            rest = os.read(pty.master, 4096)
        except OSError:
            rest = b''
        assert b'Cannot set tty process group' not in pty.seen + rest
    finally:
        pty.close()
