"""The fd protocol and the other options bwrap's callers (Flatpak first)
drive (issue 5): --args from a sealed memfd or a pipe and its 9000-argument
limit, --info-fd and --json-status-fd checked key by key against what the
kernel shows from outside, --block-fd, --sync-fd, --lock-file, --file and
the data binds, --bind-fd against a symlink swap, joining a sandbox with
--userns/--userns2/--pidns, --disable-userns, the overlays, and the
SELinux labels on a host without SELinux.

Everything is observed either by the caller (fds, locks, host files, the
kernel's view of the sandbox's processes) or by the sandboxed command."""

import errno
import fcntl
import hashlib
import json
import os
import select
import stat
import struct
import subprocess
import threading
import time

import pytest

from sbtest import SB, blocked_reading, ok, reap_orphans, run, wait_for

MAX_ARGS = 9000
NAMESPACES = ('cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts')
HAVE_CGROUPNS = os.path.exists('/proc/self/ns/cgroup')


def no_pidns(tool):
    """Options for a sandbox without a pid namespace of its own."""
    return ['--share-pid'] if tool is SB else []


def only_mntns(tool):
    """Options that leave just the mount (and user) namespace new."""
    if tool is SB:
        return ['--share-net', '--share-ipc', '--share-pid', '--share-uts',
                '--share-cgroup']
    return []


# -- fds ----------------------------------------------------------------------------

def args_blob(items):
    return b''.join(os.fsencode(str(a)) + b'\0' for a in items)


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def sealed_memfd(data, name='bwrap-args'):
    """A memfd holding DATA, sealed against any change as Flatpak seals it,
    positioned at its start."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    write_all(fd, data)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW |
                fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class PipeFeed:
    """The read end of a pipe that a thread fills with DATA and then closes
    (DATA may exceed the pipe's capacity)."""

    def __init__(self, data):
        self.fd, w = os.pipe()

        def feed():
            try:
                write_all(w, data)
            except BrokenPipeError:
                pass
            finally:
                os.close(w)
        self.thread = threading.Thread(target=feed, daemon=True)
        self.thread.start()

    def close(self):
        os.close(self.fd)
        self.thread.join(10)


class DataFd:
    """An fd of kind KIND ('memfd', 'pipe', 'file') reading DATA."""

    def __init__(self, data, kind, tmp_path=None):
        self.feed = None
        if kind == 'memfd':
            self.fd = sealed_memfd(data, 'data')
        elif kind == 'pipe':
            self.feed = PipeFeed(data)
            self.fd = self.feed.fd
        else:
            path = tmp_path / ('data-%d' % len(os.listdir(tmp_path)))
            path.write_bytes(data)
            self.fd = os.open(str(path), os.O_RDONLY | os.O_CLOEXEC)

    def close(self):
        if self.feed:
            self.feed.close()
        else:
            os.close(self.fd)


def read_to_eof(fd, timeout=15.0):
    """Everything read from FD until EOF; fails after TIMEOUT seconds."""
    data = b''
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(0.0, left))
        assert ready, 'no EOF on fd %d within %ss (read so far: %r)' % (fd, timeout, data)
        chunk = os.read(fd, 65536)
        if not chunk:
            return data
        data += chunk


def file_fd(tmp_path, name):
    """An O_RDWR fd on a new regular file (as Flatpak's bwrapinfo.json)."""
    return os.open(str(tmp_path / name), os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                   0o600)


def json_lines(fd):
    """The JSON Lines document written to the regular file behind FD."""
    os.lseek(fd, 0, os.SEEK_SET)
    text = b''
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        text += chunk
    text = text.decode()
    assert text == '' or text.endswith('\n'), 'unterminated last line: %r' % text
    objects = [json.loads(line) for line in text.splitlines()]
    for obj in objects:
        assert isinstance(obj, dict), text
    return objects


# -- processes ----------------------------------------------------------------------

class Running:
    """The tool started in the background; its command is expected to print
    a line and then wait for a line on its stdin."""

    def __init__(self, argv, pass_fds=(), env=None):
        self.proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     pass_fds=pass_fds, env=env, close_fds=True)
        self.out = b''

    @property
    def pid(self):
        return self.proc.pid

    def read_line(self, timeout=20.0):
        """The next line of the command's stdout (without the newline)."""
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b'\n' not in self.out:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(0.0, left))
            if not ready:
                self.kill()
                pytest.fail('no line from the sandbox within %ss; stderr: %s' %
                            (timeout, self.proc.stderr.read().decode()))
            chunk = os.read(fd, 4096)
            if not chunk:
                status = self.proc.wait(10)
                pytest.fail('the tool exited (%s) before printing a line; stderr: %s' %
                            (status, self.proc.stderr.read().decode()))
            self.out += chunk
        line, _, self.out = self.out.partition(b'\n')
        return line.decode()

    def release(self, timeout=20.0):
        """Lets the command go on; returns (status, rest of stdout, stderr)."""
        out, err = self.proc.communicate(b'go\n', timeout=timeout)
        return self.proc.returncode, (self.out + out).decode(), err.decode()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.communicate(timeout=10)
        except (ValueError, OSError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


WAIT = 'echo ready $$; read x'


def gone_or_zombie(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except FileNotFoundError:
        return True


def ns_inode(pid, kind):
    return os.stat('/proc/%d/ns/%s' % (pid, kind)).st_ino


def nspid(pid):
    """The pid of PID in each nested pid namespace, outermost first."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('NSpid:'):
                return [int(x) for x in line.split()[1:]]
    raise AssertionError('no NSpid line for %d' % pid)


def ppid_of(pid):
    with open('/proc/%d/stat' % pid) as f:
        return int(f.read().rsplit(')', 1)[1].split()[1])


def is_descendant(pid, ancestor):
    while pid > 1:
        if pid == ancestor:
            return True
        pid = ppid_of(pid)
    return pid == ancestor


# -- --args -------------------------------------------------------------------------

@pytest.mark.parametrize('dashdash', [True, False], ids=['dashdash', 'flatpak-form'])
def test_args_from_sealed_memfd(tool, dashdash):
    fd = sealed_memfd(args_blob(tool.usr + ['--setenv', 'FROM_ARGS', 'memfd value',
                                            '--chdir', '/usr']))
    try:
        seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
        assert seals & fcntl.F_SEAL_WRITE and seals & fcntl.F_SEAL_SEAL
        cmd = ['sh', '-c', 'echo "$FROM_ARGS|$PWD|$1"', 'sh', '--not-an-option']
        out = ok(run(['--args', fd] + (['--'] if dashdash else []) + cmd,
                     prog=tool.path, pass_fds=(fd,)))
    finally:
        os.close(fd)
    assert out == 'memfd value|/usr|--not-an-option\n'


def test_args_from_pipe_repeated_and_mixed_with_argv(tool):
    first = PipeFeed(args_blob(tool.usr + ['--setenv', 'A', 'from-pipe-1']))
    second = PipeFeed(args_blob(['--setenv', 'C', 'from-pipe-2', '--setenv', 'B', 'overridden']))
    try:
        out = ok(run(['--args', first.fd, '--setenv', 'B', 'from-argv', '--args', second.fd,
                      'sh', '-c', 'echo "$A $B $C"'],
                     prog=tool.path, pass_fds=(first.fd, second.fd)))
    finally:
        first.close()
        second.close()
    # Parsed in place, in order: the second file's --setenv B comes last.
    assert out == 'from-pipe-1 overridden from-pipe-2\n'


def test_args_from_empty_environment_finds_command_with_setenv_path(tool):
    # Flatpak's ldconfig call: empty environment, no `--`, PATH from the file.
    fd = sealed_memfd(args_blob(tool.usr + ['--setenv', 'PATH', '/usr/bin']))
    try:
        out = ok(run(['--args', fd, 'sh', '-c', 'echo "$PATH"'],
                     prog=tool.path, pass_fds=(fd,), env={}))
    finally:
        os.close(fd)
    assert out == '/usr/bin\n'


def limit_case(tool, total, kind):
    """Runs `--args FD sh -c ...` with TOTAL arguments in all (argv without
    argv[0], plus the file's), returns the result."""
    argv_tail = ['sh', '-c', 'echo "last=$LAST"']
    fixed = ['--args', 'FD'] + argv_tail
    items = list(tool.usr)
    tail = ['--setenv', 'LAST', 'parsed']
    filler = total - len(fixed) - len(items) - len(tail)
    pairs, odd = divmod(filler, 2)
    items += ['--unsetenv', 'SBTEST_FILLER'] * pairs + ['--unshare-ipc'] * odd + tail
    assert len(fixed) + len(items) == total
    data = args_blob(items)
    src = DataFd(data, kind)
    try:
        return run(['--args', src.fd] + argv_tail, prog=tool.path, pass_fds=(src.fd,))
    finally:
        src.close()


@pytest.mark.parametrize('kind', ['memfd', 'pipe'])
def test_args_limit_9000_accepted(tool, kind):
    assert ok(limit_case(tool, MAX_ARGS, kind)) == 'last=parsed\n'


@pytest.mark.parametrize('kind', ['memfd', 'pipe'])
@pytest.mark.parametrize('total', [MAX_ARGS + 1, MAX_ARGS + 500])
def test_args_limit_exceeded_rejected(tool, kind, total):
    r = limit_case(tool, total, kind)
    assert (r.returncode, r.stdout) == (1, '')
    assert r.stderr == '%s Exceeded maximum number of arguments 9000\n' % tool.prefix


@pytest.mark.parametrize('total', [MAX_ARGS, MAX_ARGS + 1])
def test_argv_limit_without_args_file(tool, total):
    tail = ['sh', '-c', 'echo ran']
    filler = total - len(tool.usr) - len(tail)
    args = tool.usr + ['--unsetenv', 'X'] * (filler // 2) + ['--unshare-ipc'] * (filler % 2) + tail
    assert len(args) == total
    r = run(args, prog=tool.path)
    if total <= MAX_ARGS:
        assert ok(r) == 'ran\n'
    else:
        assert (r.returncode, r.stdout) == (1, '')
        assert r.stderr == '%s Exceeded maximum number of arguments 9000\n' % tool.prefix


def test_nested_args_rejected(tool):
    inner = sealed_memfd(args_blob(['--setenv', 'X', 'y']))
    outer = sealed_memfd(args_blob(tool.usr + ['--args', inner]))
    try:
        r = run(['--args', outer, 'sh', '-c', 'echo ran'], prog=tool.path,
                pass_fds=(inner, outer))
    finally:
        os.close(inner)
        os.close(outer)
    assert (r.returncode, r.stdout) == (1, '')
    assert r.stderr == '%s --args not supported in arguments file\n' % tool.prefix


# -- --info-fd ----------------------------------------------------------------------

def start_with_info(tool, opts):
    """Starts a waiting sandbox with --info-fd on a pipe; returns the Running
    sandbox, the parsed info and whether it was still running at EOF."""
    r, w = os.pipe()
    try:
        sandbox = Running([tool.path] + tool.usr + opts + ['--info-fd', w, 'sh', '-c', WAIT],
                          pass_fds=(w,))
    finally:
        os.close(w)
    try:
        data = read_to_eof(r)
    except AssertionError:
        sandbox.kill()
        raise
    finally:
        os.close(r)
    running_at_eof = sandbox.proc.poll() is None
    try:
        return sandbox, json.loads(data), running_at_eof
    except ValueError:
        sandbox.kill()
        raise AssertionError('--info-fd is not one JSON object: %r' % data)


def confinement_keys(tool):
    """Ours alone: how the sandbox is confined (namespaces here)."""
    return {'confinement'} if tool is SB else set()


def check_ns_keys(info, kinds):
    """Each *-namespace key of INFO names the inode of that namespace of
    child-pid, as the caller sees it; KINDS are the expected ones."""
    child = info['child-pid']
    assert sorted(k for k in info if k.endswith('-namespace')) == \
        sorted('%s-namespace' % k for k in kinds)
    for kind in kinds:
        value = info['%s-namespace' % kind]
        assert type(value) is int
        assert value == ns_inode(child, kind), kind
        assert value != ns_inode(os.getpid(), kind), kind
    assert not [k for k in info if 'user' in k]


def test_info_fd_unshare_all(tool):
    kinds = [k for k in NAMESPACES if k != 'cgroup' or HAVE_CGROUPNS]
    sandbox, info, running_at_eof = start_with_info(tool, ['--unshare-all'])
    with sandbox:
        inner_pid = int(sandbox.read_line().split()[1])
        # Written once, then closed: EOF came while the sandbox still ran, so
        # neither the tool nor the command keeps the fd.
        assert running_at_eof
        assert set(info) == {'child-pid', 'command-pid'} | {'%s-namespace' % k for k in kinds} \
            | confinement_keys(tool)
        child, command = info['child-pid'], info['command-pid']
        assert type(child) is int and type(command) is int
        assert os.path.isdir('/proc/%d' % child) and is_descendant(child, sandbox.pid)
        check_ns_keys(info, kinds)
        # child-pid is the sandbox's pid 1 (the init), command-pid the command.
        assert nspid(child)[-1] == 1
        assert command != child and ppid_of(command) == child
        assert nspid(command)[-1] == inner_pid
        assert ns_inode(command, 'pid') == info['pid-namespace']
        status, out, err = sandbox.release()
    assert (status, err) == (0, '')
    # Under bwrap's personality, as with bwrap, the tool exits with the
    # command's status without waiting for pid 1, which then exits (a zombie
    # handed to us, a subreaper).
    if tool is SB:
        assert not os.path.exists('/proc/%d' % child)
    else:
        assert wait_for(lambda: gone_or_zombie(child), timeout=5)
        reap_orphans([child])


def test_info_fd_minimal(tool):
    sandbox, info, running_at_eof = start_with_info(tool, only_mntns(tool))
    with sandbox:
        inner_pid = int(sandbox.read_line().split()[1])
        assert running_at_eof
        # With the host's network, ours scopes its abstract sockets away where
        # Landlock has ABI 6: then the ABI is reported too.
        scoped = {'landlock-abi'} if tool is SB and 'landlock-abi' in info else set()
        assert set(info) == ({'child-pid', 'mnt-namespace', 'command-pid'}
                             | confinement_keys(tool) | scoped)
        if tool is SB:
            assert info['confinement'] == 'namespaces'
        if scoped:
            assert info['landlock-abi'] >= 6
        check_ns_keys(info, ['mnt'])
        # No pid namespace: the command is the child, with the same pid inside.
        assert info['command-pid'] == info['child-pid'] == inner_pid
        assert is_descendant(inner_pid, sandbox.pid)
        status, out, err = sandbox.release()
    assert (status, err) == (0, '')


# -- --json-status-fd ---------------------------------------------------------------

def run_with_status(tool, tmp_path, opts, script):
    """Runs SCRIPT with --info-fd and --json-status-fd on regular files (as
    Flatpak's bwrapinfo.json); returns (result, status objects, info object
    or None when nothing was written)."""
    sfd = file_fd(tmp_path, 'status.json')
    ifd = file_fd(tmp_path, 'info.json')
    try:
        r = run(tool.usr + opts + ['--info-fd', ifd, '--json-status-fd', sfd,
                                   'sh', '-c', script], prog=tool.path, pass_fds=(sfd, ifd))
        status = json_lines(sfd)
    finally:
        os.close(sfd)
        os.close(ifd)
    # --info-fd is one pretty-printed object, not JSON Lines.
    text = (tmp_path / 'info.json').read_text()
    return r, status, json.loads(text) if text else None


def test_json_status_start_line_and_exit_code(tool, tmp_path):
    r, status, info = run_with_status(tool, tmp_path, ['--unshare-all'], 'exit 3')
    assert r.returncode == 3, r.stderr
    assert len(status) == 2, status
    start, end = status
    # Line 1 carries --info-fd's keys and values (on one line).
    assert start == info
    assert {'child-pid', 'command-pid', 'mnt-namespace', 'pid-namespace'} <= set(start)
    assert end == {'exit-code': 3}
    assert type(end['exit-code']) is int


@pytest.mark.parametrize('pidns', [False, True], ids=['no-pidns', 'pidns'])
def test_json_status_killed_by_sigkill(tool, tmp_path, pidns):
    opts = ['--unshare-pid'] if pidns else no_pidns(tool)
    r, status, info = run_with_status(tool, tmp_path, opts, 'kill -9 $$')
    assert r.returncode == 137, r.stderr
    assert [s for s in status if 'exit-code' in s] == [{'exit-code': 137}]
    assert status[-1] == {'exit-code': 137}
    assert status[0] == info
    assert ('pid-namespace' in info) == pidns


def test_json_status_no_exit_code_when_exec_fails(tool, tmp_path):
    sfd = file_fd(tmp_path, 'status.json')
    try:
        r = run(tool.usr + ['--json-status-fd', sfd, '/nonexistent/command'],
                prog=tool.path, pass_fds=(sfd,))
        status = json_lines(sfd)
    finally:
        os.close(sfd)
    assert r.returncode == 1
    assert r.stderr.startswith('%s execvp /nonexistent/command' % tool.prefix)
    assert not [s for s in status if 'exit-code' in s], status
    assert len(status) <= 1


@pytest.mark.parametrize('failure, text', [
    (['--chdir', '/nonexistent'], "Can't chdir to /nonexistent"),
    (['--remount-ro', '/nonexistent'], "Can't remount readonly on /nonexistent"),
    (['--bind', '{tmp}/missing', '/mnt'], "Can't find source path {tmp}/missing"),
], ids=['chdir', 'remount-ro', 'bind-missing'])
def test_json_status_no_exit_code_when_setup_fails(tool, tmp_path, failure, text):
    opts = [a.replace('{tmp}', str(tmp_path)) for a in failure]
    r, status, info = run_with_status(tool, tmp_path, opts, 'echo ran')
    assert (r.returncode, r.stdout) == (1, '')
    text = '%s: %s' % (text.replace('{tmp}', str(tmp_path)), os.strerror(errno.ENOENT))
    assert r.stderr == tool.error(failure[0], text) + '\n', r.stderr
    assert not [s for s in status if 'exit-code' in s], status
    assert len(status) <= 1


# -- --block-fd ---------------------------------------------------------------------

@pytest.mark.parametrize('pidns', [False, True], ids=['no-pidns', 'pidns'])
def test_block_fd_blocks_until_a_byte(tool, tmp_path, pidns):
    opts = ['--unshare-pid'] if pidns else no_pidns(tool)
    marker = tmp_path / 'started'
    r, w = os.pipe()
    try:
        proc = subprocess.Popen([tool.path] + tool.usr + opts +
                                ['--bind', str(tmp_path), '/mnt', '--block-fd', str(r),
                                 'sh', '-c', 'touch /mnt/started; echo started'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                pass_fds=(r,), close_fds=True)
        os.close(r)
        try:
            # Held back: a process of the sandbox sleeps reading the block fd.
            assert wait_for(lambda: blocked_reading(proc.pid, w) or proc.poll() is not None,
                            timeout=20), 'nothing of the sandbox reads the block fd'
            assert proc.poll() is None, proc.communicate()
            assert not marker.exists(), 'ran before the byte'
            os.write(w, b'x')
            out, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    finally:
        os.close(w)
    assert (proc.returncode, out, err) == (0, b'started\n', b'')
    assert marker.exists()


# -- --sync-fd ----------------------------------------------------------------------

def write_fails_with_epipe(fd):
    try:
        os.write(fd, b'x')
    except BrokenPipeError:
        return True
    return False


@pytest.mark.parametrize('pidns', [False, True], ids=['no-pidns', 'pidns'])
def test_sync_fd_open_while_running_closed_after(tool, pidns):
    opts = ['--unshare-pid'] if pidns else no_pidns(tool)
    r, w = os.pipe()
    try:
        try:
            sandbox = Running([tool.path] + tool.usr + opts + ['--sync-fd', r, 'sh', '-c', WAIT],
                              pass_fds=(r,))
        finally:
            # From here only the sandbox holds the read end.
            os.close(r)
        with sandbox:
            # The command runs (its line came) and waits for us.
            sandbox.read_line()
            assert not write_fails_with_epipe(w), 'sync fd closed while the sandbox runs'
            status, out, err = sandbox.release()
        assert (status, err) == (0, '')
        assert wait_for(lambda: write_fails_with_epipe(w), timeout=5.0), \
            'sync fd still open after the sandbox ended'
    finally:
        os.close(w)


# -- --lock-file --------------------------------------------------------------------

F_RDLCK, F_WRLCK, F_UNLCK = 0, 1, 2
FLOCK = 'hhqqi4x'   # struct flock on 64-bit Linux


def lock_holder(path, want):
    """(type, pid) of the lock that would block a WANT lock on PATH (F_GETLK)."""
    fd = os.open(str(path), os.O_RDWR | os.O_CLOEXEC)
    try:
        req = struct.pack(FLOCK, want, os.SEEK_SET, 0, 0, 0)
        ltype, _, _, _, pid = struct.unpack(FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, req))
        return ltype, pid
    finally:
        os.close(fd)


def exclusive_lock_refused(path):
    fd = os.open(str(path), os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        assert e.errno in (errno.EAGAIN, errno.EACCES)
        return True
    finally:
        os.close(fd)
    return False


@pytest.mark.parametrize('pidns', [False, True], ids=['no-pidns', 'pidns'])
def test_lock_file_held_while_running(tool, tmp_path, pidns):
    opts = ['--unshare-pid'] if pidns else no_pidns(tool)
    locks = [tmp_path / 'a.ref', tmp_path / 'b.ref']
    for lk in locks:
        lk.write_text('')
    with Running([tool.path] + tool.usr + opts +
                 ['--bind', tmp_path, '/mnt', '--lock-file', '/mnt/a.ref',
                  '--lock-file', '/mnt/b.ref', 'sh', '-c', WAIT]) as sandbox:
        sandbox.read_line()
        for lk in locks:
            ltype, pid = lock_holder(lk, F_WRLCK)
            assert ltype == F_RDLCK, (lk, ltype)
            # Held by the tool or one of its processes, seen from here.
            assert pid > 0 and is_descendant(pid, sandbox.pid), (lk, pid, sandbox.pid)
            assert exclusive_lock_refused(lk)
            # A read lock is shared: another reader is not blocked.
            assert lock_holder(lk, F_RDLCK)[0] == F_UNLCK
        status, out, err = sandbox.release()
    assert (status, err) == (0, '')
    for lk in locks:
        assert lock_holder(lk, F_WRLCK)[0] == F_UNLCK
        assert not exclusive_lock_refused(lk)


# -- which fds reach the command -----------------------------------------------------

@pytest.mark.parametrize('mode', ['no-pidns', 'pidns', 'as-pid-1'])
def test_protocol_fds_do_not_reach_the_command(tool, tmp_path, mode):
    opts = {'no-pidns': no_pidns(tool), 'pidns': ['--unshare-pid'],
            'as-pid-1': ['--unshare-pid', '--as-pid-1']}[mode]
    args_fd = sealed_memfd(args_blob(['--setenv', 'FROM_ARGS', '1']))
    info_fd = file_fd(tmp_path, 'info')
    status_fd = file_fd(tmp_path, 'status')
    block = PipeFeed(b'x')
    sync_r, sync_w = os.pipe()
    data = DataFd(b'data', 'memfd')
    # Not an option's fd: inherited on purpose (xdg-dbus-proxy --args=M).
    other_r, other_w = os.pipe()
    named = {'--args': args_fd, '--info-fd': info_fd, '--json-status-fd': status_fd,
             '--block-fd': block.fd, '--sync-fd': sync_r, '--file': data.fd}
    fds = tuple(named.values()) + (other_r,)
    try:
        out = ok(run(tool.usr + opts +
                     ['--args', args_fd, '--info-fd', info_fd, '--json-status-fd', status_fd,
                      '--block-fd', block.fd, '--sync-fd', sync_r, '--file', data.fd, '/f',
                      'sh', '-c', 'echo "$FROM_ARGS"; ls /proc/self/fd'],
                     prog=tool.path, pass_fds=fds))
    finally:
        for fd in (args_fd, info_fd, status_fd, sync_r, sync_w, other_r, other_w):
            os.close(fd)
        block.close()
        data.close()
    lines = out.splitlines()
    assert lines[0] == '1'
    seen = {int(x) for x in lines[1:]}
    assert other_r in seen
    # --as-pid-1 has no init to keep the sync fd: the command holds it.
    leaked = {'--sync-fd'} if mode == 'as-pid-1' else set()
    assert {o for o, fd in named.items() if fd in seen} == leaked


# -- --file, --bind-data, --ro-bind-data --------------------------------------------

DATA = b'first line\nsecond line\n\x00\xff binary tail'


@pytest.mark.parametrize('op,perms,mode', [
    ('--file', None, '666'),
    ('--file', '0640', '640'),
    ('--file', '0755', '755'),
    ('--bind-data', None, '600'),
    ('--bind-data', '0644', '644'),
    ('--ro-bind-data', None, '600'),
    ('--ro-bind-data', '0444', '444'),
])
@pytest.mark.parametrize('kind', ['memfd', 'pipe', 'file'])
def test_data_content_and_mode(tool, tmp_path, op, perms, mode, kind):
    src = DataFd(DATA, kind, tmp_path)
    try:
        opts = (['--perms', perms] if perms else []) + [op, src.fd, '/etc/data']
        out = ok(tool.sh('stat -c "%a %F %u" /etc/data; id -u; sha256sum < /etc/data',
                         opts, pass_fds=(src.fd,)))
    finally:
        src.close()
    mode_line, uid, digest = out.splitlines()
    assert mode_line == '%s regular file %s' % (mode, uid)
    assert digest.split()[0] == hashlib.sha256(DATA).hexdigest()


def test_data_large_content(tool, tmp_path):
    big = os.urandom(3 * 1024 * 1024 + 17)
    srcs = [DataFd(big, kind, tmp_path) for kind in ('pipe', 'file', 'memfd')]
    try:
        opts = ['--file', srcs[0].fd, '/a', '--bind-data', srcs[1].fd, '/b',
                '--ro-bind-data', srcs[2].fd, '/c']
        out = ok(tool.sh('sha256sum /a /b /c', opts, pass_fds=[s.fd for s in srcs]))
    finally:
        for s in srcs:
            s.close()
    assert [line.split()[0] for line in out.splitlines()] == \
        [hashlib.sha256(big).hexdigest()] * 3


def test_ro_bind_data_refuses_writes(tool):
    fd = sealed_memfd(b'read only\n', 'data')
    try:
        r = tool.sh('cat /ro; echo changed > /ro && echo wrote; cat /ro',
                    ['--ro-bind-data', fd, '/ro'], pass_fds=(fd,))
    finally:
        os.close(fd)
    assert ok(r) == 'read only\nread only\n'
    assert 'Read-only file system' in r.stderr


def test_bind_data_and_file_are_writable_copies(tool, tmp_path):
    source = tmp_path / 'source'
    source.write_bytes(b'original\n')
    fds = [os.open(str(source), os.O_RDONLY | os.O_CLOEXEC) for _ in range(2)]
    try:
        out = ok(tool.sh('echo changed > /bd && cat /bd; echo changed > /f && cat /f',
                         ['--bind-data', fds[0], '/bd', '--file', fds[1], '/f'],
                         pass_fds=fds))
    finally:
        for fd in fds:
            os.close(fd)
    assert out == 'changed\nchanged\n'
    assert source.read_bytes() == b'original\n'


# -- --bind-fd, --ro-bind-fd ---------------------------------------------------------

@pytest.mark.parametrize('op', ['--bind-fd', '--ro-bind-fd'])
def test_bind_fd_survives_swap_for_symlink(tool, tmp_path, op):
    orig = tmp_path / 'dir'
    elsewhere = tmp_path / 'elsewhere'
    for d, text in ((orig, 'original\n'), (elsewhere, 'elsewhere\n')):
        d.mkdir()
        (d / 'f').write_text(text)
    fd = os.open(str(orig), os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        # The name now leads elsewhere; the fd still holds the directory.
        os.rename(str(orig), str(tmp_path / 'moved-away'))
        os.symlink(str(elsewhere), str(orig))
        r = tool.sh('cat /mnt/f; test -L /mnt && echo symlink; '
                    'echo written > /mnt/new && echo wrote; exit 0',
                    [op, fd, '/mnt'], pass_fds=(fd,))
    finally:
        os.close(fd)
    out = ok(r)
    if op == '--bind-fd':
        assert out == 'original\nwrote\n'
        assert (tmp_path / 'moved-away' / 'new').read_text() == 'written\n'
    else:
        assert out == 'original\n'
        assert 'Read-only file system' in r.stderr
        assert not (tmp_path / 'moved-away' / 'new').exists()
    assert not (elsewhere / 'new').exists()


# -- --userns, --userns2, --pidns: a Flatpak sub-sandbox ----------------------------

PROBE = r'''
stat -L -c %i /proc/self/ns/user /proc/self/ns/pid
for p in /proc/[0-9]*; do
  tr '\0' ' ' < $p/cmdline; echo
done
unshare -U true && echo nested-userns-ok || echo nested-userns-refused
'''


def open_ns(path):
    return os.open(path, os.O_RDONLY | os.O_CLOEXEC)


@pytest.mark.parametrize('disable', [False, True], ids=['plain', 'disable-userns'])
def test_sub_sandbox_joins_user_and_pid_namespaces(tool, disable):
    # The app's sandbox, shaped as Flatpak's: its own user and pid
    # namespaces, /dev (so a nested user namespace on bwrap), and its outer
    # user namespace exposed at /run/.userns.
    first_opts = ['--unshare-user', '--unshare-pid', '--tmpfs', '/run',
                  '--ro-bind-try', '/proc/self/ns/user', '/run/.userns']
    if disable:
        first_opts.append('--disable-userns')
    else:
        first_opts += nesting(tool)
    marker = 'first-sandbox-marker'
    r, w = os.pipe()
    try:
        first = Running([tool.path] + tool.usr + first_opts +
                        ['--info-fd', w, 'sh', '-c', WAIT, marker], pass_fds=(w,))
    finally:
        os.close(w)
    fds = []
    with first:
        try:
            info = json.loads(read_to_eof(r))
        finally:
            os.close(r)
        first.read_line()
        child = info['child-pid']
        assert ns_inode(child, 'pid') == info['pid-namespace']
        userns = ns_inode(child, 'user')
        pidns = info['pid-namespace']
        try:
            outer = open_ns('/proc/%d/root/run/.userns' % child)
            fds.append(outer)
            nested = open_ns('/proc/%d/ns/user' % child)
            fds.append(nested)
            pid = open_ns('/proc/%d/ns/pid' % child)
            fds.append(pid)
            # The command runs in a nested user namespace when the outer one
            # must map uid 0 for devpts but the command's uid is another (a
            # non-root caller), and always with --disable-userns.
            has_nested = os.fstat(outer).st_ino != userns
            assert has_nested == (os.geteuid() != 0 or disable)
            args = ['--userns', outer]
            if has_nested:
                args += ['--userns2', nested]
            args += ['--pidns', pid]
            if disable:
                args.append('--assert-userns-disabled')
            else:
                args += nesting(tool)
            if tool is SB:
                args.append('--share-pid')
            second = run(tool.usr + args + ['sh', '-c', PROBE], prog=tool.path,
                         pass_fds=fds)
        finally:
            for fd in fds:
                os.close(fd)
        out = ok(second)
        status, _, err = first.release()
    assert (status, err) == (0, '')
    lines = out.splitlines()
    assert [int(x) for x in lines[:2]] == [userns, pidns]
    # The first sandbox's command (and init) are visible from the second.
    cmdlines = lines[2:-1]
    assert any(marker in c for c in cmdlines), cmdlines
    assert lines[-1] == ('nested-userns-refused' if disable else 'nested-userns-ok')


def test_join_without_nested_user_namespace(tool):
    # No --dev: a single user namespace, joined with --userns alone.
    first_opts = ['--unshare-user', '--unshare-pid'] + nesting(tool)
    with_root = list(tool.usr_nodev)
    r, w = os.pipe()
    try:
        first = Running([tool.path] + with_root + first_opts +
                        ['--info-fd', w, 'sh', '-c', WAIT, 'lonely-marker'], pass_fds=(w,))
    finally:
        os.close(w)
    with first:
        try:
            info = json.loads(read_to_eof(r))
        finally:
            os.close(r)
        first.read_line()
        child = info['child-pid']
        fds = [open_ns('/proc/%d/ns/user' % child), open_ns('/proc/%d/ns/pid' % child)]
        want = [ns_inode(child, 'user'), info['pid-namespace']]
        try:
            args = ['--userns', fds[0], '--pidns', fds[1]] + nesting(tool)
            if tool is SB:
                args.append('--share-pid')
            second = run(with_root + args + ['sh', '-c', PROBE], prog=tool.path,
                         pass_fds=fds)
        finally:
            for fd in fds:
                os.close(fd)
        out = ok(second)
        status, _, err = first.release()
    assert (status, err) == (0, '')
    lines = out.splitlines()
    assert [int(x) for x in lines[:2]] == want
    assert any('lonely-marker' in c for c in lines[2:-1]), out
    assert lines[-1] == 'nested-userns-ok'


# -- --disable-userns, --assert-userns-disabled --------------------------------------

def nesting(tool):
    """Lets the sandbox personality create namespaces inside, as bwrap does."""
    return ['--allow-nesting'] if tool is SB else []


def no_nesting_filter(tool):
    """Leaves --disable-userns alone to stop nesting: the sandbox
    personality's default seccomp policy would refuse unshare() first."""
    return ['--seccomp-profile', 'none'] if tool is SB else []


def test_disable_userns_makes_unshare_fail(tool):
    r = tool.sh('unshare -U true && echo nested-userns-ok; exit 0',
                ['--unshare-user', '--disable-userns'] + no_nesting_filter(tool))
    assert ok(r) == ''
    # bwrap's way: user.max_user_namespaces is 1 in the sandbox's outer
    # user namespace, and the command already runs in a nested one.
    assert 'No space left on device' in r.stderr


def test_disable_userns_with_default_policy(tool):
    r = tool.sh('unshare -U true && echo nested-userns-ok; exit 0',
                ['--unshare-user', '--disable-userns'])
    assert ok(r) == ''
    assert 'unshare failed' in r.stderr


def test_without_disable_userns_unshare_works(tool):
    assert ok(tool.sh('unshare -U true && echo nested-userns-ok',
                      ['--unshare-user'] + nesting(tool))) == 'nested-userns-ok\n'


def test_assert_userns_disabled_passes_when_disabled(tool):
    for extra in ([], no_nesting_filter(tool)):
        assert ok(tool.sh('echo ran', ['--unshare-user', '--disable-userns',
                                       '--assert-userns-disabled'] + extra)) == 'ran\n'


def test_assert_userns_disabled_fails_otherwise(tool):
    r = tool.sh('echo ran', ['--unshare-user', '--assert-userns-disabled'] + nesting(tool))
    assert (r.returncode, r.stdout) == (1, '')
    assert r.stderr == '%s creation of new user namespaces was not disabled as requested\n' \
        % tool.prefix


# -- overlays ------------------------------------------------------------------------

@pytest.fixture
def layers(tmp_path):
    """Two lower layers sharing the name `a` (plus one name each)."""
    made = []
    for n in ('1', '2'):
        d = tmp_path / ('L' + n)
        d.mkdir()
        (d / 'a').write_text('L%s\n' % n)
        (d / ('only' + n)).write_text(n + '\n')
        made.append(d)
    return made


def tree(path):
    """{relative path: content or None for directories} under PATH."""
    found = {}
    for top, dirs, files in os.walk(str(path)):
        for name in dirs + files:
            full = os.path.join(top, name)
            rel = os.path.relpath(full, str(path))
            st = os.lstat(full)
            if stat.S_ISREG(st.st_mode):
                with open(full, 'rb') as f:
                    found[rel] = f.read()
            else:
                found[rel] = stat.S_IFMT(st.st_mode)
    return found


def srcs(*dirs):
    out = []
    for d in dirs:
        out += ['--overlay-src', d]
    return out


def test_overlay_writes_land_in_upper(tool, tmp_path, layers):
    upper, work = tmp_path / 'upper', tmp_path / 'work'
    upper.mkdir()
    work.mkdir()
    lower_before = [tree(d) for d in layers]
    out = ok(tool.sh('cat /dst/a /dst/only1 /dst/only2; echo new > /dst/new; '
                     'echo changed > /dst/a; rm /dst/only1; ls /dst',
                     srcs(*layers) + ['--overlay', upper, work, '/dst']))
    # Bottom first: the later --overlay-src (L2) wins the clash.
    assert out == 'L2\n1\n2\na\nnew\nonly2\n'
    assert (upper / 'new').read_text() == 'new\n'
    assert (upper / 'a').read_text() == 'changed\n'
    # The deletion is a whiteout in the upper layer: a 0:0 character device.
    st = os.lstat(str(upper / 'only1'))
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
    assert [tree(d) for d in layers] == lower_before


def test_overlay_upper_content_shows_through(tool, tmp_path, layers):
    upper, work = tmp_path / 'upper', tmp_path / 'work'
    upper.mkdir()
    work.mkdir()
    (upper / 'a').write_text('from upper\n')
    out = ok(tool.sh('cat /dst/a /dst/only1',
                     srcs(*layers) + ['--overlay', upper, work, '/dst']))
    assert out == 'from upper\n1\n'


def test_tmp_overlay_writes_vanish(tool, tmp_path, layers, host_state):
    before = tree(tmp_path)
    opts = srcs(*layers) + ['--tmp-overlay', '/dst']
    out = ok(tool.sh('echo new > /dst/new; echo changed > /dst/a; rm /dst/only1; '
                     'cat /dst/new /dst/a; ls /dst', opts))
    assert out == 'new\nchanged\na\nnew\nonly2\n'
    assert tree(tmp_path) == before
    # A second run starts from the layers again.
    assert ok(tool.sh('cat /dst/a; ls /dst', opts)) == 'L2\na\nonly1\nonly2\n'
    host_state.assert_unchanged()


@pytest.mark.parametrize('order', ['1-2', '2-1'])
def test_ro_overlay_refuses_writes_and_orders_layers(tool, tmp_path, layers, order):
    stack = layers if order == '1-2' else layers[::-1]
    before = tree(tmp_path)
    r = tool.sh('cat /dst/a; ls /dst; echo x > /dst/new && echo wrote; '
                'rm /dst/only1 && echo removed; exit 0',
                srcs(*stack) + ['--ro-overlay', '/dst'])
    top = 'L2' if order == '1-2' else 'L1'
    assert ok(r) == '%s\na\nonly1\nonly2\n' % top
    assert r.stderr.count('Read-only file system') == 2
    assert tree(tmp_path) == before


def test_ro_overlay_needs_two_sources(tool, layers):
    r = tool.sh('echo ran', srcs(layers[0]) + ['--ro-overlay', '/dst'])
    assert (r.returncode, r.stdout) == (1, '')
    assert r.stderr.startswith(tool.prefix)


# -- SELinux labels ------------------------------------------------------------------

@pytest.mark.parametrize('option', ['--exec-label', '--file-label'])
def test_labels_refused_without_selinux(tool, option):
    if os.path.exists('/sys/fs/selinux/enforce'):
        pytest.skip('SELinux is enabled on this host')
    r = tool.sh('echo ran', [option, 'system_u:object_r:container_file_t:s0'])
    assert (r.returncode, r.stdout) == (1, '')
    assert r.stderr == '%s labeling not supported on this system\n' % tool.prefix
