"""The mission's example, both personalities, --version and --help."""

import os
import re

import pytest

from sbtest import (BW, BWRAP, MERGED_USR_LINKS, SANDBOX, SB, ok, run)


def test_mission_example_merged_usr():
    # Exactly the README's example: no --dev, no symlinks given by hand.
    r = run(['--ro-bind', '/usr', '/usr', '--proc', '/proc',
             'sh', '-c', 'echo hello from $(basename "$0")'])
    assert ok(r) == 'hello from sh\n'
    assert r.stderr == ''


def test_both_personalities_run_a_command(tool):
    r = tool.sh('echo works; exit 0')
    assert ok(r) == 'works\n'


@pytest.mark.skipif(not MERGED_USR_LINKS,
                    reason='the host has no merged-/usr symlinks (/bin -> usr/bin)')
def test_sandbox_adds_merged_usr_symlinks():
    script = 'for p in %s; do printf "%%s %%s\\n" "$p" "$(readlink "$p")"; done' % (
        ' '.join(path for _, path in MERGED_USR_LINKS))
    out = ok(run(['--ro-bind', '/usr', '/usr', '/usr/bin/sh', '-c', script]))
    expected = ''.join('%s %s\n' % (path, target)
                       for target, path in MERGED_USR_LINKS)
    assert out == expected


@pytest.mark.skipif(not MERGED_USR_LINKS,
                    reason='the host has no merged-/usr symlinks (/bin -> usr/bin)')
def test_sandbox_does_not_add_a_symlink_the_plan_creates():
    # /bin made by the plan itself stays a directory; the others still come.
    script = ('test -d /bin && ! test -L /bin && echo bin-is-dir; '
              'test -L /lib && echo lib-is-link')
    out = ok(run(['--ro-bind', '/usr', '/usr', '--dir', '/bin',
                  '/usr/bin/sh', '-c', script]))
    assert out == 'bin-is-dir\nlib-is-link\n'


@pytest.mark.skipif(not MERGED_USR_LINKS,
                    reason='the host has no merged-/usr symlinks (/bin -> usr/bin)')
def test_bwrap_personality_adds_no_symlinks():
    # bwrap's behaviour: only what the command line asks for.  The dynamic
    # loader needs /lib64 (or /lib), so give those two by hand.
    links = []
    for target, path in MERGED_USR_LINKS:
        if path.startswith('/lib'):
            links += ['--symlink', target, path]
    script = 'test -e /bin && echo bin-exists; test -e /sbin && echo sbin-exists; echo done'
    out = ok(run(['--ro-bind', '/usr', '/usr'] + links +
                 ['/usr/bin/sh', '-c', script], prog=BWRAP))
    assert out == 'done\n'


def test_root_contains_only_what_was_asked(tool):
    expected = {'usr', 'proc', 'dev'}
    expected |= {path.lstrip('/') for _, path in MERGED_USR_LINKS}
    out = ok(tool.sh('ls -A /'))
    assert set(out.split()) == expected


def test_version_sandbox():
    r = run(['--version'])
    assert r.returncode == 0
    assert re.fullmatch(r'sandbox \d+\.\d+\.\d+ \(bubblewrap 0\.11\.1 compatible\)\n',
                        r.stdout), r.stdout
    assert r.stderr == ''


def test_version_bwrap():
    r = run(['--version'], prog=BWRAP)
    assert r.returncode == 0
    assert r.stdout == 'bubblewrap 0.11.1\n'
    assert r.stderr == ''


@pytest.mark.parametrize('option', [
    '--ro-bind', '--bind', '--dev-bind', '--tmpfs', '--proc', '--dev',
    '--unshare-all', '--share-net', '--uid', '--gid', '--hostname', '--chdir',
    '--setenv', '--unsetenv', '--clearenv', '--die-with-parent', '--as-pid-1',
    '--new-session', '--cap-add', '--cap-drop', '--argv0', '--level-prefix',
    '--perms', '--size', '--symlink', '--chmod', '--remount-ro', '--dir',
])
def test_help_lists_option(tool, option):
    r = tool.run(['--help'])
    assert r.returncode == 0
    assert re.search(r'(^|\s)%s(\s|$)' % re.escape(option), r.stdout), \
        '%s missing from --help' % option


def test_help_starts_with_usage(tool):
    r = tool.run(['--help'])
    assert r.returncode == 0
    # bwrap prints its argv[0] as invoked (a full path here).
    name = os.path.basename(tool.path)
    assert re.match(r'usage: (\S*/)?%s ' % re.escape(name), r.stdout), r.stdout[:200]


def test_personality_follows_argv0_basename(tmp_path):
    # A copy named bwrap (not only our symlink) is the bwrap personality;
    # a link with any other name is the sandbox personality.
    other = tmp_path / 'my-sandbox'
    other.symlink_to(SANDBOX)
    assert run(['--version'], prog=str(other)).stdout.startswith('sandbox ')
    named = tmp_path / 'bwrap'
    named.symlink_to(SANDBOX)
    assert run(['--version'], prog=str(named)).stdout == 'bubblewrap 0.11.1\n'


def test_prefix_of_messages(tool):
    r = tool.run(['--frobnicate'])
    assert r.returncode == 1
    assert r.stderr == tool.prefix + ' Unknown option --frobnicate\n', r.stderr


def test_personality_objects_are_distinct():
    # Guards the fixtures: the two personalities must not be the same binary
    # name, or every "both personalities" test would test one twice.
    assert os.path.basename(SB.path) == 'sandbox'
    assert os.path.basename(BW.path) == 'bwrap'


def test_double_dash_ends_options(tool):
    out = ok(tool.run(tool.usr + ['--', 'sh', '-c', 'echo after-dashes']))
    assert out == 'after-dashes\n'


def test_command_starting_with_dashes_after_double_dash(tool):
    # After --, "--weird" is the command, not an option.
    r = tool.run(tool.usr + ['--', '--sbtest-weird-command'])
    assert r.returncode == 1
    assert r.stderr.startswith('%s execvp --sbtest-weird-command: %s'
                               % (tool.prefix, os.strerror(2))), r.stderr


def test_command_arguments_are_not_options(tool):
    out = ok(tool.run(tool.usr + ['sh', '-c', 'echo "$@"', 'sh', '--bind', '--help']))
    assert out == '--bind --help\n'


FDS = 'ls -l /proc/self/fd'


def fds_of_ls(out):
    """The fd numbers in `ls -l /proc/self/fd` output, minus ls's own
    handle on that directory."""
    fds = []
    for line in out.splitlines():
        if ' -> ' not in line:
            continue
        left, target = line.split(' -> ', 1)
        if re.fullmatch(r'/proc/\d+/fd', target):
            continue
        fds.append(int(left.split()[-1]))
    return sorted(fds)


def test_only_caller_fds_reach_the_command(tool):
    # Our own fds never leak; an inherited fd without close-on-exec does.
    r_fd, w_fd = os.pipe()
    try:
        os.set_inheritable(w_fd, True)
        r = tool.run(tool.usr + ['sh', '-c', FDS], pass_fds=(w_fd,))
    finally:
        os.close(r_fd)
        os.close(w_fd)
    assert fds_of_ls(ok(r)) == [0, 1, 2, w_fd]


def test_no_fd_leaks_without_passed_fds(tool):
    assert fds_of_ls(ok(tool.sh(FDS))) == [0, 1, 2]
