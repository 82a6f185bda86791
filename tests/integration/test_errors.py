"""Every error path: one line naming the problem, exit 1, nothing left behind."""

import os
import re
import struct
import subprocess

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
    assert 'usage' in r.stderr.lower()
    before.assert_unchanged()


def test_options_but_no_command(tool):
    before = HostState()
    r = tool.run(tool.usr)
    assert r.returncode == 1
    assert r.stdout == ''
    assert r.stderr != ''
    before.assert_unchanged()


@pytest.mark.parametrize('args,needle', [
    (['--perms', '0700', '--ro-bind', '/usr', '/usr', 'true'], '--perms'),
    (['--perms', '9999', '--dir', '/x', 'true'], '--perms'),
    (['--perms', '0700', '--perms', '0700', '--dir', '/x', 'true'], '--perms'),
    (['--size', '0', '--tmpfs', '/t', 'true'], '--size'),
    (['--size', 'lots', '--tmpfs', '/t', 'true'], '--size'),
    (['--size', '1024', '--dir', '/t', 'true'], '--size'),
    (['--uid', 'abc', 'true'], 'abc'),
    (['--cap-add', 'CAP_BOGUS', 'true'], 'CAP_BOGUS'),
    (['--chmod', 'rwx', '/x', 'true'], '--chmod'),
])
def test_bad_values(tool, args, needle):
    run_failing(tool, args, needle)


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
    run_failing(SB, SB.usr + ['--share-pid', '--as-pid-1', 'true'], '--as-pid-1')


# -- setup errors ----------------------------------------------------------------

def test_missing_bind_source(tool, tmp_path):
    missing = str(tmp_path / 'does-not-exist')
    run_failing(tool, tool.usr + ['--bind', missing, '/x', 'true'],
                missing, 'No such file or directory')


@pytest.mark.parametrize('option', ['--ro-bind', '--dev-bind'])
def test_missing_source_other_binds(tool, tmp_path, option):
    missing = str(tmp_path / 'does-not-exist')
    run_failing(tool, tool.usr + [option, missing, '/x', 'true'], missing)


def test_missing_chdir(tool):
    run_failing(tool, tool.usr + ['--chdir', '/nonexistent-dir', 'true'], '/nonexistent-dir')


def test_chmod_missing_path(tool):
    run_failing(tool, tool.usr + ['--chmod', '0700', '/nonexistent-path', 'true'],
                '/nonexistent-path')


def test_remount_ro_missing_path(tool):
    run_failing(tool, tool.usr + ['--remount-ro', '/nonexistent-path', 'true'],
                '/nonexistent-path')


def test_bind_file_onto_directory_fails_cleanly(tool, tmp_path):
    f = tmp_path / 'file'
    f.write_text('x')
    run_failing(tool, tool.usr + ['--bind', str(f), '/usr', 'true'])


def test_failure_after_many_ops_leaves_nothing(tool, tmp_path):
    # Late failure: after binds, tmpfs and dirs were made.
    args = tool.usr + ['--bind', str(tmp_path), '/data', '--tmpfs', '/t', '--dir', '/t/d',
                       '--bind', str(tmp_path / 'missing'), '/late', 'true']
    run_failing(tool, args, str(tmp_path / 'missing'))
    assert os.listdir(tmp_path) == []


# -- exec errors ---------------------------------------------------------------------
# Under the bwrap personality an exec failure is exactly bwrap's line (callers
# match it); under sandbox the line goes on with an explanation.

ENOENT_TEXT = os.strerror(2)
EACCES_TEXT = os.strerror(13)


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
    lines = r.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith('<3>' + tool.prefix + ' '), lines[0]


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
    assert r.returncode == 1
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(IS_ROOT, reason='root only tries a user namespace: run as a user')
def test_user_namespaces_refused_is_explained(system_bwrap):
    # Inside a bwrap with --disable-userns, creating a user namespace fails
    # as on hosts that forbid them: the message must say so and name the
    # likely causes.
    args = [system_bwrap.path, '--unshare-user', '--disable-userns',
            '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--',
            SB.path] + SB.usr + ['true']
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
