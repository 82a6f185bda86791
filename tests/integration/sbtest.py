"""Shared helpers for the integration tests.

Every test runs the built binary the way a user would and checks, from
inside the sandbox, what the sandboxed command really sees.  The runner
(run-pytest) passes the binary in SANDBOX and the `bwrap` symlink in
SANDBOX_BWRAP; both default to the build tree next to this file's
meson-generated copy when run by hand.

Public API (other test files rely on it):
  SANDBOX, BWRAP, SYSTEM_BWRAP, IS_ROOT, USR, BWRAP_USR,
  run(args, prog=SANDBOX, input=None, env=None, timeout=60, pass_fds=())
plus the helpers below (sh, proc_status, caps, Personality, HostState...).
"""

import ctypes
import os
import select
import shutil
import signal
import subprocess
import time

__all__ = [
    'SANDBOX', 'BWRAP', 'SYSTEM_BWRAP', 'IS_ROOT', 'USR', 'BWRAP_USR',
    'MERGED_USR_LINKS', 'USR_NODEV', 'BWRAP_USR_NODEV', 'run', 'sh', 'usr_for', 'ok', 'proc_status',
    'cap_fields', 'id_map', 'Personality', 'PERSONALITIES', 'SB', 'BW',
    'HostState', 'children_of_us', 'descendants', 'reap_orphans', 'wait_for', 'wait_exited',
    'blocked_reading', 'which_in_usr',
]


def _default_binary(name):
    env = {'sandbox': 'SANDBOX', 'bwrap': 'SANDBOX_BWRAP'}[name]
    if os.environ.get(env):
        return os.path.abspath(os.environ[env])
    # Run by hand from the source tree: take the newest build-*/src/NAME.
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    best = None
    for entry in os.listdir(top):
        cand = os.path.join(top, entry, 'src', name)
        if entry.startswith('build') and os.path.exists(cand):
            if best is None or os.path.getmtime(cand) > os.path.getmtime(best):
                best = cand
    return best


SANDBOX = _default_binary('sandbox')
BWRAP = _default_binary('bwrap')
SYSTEM_BWRAP = '/usr/bin/bwrap' if os.access('/usr/bin/bwrap', os.X_OK) else None
IS_ROOT = os.geteuid() == 0

# The host's top-level merged-/usr symlinks (/bin -> usr/bin...), as
# (target, path) pairs in --symlink order.
MERGED_USR_LINKS = []
for _d in ('bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'):
    _p = '/' + _d
    if os.path.islink(_p):
        MERGED_USR_LINKS.append((os.readlink(_p), _p))

# A minimal working root.  The sandbox personality adds the merged-/usr
# symlinks itself; bwrap (ours as "bwrap", or Debian's) needs them spelled out.
USR = ['--ro-bind', '/usr', '/usr', '--proc', '/proc', '--dev', '/dev']
BWRAP_USR = ['--ro-bind', '/usr', '/usr']
for _target, _path in MERGED_USR_LINKS:
    BWRAP_USR += ['--symlink', _target, _path]
BWRAP_USR += ['--proc', '/proc', '--dev', '/dev']
# The same without --dev (which makes a nested user namespace for devpts).
USR_NODEV = USR[:-2]
BWRAP_USR_NODEV = BWRAP_USR[:-2]


def run(args, prog=None, input=None, env=None, timeout=60, pass_fds=()):
    """Runs PROG ARGS; returns a text-mode CompletedProcess (stdout, stderr)."""
    prog = prog or SANDBOX
    return subprocess.run([prog] + [str(a) for a in args], input=input,
                          env=env, timeout=timeout, pass_fds=pass_fds,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, close_fds=True)


def usr_for(prog):
    """USR for our sandbox personality, BWRAP_USR for anything named bwrap."""
    if prog is None or os.path.basename(prog) != 'bwrap':
        return list(USR)
    return list(BWRAP_USR)


def sh(script, opts=(), prog=None, root=None, **kw):
    """Runs `sh -c SCRIPT` in a sandbox made of ROOT (default: usr_for(prog))
    followed by OPTS."""
    prog = prog or SANDBOX
    root = usr_for(prog) if root is None else list(root)
    return run(root + list(opts) + ['sh', '-c', script], prog=prog, **kw)


def ok(result):
    """Asserts exit 0 and returns stdout; shows stderr on failure."""
    assert result.returncode == 0, (
        'exit %d\nargs: %r\nstdout: %s\nstderr: %s' % (
            result.returncode, result.args, result.stdout, result.stderr))
    return result.stdout


def proc_status(text):
    """Parses the text of /proc/PID/status into a dict of str -> str."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(':')
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def cap_fields(status):
    """CapInh/CapPrm/CapEff/CapBnd/CapAmb of a proc_status() dict, as ints."""
    return {k: int(status[k], 16)
            for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb')}


def id_map(text):
    """Parses uid_map/gid_map text into a list of (inside, outside, count)."""
    return [tuple(int(x) for x in line.split())
            for line in text.splitlines() if line.strip()]


class Personality:
    """One way to invoke the tool: the binary, its root, its message prefix."""

    def __init__(self, name, path, usr, prefix):
        self.name = name
        self.path = path
        self.usr = usr
        self.usr_nodev = usr[:-2] if usr[-2:] == ['--dev', '/dev'] else usr
        self.prefix = prefix

    def run(self, args, **kw):
        return run(args, prog=self.path, **kw)

    def sh(self, script, opts=(), root=None, **kw):
        return sh(script, opts, prog=self.path,
                  root=self.usr if root is None else root, **kw)

    def error(self, option, text):
        """The line an error TEXT about OPTION gets: bwrap's text as it is,
        ours after the option's name."""
        if self.prefix == BW_PREFIX:
            return '%s %s' % (self.prefix, text)
        return '%s %s: %s' % (self.prefix, option, text)

    def __repr__(self):
        return self.name


BW_PREFIX = 'bwrap:'
SB = Personality('sandbox', SANDBOX, USR, 'sandbox:')
BW = Personality('bwrap', BWRAP, BWRAP_USR, BW_PREFIX)
PERSONALITIES = [SB, BW]


# Leftover processes: make this test process a child subreaper, so that
# anything the tool leaves running after it exits is reparented to us and
# can be found (and cleaned up) by looking for our children.
_PR_SET_CHILD_SUBREAPER = 36
try:
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
except (OSError, AttributeError):
    pass


def _stat_fields(pid):
    with open('/proc/%d/stat' % pid) as f:
        data = f.read()
    # comm may contain spaces and parentheses: split after the last ')'.
    comm = data[data.index('(') + 1:data.rindex(')')]
    rest = data[data.rindex(')') + 2:].split()
    return comm, rest[0], int(rest[1])  # comm, state, ppid


def children_of_us():
    """{pid: (comm, state)} of the processes whose parent is this process."""
    me = os.getpid()
    found = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            comm, state, ppid = _stat_fields(int(entry))
        except (OSError, ValueError):
            continue
        if ppid == me:
            found[int(entry)] = (comm, state)
    return found


def reap_orphans(pids):
    """Kills and reaps the given (reparented) processes."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def wait_for(predicate, timeout=10.0, interval=0.05):
    """Polls PREDICATE until true or TIMEOUT seconds; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def descendants(pids):
    """Pids of every descendant of the processes PIDS (host view), from the
    parent links in /proc."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            ppid = _stat_fields(int(entry))[2]
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], list(pids)
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_exited(pids, timeout=10.0):
    """Waits on a pidfd of each of PIDS (readable once the process has
    exited, reaped or not) for at most TIMEOUT seconds; returns the pids
    still running then ([] when all exited)."""
    pidfds = {}
    for pid in pids:
        try:
            pidfds[os.pidfd_open(pid)] = pid
        except ProcessLookupError:
            pass
    try:
        deadline = time.monotonic() + timeout
        waiting = set(pidfds)
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select(list(waiting), [], [], left)
            waiting -= set(ready)
        return sorted(pidfds[fd] for fd in waiting)
    finally:
        for fd in pidfds:
            os.close(fd)


def blocked_reading(root_pid, fd):
    """Pid of a descendant of ROOT_PID that sleeps in a system call on its
    copy of FD (the pipe, FIFO or socket that FD is in this process), as
    /proc/PID/syscall shows it (its first argument, the fd number there);
    None when there is none."""
    want = os.fstat(fd)
    for pid in descendants([root_pid]):
        try:
            if _stat_fields(pid)[1] != 'S':
                continue
            with open('/proc/%d/syscall' % pid) as f:
                fields = f.read().split()
            their_fd = int(fields[1], 16)
            st = os.stat('/proc/%d/fd/%d' % (pid, their_fd))
        except (OSError, ValueError, IndexError):
            continue
        if (st.st_dev, st.st_ino) == (want.st_dev, want.st_ino):
            return pid
    return None


def _tmp_entries():
    """Entries of /tmp owned by us, minus the test framework's own."""
    me = os.geteuid()
    found = set()
    for name in os.listdir('/tmp'):
        if name.startswith(('sbtest-', 'pytest-of-')):
            continue
        try:
            st = os.lstat(os.path.join('/tmp', name))
        except OSError:
            continue
        if st.st_uid == me:
            found.add(name)
    return found


def _mount_table():
    """The host's mounts as seen by this process, without mount ids (which
    change), as a sorted list of 'mountpoint fstype source' strings."""
    table = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            left, _, right = line.partition(' - ')
            fields = left.split()
            fstype, source = (right.split() + ['', ''])[:2]
            table.append('%s %s %s' % (fields[4], fstype, source))
    return sorted(table)


class HostState:
    """A snapshot of what the tool must not leave behind on the host:
    mounts in our mount namespace, our entries in /tmp, our child processes.

        before = HostState()
        ... run the tool ...
        before.assert_unchanged()
    """

    def __init__(self):
        self.mounts = _mount_table()
        self.tmp = _tmp_entries()
        self.children = set(children_of_us())

    def leftovers(self):
        """Describes what appeared since the snapshot ([] if nothing)."""
        problems = []
        mounts = _mount_table()
        new_mounts = sorted(set(mounts) - set(self.mounts))
        if new_mounts or len(mounts) != len(self.mounts):
            problems.append('new mounts on the host: %r' % new_mounts)
        new_tmp = _tmp_entries() - self.tmp
        if new_tmp:
            # Other programs of ours (a compiler run by a concurrent build)
            # make short-lived files there: a leak is what stays.
            wait_for(lambda: not new_tmp & _tmp_entries(), timeout=2.0)
            new_tmp = sorted(new_tmp & _tmp_entries())
        if new_tmp:
            problems.append('new entries in /tmp: %r' % new_tmp)
        # A process that is exiting may need a moment to die.  Whatever is
        # still running after that outlived the tool.  Zombies reparented to
        # us died (e.g. by --die-with-parent after the tool): reap them.
        def running():
            return {p: v for p, v in children_of_us().items()
                    if p not in self.children and v[1] != 'Z'}
        if not wait_for(lambda: not running(), timeout=2.0):
            left = running()
            problems.append('processes left behind: %r' % left)
            reap_orphans(list(left))
        reap_orphans([p for p, v in children_of_us().items()
                      if p not in self.children and v[1] == 'Z'])
        return problems

    def assert_unchanged(self):
        problems = self.leftovers()
        assert not problems, '; '.join(problems)


def which_in_usr(name):
    """Path of NAME under /usr, for tests that need a host tool inside."""
    return shutil.which(name, path='/usr/bin:/usr/sbin')
