"""Every error path: one line naming the problem, exit 1, nothing left behind."""

import ctypes
import errno
import fcntl
import os
import platform
import re
import select
import socket
import struct
import subprocess
import threading

import pytest

from sbtest import BW, HostState, IS_ROOT, SB


def elf_interpreter(path):
    """The PT_INTERP of an ELF64 little-endian executable, or None."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
        return None
    phoff, = struct.unpack_from('<Q', data, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    for i in range(phnum):
        off = phoff + i * phentsize
        p_type, = struct.unpack_from('<I', data, off)
        if p_type == 3:  # PT_INTERP
            p_offset, = struct.unpack_from('<Q', data, off + 8)
            p_filesz, = struct.unpack_from('<Q', data, off + 32)
            return data[p_offset:p_offset + p_filesz].rstrip(b'\0').decode()
    return None


ENOENT_TEXT = os.strerror(2)
EACCES_TEXT = os.strerror(13)


def assert_error(tool, r, *needles):
    """Exit 1, nothing on stdout, exactly one line on stderr that starts with
    the personality's prefix and contains every needle."""
    assert r.returncode == 1, 'exit %d, stderr: %s' % (r.returncode, r.stderr)
    assert r.stdout == ''
    lines = r.stderr.splitlines()
    assert len(lines) == 1, 'expected one line, got:\n' + r.stderr
    assert lines[0].startswith(tool.prefix + ' '), lines[0]
    for needle in needles:
        assert needle in lines[0], '%r not in %r' % (needle, lines[0])
    return lines[0]


def run_failing(tool, args, *needles):
    before = HostState()
    r = tool.run(args)
    line = assert_error(tool, r, *needles)
    before.assert_unchanged()
    return line


# -- parse errors -------------------------------------------------------------

def test_unknown_option(tool):
    run_failing(tool, ['--frobnicate', 'true'], 'Unknown option --frobnicate')


def test_equals_form_is_not_accepted(tool):
    run_failing(tool, ['--chdir=/', 'true'], 'Unknown option --chdir=/')


@pytest.mark.parametrize('args,needle', [
    (['--bind', '/usr'], '--bind takes two arguments'),
    (['--ro-bind'], '--ro-bind takes two arguments'),
    (['--symlink', 'x'], '--symlink takes two arguments'),
    (['--setenv', 'A'], '--setenv takes two arguments'),
    (['--chmod', '0700'], '--chmod takes two arguments'),
    (['--tmpfs'], '--tmpfs takes an argument'),
    (['--chdir'], '--chdir takes one argument'),
    (['--hostname'], '--hostname takes an argument'),
])
def test_missing_option_argument(tool, args, needle):
    run_failing(tool, args, needle)


def test_no_arguments_at_all(tool):
    before = HostState()
    r = tool.run([])
    assert r.returncode == 1
    assert r.stdout == ''
    if tool is BW:
        # bwrap's usage text, naming the program as it was called.
        assert r.stderr.startswith('usage: %s [OPTIONS...] [--] COMMAND [ARGS...]\n\n'
                                   % tool.path), r.stderr
        assert '--ro-bind SRC DEST' in r.stderr
    else:
        assert r.stderr == ('sandbox: no COMMAND given: usage: sandbox [OPTIONS...] [--] '
                            'COMMAND [ARGS...] (sandbox --help lists the options)\n'), r.stderr
    before.assert_unchanged()


def test_options_but_no_command(tool):
    # bwrap prints its usage text; ours says in one line what the last
    # argument was taken for.
    before = HostState()
    r = tool.run(tool.usr)
    assert r.returncode == 1
    assert r.stdout == ''
    if tool is BW:
        assert r.stderr.startswith('usage: '), r.stderr
        assert '--ro-bind SRC DEST' in r.stderr
    else:
        assert r.stderr == ('sandbox: no COMMAND after the options ("/dev" was taken as the '
                            'DEST of --dev); sandbox --help lists the options\n'), r.stderr
    before.assert_unchanged()


def test_command_taken_as_a_value_is_named():
    # `sh` became the DEST of --bind: the line says so, instead of 78 lines
    # of usage.
    r = SB.run(['--bind', '/usr', 'sh'])
    assert_error(SB, r)
    assert r.stderr == ('sandbox: no COMMAND after the options ("sh" was taken as the DEST of '
                        '--bind); sandbox --help lists the options\n')


def test_no_command_after_a_flag():
    r = SB.run(SB.usr + ['--unshare-net'])
    assert_error(SB, r, 'no COMMAND after the options (the last one is --unshare-net)')


def test_equals_form_names_the_separate_form():
    r = SB.run(['--ro-bind=/usr', '/usr', 'true'])
    line = assert_error(SB, r)
    assert line == ('sandbox: Unknown option --ro-bind=/usr: write "--ro-bind SRC DEST", '
                    'each value a separate argument'), line
    r = SB.run(['--as-pid-1=yes', 'true'])
    assert assert_error(SB, r) == 'sandbox: Unknown option --as-pid-1=yes: --as-pid-1 takes no value'
    # bwrap's text stays bwrap's.
    r = BW.run(['--ro-bind=/usr', '/usr', 'true'])
    assert assert_error(BW, r) == 'bwrap: Unknown option --ro-bind=/usr'


def test_long_hostname_refused_before_anything_starts():
    # The kernel's limit is 64 bytes; bwrap only finds out in sethostname,
    # with the sandbox half built.  Ours refuses while parsing: no status
    # is ever written.
    r_fd, w_fd = os.pipe()
    try:
        r = SB.run(SB.usr + ['--unshare-uts', '--json-status-fd', str(w_fd),
                             '--hostname', 'h' * 65, 'true'], pass_fds=(w_fd,))
        os.close(w_fd)
        w_fd = None
        assert os.read(r_fd, 4096) == b''
    finally:
        os.close(r_fd)
        if w_fd is not None:
            os.close(w_fd)
    assert assert_error(SB, r) == ("sandbox: --hostname: 65 bytes is longer than the "
                                   "kernel's limit of 64")
    r = SB.run(SB.usr + ['--unshare-uts', '--hostname', 'h' * 64, 'hostname'])
    assert r.returncode == 0, r.stderr
    assert r.stdout == 'h' * 64 + '\n'


@pytest.mark.parametrize('option', ['--seccomp', '--add-seccomp-fd'])
def test_bad_seccomp_fd_names_its_option(tool, option, tmp_path):
    data = tmp_path / 'seven-bytes'
    data.write_bytes(b'1234567')
    fd = os.open(data, os.O_RDONLY)
    try:
        r = tool.run(tool.usr + [option, str(fd), 'true'], pass_fds=(fd,))
    finally:
        os.close(fd)
    line = assert_error(tool, r)
    text = '%s Invalid seccomp data, must be multiple of 8' % tool.prefix
    assert line == (text if tool is BW else '%s (%s %d)' % (text, option, fd)), line


@pytest.mark.parametrize('option', ['--info-fd', '--json-status-fd'])
def test_status_write_failure_names_its_option(tool, option):
    # The read end of a pipe: writing the status fails with EBADF.
    r_fd, w_fd = os.pipe()
    try:
        r = tool.run(tool.usr + [option, str(r_fd), 'true'], pass_fds=(r_fd,))
    finally:
        os.close(r_fd)
        os.close(w_fd)
    line = assert_error(tool, r)
    name = 'info_fd' if tool is BW else option
    assert line == '%s Write to %s: %s' % (tool.prefix, name, os.strerror(9)), line


@pytest.mark.parametrize('args', [['--help'], ['--version'], ['--seccomp-print']])
@pytest.mark.parametrize('stdout', ['full', 'closed'])
def test_output_to_a_full_or_closed_stdout_fails(tool, args, stdout):
    # A reader that got a truncated --help or policy must not see success.
    if stdout == 'full':
        with open('/dev/full', 'w') as full:
            r = subprocess.run([tool.path] + args, stdout=full, stderr=subprocess.PIPE,
                               text=True, timeout=60)
        errno_text = os.strerror(28)
    else:
        r = subprocess.run(['sh', '-c', 'exec "$@" >&-', 'sh', tool.path] + args,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        errno_text = os.strerror(9)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stderr == '%s writing to standard output: %s\n' % (tool.prefix, errno_text)


@pytest.mark.parametrize('args, option, text', [
    (['--perms', '0700', '--ro-bind', '/usr', '/usr', 'true'], '--perms',
     '--perms must be followed by an option that creates a file'),
    (['--perms', '9999', '--dir', '/x', 'true'], '--perms',
     '--perms takes an octal argument <= 07777'),
    (['--perms', '0700', '--perms', '0700', '--dir', '/x', 'true'], '--perms',
     '--perms given twice for the same action'),
    (['--size', '0', '--tmpfs', '/t', 'true'], '--size',
     '--size takes a non-zero number of bytes'),
    (['--size', 'lots', '--tmpfs', '/t', 'true'], '--size',
     '--size takes a non-zero number of bytes'),
    (['--size', '1024', '--dir', '/t', 'true'], '--size', '--size must be followed by --tmpfs'),
    (['--uid', 'abc', 'true'], '--uid', 'Invalid uid: abc'),
    (['--gid', '-1', 'true'], '--gid', 'Invalid gid: -1'),
    (['--chmod', 'rwx', '/x', 'true'], '--chmod', '--chmod takes an octal argument <= 07777'),
])
def test_bad_values(tool, args, option, text):
    # A text that starts with the option's name is the same under both.
    line = run_failing(tool, args)
    if text.startswith(option + ' '):
        assert line == '%s %s' % (tool.prefix, text), line
    else:
        assert line == tool.error(option, text), line


def test_unknown_capability(tool):
    line = run_failing(tool, ['--cap-add', 'CAP_BOGUS', 'true'])
    assert line == ('bwrap: unknown cap: CAP_BOGUS' if tool is BW else
                    'sandbox: --cap-add: unknown capability "CAP_BOGUS" (a name of '
                    'capabilities(7), e.g. CAP_NET_BIND_SERVICE, or ALL)'), line


@pytest.mark.parametrize('args,needle', [
    (['--hostname', 'x', 'true'], '--hostname requires --unshare-uts'),
    (['--as-pid-1', 'true'], '--as-pid-1 requires --unshare-pid'),
])
def test_bwrap_requirements(args, needle):
    run_failing(BW, BW.usr + args, needle)


@pytest.mark.skipif(not IS_ROOT, reason='needs root (a non-root caller always gets a user namespace)')
def test_bwrap_uid_requires_userns():
    run_failing(BW, BW.usr + ['--uid', '5', 'true'], '--uid requires --unshare-user')


def test_sandbox_share_pid_with_as_pid_1_fails():
    line = run_failing(SB, SB.usr + ['--share-pid', '--as-pid-1', 'true'])
    assert line == 'sandbox: Specifying --as-pid-1 requires --unshare-pid', line


# -- setup errors ----------------------------------------------------------------

@pytest.mark.parametrize('option', ['--bind', '--ro-bind', '--dev-bind'])
def test_missing_bind_source(tool, tmp_path, option):
    missing = str(tmp_path / 'does-not-exist')
    line = run_failing(tool, tool.usr + [option, missing, '/x', 'true'])
    assert line == tool.error(option, "Can't find source path %s: %s" % (missing, ENOENT_TEXT))


def test_missing_chdir(tool):
    line = run_failing(tool, tool.usr + ['--chdir', '/nonexistent-dir', 'true'])
    assert line == tool.error('--chdir', "Can't chdir to /nonexistent-dir: %s" % ENOENT_TEXT)


def test_chmod_missing_path(tool):
    line = run_failing(tool, tool.usr + ['--chmod', '0700', '/nonexistent-path', 'true'])
    assert line == tool.error('--chmod',
                              "Can't chmod 0700 /nonexistent-path: %s" % ENOENT_TEXT)


def test_remount_ro_missing_path(tool):
    line = run_failing(tool, tool.usr + ['--remount-ro', '/nonexistent-path', 'true'])
    assert line == tool.error('--remount-ro',
                              "Can't remount readonly on /nonexistent-path: %s" % ENOENT_TEXT)


def test_bind_file_onto_directory_fails_cleanly(tool, tmp_path):
    f = tmp_path / 'file'
    f.write_text('x')
    line = run_failing(tool, tool.usr + ['--bind', str(f), '/usr', 'true'])
    assert line == tool.error('--bind', "Can't create file at /usr: %s" % os.strerror(21))


def test_failure_after_many_ops_leaves_nothing(tool, tmp_path):
    # Late failure: after binds, tmpfs and dirs were made.
    missing = str(tmp_path / 'missing')
    args = tool.usr + ['--bind', str(tmp_path), '/data', '--tmpfs', '/t', '--dir', '/t/d',
                       '--bind', missing, '/late', 'true']
    line = run_failing(tool, args)
    assert line == tool.error('--bind', "Can't find source path %s: %s" % (missing, ENOENT_TEXT))
    assert os.listdir(tmp_path) == []


class FailingMkdirat:
    """Runs a program under a seccomp filter that hands every mkdirat(2) to
    this process (SECCOMP_RET_USER_NOTIF), which fails the ones whose last
    path component is NAME with EACCES and lets the others go on: a failure
    that no file system state of a fresh tmpfs can cause.  x86_64 only."""

    NR_MKDIRAT, NR_SECCOMP = 258, 317
    AUDIT_ARCH_X86_64 = 0xc000003e
    NOTIF_RECV, NOTIF_SEND = 0xc0502100, 0xc0182101
    NOTIF_SIZE = 80        # struct seccomp_notif
    FLAG_CONTINUE = 1      # SECCOMP_USER_NOTIF_FLAG_CONTINUE

    def __init__(self, name):
        if platform.machine() != 'x86_64':
            pytest.skip('the mkdirat filter is written for x86_64 system call numbers')
        self.name = os.fsencode(name)
        self.refused = []
        self.ours, self.theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.listener = None

    def _filter(self):
        insn = struct.Struct('HBBI')
        code = b''.join(insn.pack(*i) for i in (
            (0x20, 0, 0, 4),                        # A = arch
            (0x15, 0, 3, self.AUDIT_ARCH_X86_64),   # other arch: allow
            (0x20, 0, 0, 0),                        # A = nr
            (0x15, 0, 1, self.NR_MKDIRAT),          # other call: allow
            (0x06, 0, 0, 0x7fc00000),               # SECCOMP_RET_USER_NOTIF
            (0x06, 0, 0, 0x7fff0000)))              # SECCOMP_RET_ALLOW
        return code

    def install_in_child(self):
        """preexec_fn: the filter in the child, its listener fd sent back."""
        libc = ctypes.CDLL(None, use_errno=True)
        code = ctypes.create_string_buffer(self._filter())
        prog = struct.pack('HxxxxxxP', len(code.raw) // 8, ctypes.addressof(code))
        prog_buf = ctypes.create_string_buffer(prog)
        if libc.prctl(38, 1, 0, 0, 0) != 0:        # PR_SET_NO_NEW_PRIVS
            os._exit(126)
        fd = libc.syscall(self.NR_SECCOMP, 1, 8, prog_buf)  # SET_MODE_FILTER, NEW_LISTENER
        if fd < 0:
            os._exit(126)
        socket.send_fds(self.theirs, [b'l'], [fd])
        os.close(fd)

    def _path(self, pid, address):
        with open('/proc/%d/mem' % pid, 'rb', buffering=0) as mem:
            data = os.pread(mem.fileno(), 4096 - address % 4096, address)
        return data.split(b'\0', 1)[0]

    def _answer(self, notification):
        request, pid = struct.unpack_from('QI', notification)
        address = struct.unpack_from('Q', notification, 40)[0]   # data.args[1]
        try:
            path = self._path(pid, address)
        except OSError:
            path = b''
        if os.path.basename(path) == self.name:
            self.refused.append(path)
            answer = struct.pack('QqiI', request, 0, -errno.EACCES, 0)
        else:
            answer = struct.pack('QqiI', request, 0, 0, self.FLAG_CONTINUE)
        try:
            fcntl.ioctl(self.listener, self.NOTIF_SEND, answer)
        except OSError:
            pass    # the caller is gone

    def _serve(self):
        poller = select.poll()
        poller.register(self.listener, select.POLLIN)
        while True:
            events = poller.poll()
            if events and events[0][1] & select.POLLHUP:
                return      # no process under the filter is left
            notification = bytearray(self.NOTIF_SIZE)
            try:
                fcntl.ioctl(self.listener, self.NOTIF_RECV, notification, True)
            except OSError:
                continue    # the caller died meanwhile
            self._answer(notification)

    def run(self, argv):
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, preexec_fn=self.install_in_child)
        self.theirs.close()
        try:
            _, fds, _, _ = socket.recv_fds(self.ours, 16, 1)
        finally:
            self.ours.close()
        if not fds:
            proc.kill()
            proc.communicate()
            pytest.skip('a seccomp user-notification filter could not be installed')
        self.listener = fds[0]
        server = threading.Thread(target=self._serve, daemon=True)
        server.start()
        try:
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        server.join(10)
        os.close(self.listener)
        return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def test_dev_pts_directory_error_names_the_directory(tool):
    # bwrap says "devpts" where it means the directory pts: kept under its
    # name, ours names the directory and the option.
    before = HostState()
    failing = FailingMkdirat('pts')
    r = failing.run([tool.path] + tool.usr + ['true'])
    assert failing.refused == [b'pts'], failing.refused
    text = "Can't create /dev/%s: %s" % ('devpts' if tool is BW else 'pts', EACCES_TEXT)
    assert assert_error(tool, r) == tool.error('--dev', text)
    before.assert_unchanged()


# -- exec errors ---------------------------------------------------------------------
# Under the bwrap personality an exec failure is exactly bwrap's line (callers
# match it); under sandbox the line goes on with an explanation.


def assert_exec_line(tool, line, program, strerror):
    bwrap_line = '%s execvp %s: %s' % (BW.prefix, program, strerror)
    if tool is BW:
        assert line == bwrap_line, line
    else:
        assert line.startswith('%s execvp %s: %s (' % (SB.prefix, program, strerror)), line


def test_program_not_found(tool):
    line = run_failing(tool, tool.usr + ['sbtest-no-such-program'], 'sbtest-no-such-program')
    assert_exec_line(tool, line, 'sbtest-no-such-program', ENOENT_TEXT)
    if tool is SB:
        assert 'not found' in line.lower(), line


def test_absolute_program_not_found(tool):
    line = run_failing(tool, tool.usr + ['/usr/bin/sbtest-no-such-program'],
                       '/usr/bin/sbtest-no-such-program')
    if tool is BW:
        assert_exec_line(tool, line, '/usr/bin/sbtest-no-such-program', ENOENT_TEXT)
    else:
        assert line == ('sandbox: execvp /usr/bin/sbtest-no-such-program: %s '
                        '(/usr/bin/sbtest-no-such-program does not exist in the sandbox)'
                        % ENOENT_TEXT), line


def test_program_not_executable(tool, tmp_path):
    f = tmp_path / 'script.sh'
    f.write_text('#!/bin/sh\necho ran\n')
    f.chmod(0o644)
    line = run_failing(tool, tool.usr + ['--ro-bind', str(f), '/script.sh', '/script.sh'],
                       '/script.sh')
    assert_exec_line(tool, line, '/script.sh', EACCES_TEXT)


def test_program_is_a_directory(tool):
    line = run_failing(tool, tool.usr + ['/usr'], '/usr')
    if tool is BW:
        assert_exec_line(tool, line, '/usr', EACCES_TEXT)
    else:
        assert line == 'sandbox: execvp /usr: %s (/usr is a directory)' % EACCES_TEXT, line


def test_missing_elf_interpreter(tool):
    interp = elf_interpreter('/usr/bin/true')
    if interp is None:
        pytest.skip('/usr/bin/true is not a dynamic ELF64 executable')
    # /usr/bin but not /usr/lib*, and no /lib64 symlink: the kernel finds
    # the program but not its interpreter, and says ENOENT.
    line = run_failing(tool, ['--ro-bind', '/usr/bin', '/usr/bin', '/usr/bin/true'],
                       '/usr/bin/true')
    assert_exec_line(tool, line, '/usr/bin/true', ENOENT_TEXT)
    if tool is SB:
        # Our diagnosis names the missing interpreter.
        assert interp in line, line


def test_missing_script_interpreter(tool, tmp_path):
    f = tmp_path / 'script'
    f.write_text('#!/nonexistent/interpreter\n')
    f.chmod(0o755)
    line = run_failing(tool, tool.usr + ['--ro-bind', str(f), '/script', '/script'], '/script')
    assert_exec_line(tool, line, '/script', ENOENT_TEXT)
    if tool is SB:
        assert '/nonexistent/interpreter' in line, line


# -- --level-prefix ------------------------------------------------------------------

def test_level_prefix(tool, tmp_path):
    missing = str(tmp_path / 'missing')
    r = tool.run(['--level-prefix'] + tool.usr + ['--bind', missing, '/x', 'true'])
    assert r.returncode == 1
    text = "Can't find source path %s: %s" % (missing, ENOENT_TEXT)
    assert r.stderr == '<3>%s\n' % tool.error('--bind', text), r.stderr


def test_level_prefix_on_warning(tool):
    # "Only the last --X option will take effect" is a warning: <4>.
    r = tool.run(['--level-prefix'] + tool.usr + ['--chdir', '/', '--chdir', '/usr', 'true'])
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith('<4>' + tool.prefix + ' '), r.stderr


def test_last_wins_warning(tool):
    r = tool.run(tool.usr + ['--chdir', '/', '--chdir', '/usr', 'sh', '-c', 'pwd'])
    assert r.returncode == 0, r.stderr
    assert r.stdout == '/usr\n'
    assert 'Only the last --chdir option will take effect' in r.stderr


def test_error_does_not_leave_a_partial_command_run(tool, tmp_path):
    # A setup error happens before the command: the command never runs.
    r = tool.run(tool.usr + ['--bind', str(tmp_path), '/data',
                             '--chdir', '/nonexistent-dir',
                             'sh', '-c', 'touch /data/ran'])
    assert_error(tool, r)
    assert r.stderr == tool.error('--chdir', "Can't chdir to /nonexistent-dir: %s\n" % ENOENT_TEXT)
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(IS_ROOT, reason='root only tries a user namespace: run as a user')
def test_user_namespaces_refused_is_explained(system_bwrap):
    # Inside a bwrap with --disable-userns, creating a user namespace fails
    # as on hosts that forbid them: the message must say so and name the
    # likely causes.
    # --strict: without it ours confines in place instead (test_in_place.py).
    args = [system_bwrap.path, '--unshare-user', '--disable-userns',
            '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--',
            SB.path, '--strict'] + SB.usr + ['true']
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    if 'disable-userns' in r.stderr and r.stderr.startswith('bwrap:'):
        pytest.skip('the system bwrap cannot --disable-userns here: ' + r.stderr.strip())
    assert_error(SB, r)
    line = r.stderr.strip()
    assert 'namespace' in line.lower(), line
    # Here the cause is the namespace limit: it must be named as a sysctl
    # the user can look up.
    assert re.search(r'user\.max_(user|\*)_namespaces', line), line
