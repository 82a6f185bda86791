"""--tmpfs, --dir, --symlink, --chmod, --perms, --size, --proc, --dev, --mqueue."""

import pytest

from sbtest import BW, IS_ROOT, ok

MIB = 1024 * 1024


def stat_modes(tool, paths, opts):
    out = ok(tool.sh('stat -c "%%a %%n" %s' % ' '.join(paths), opts))
    return dict(reversed(line.split(' ', 1)) for line in out.splitlines())


def fs_type(tool, path, opts):
    return ok(tool.sh('stat -f -c %%T %s' % path, opts)).strip()


# -- --tmpfs ---------------------------------------------------------------------

def test_tmpfs_default(tool):
    out = ok(tool.sh('stat -c %a /t; stat -f -c %T /t; echo x > /t/f && cat /t/f',
                     ['--tmpfs', '/t']))
    assert out == '755\ntmpfs\nx\n'


def test_tmpfs_is_nosuid_nodev(tool):
    out = ok(tool.sh('cat /proc/self/mountinfo', ['--tmpfs', '/t']))
    flags = [line.split()[5] for line in out.splitlines() if line.split()[4] == '/t']
    assert flags and {'nosuid', 'nodev'} <= set(flags[-1].split(','))


def test_tmpfs_perms(tool):
    assert stat_modes(tool, ['/t'], ['--perms', '0700', '--tmpfs', '/t']) == {'/t': '700'}
    assert stat_modes(tool, ['/t'], ['--perms', '1777', '--tmpfs', '/t']) == {'/t': '1777'}


@pytest.mark.parametrize('dest', ['/tmp', '/var/tmp'])
def test_tmpfs_on_tmp_is_shared_under_sandbox(tool, dest):
    # Programs that drop to another uid need a /tmp everyone may write to;
    # bwrap's 0755 stays under its name.
    expected = '755' if tool is BW else '1777'
    assert stat_modes(tool, [dest], ['--tmpfs', dest]) == {dest: expected}
    assert stat_modes(tool, [dest], ['--perms', '0700', '--tmpfs', dest]) == {dest: '700'}


def test_tmpfs_size(tool):
    out = ok(tool.sh('stat -f -c "%b %S" /t', ['--size', str(MIB), '--tmpfs', '/t']))
    blocks, bsize = (int(x) for x in out.split())
    assert blocks * bsize == MIB


def test_tmpfs_size_is_enforced(tool):
    r = tool.sh('head -c %d /dev/zero > /t/big; echo "rc=$?"' % (2 * MIB),
                ['--size', str(MIB), '--tmpfs', '/t'])
    out = ok(r)
    assert 'rc=0' not in out
    assert 'No space left on device' in r.stderr


def test_size_applies_to_next_tmpfs_only(tool):
    out = ok(tool.sh('stat -f -c "%b %S" /a /b',
                     ['--size', str(MIB), '--tmpfs', '/a', '--tmpfs', '/b']))
    sizes = [int(b) * int(s) for b, s in (line.split() for line in out.splitlines())]
    assert sizes[0] == MIB
    assert sizes[1] != MIB


def test_perms_applies_to_next_op_only(tool):
    modes = stat_modes(tool, ['/a', '/b', '/t'],
                       ['--perms', '0700', '--dir', '/a', '--dir', '/b', '--tmpfs', '/t'])
    assert modes == {'/a': '700', '/b': '755', '/t': '755'}


# -- --dir --------------------------------------------------------------------

def test_dir_default_mode(tool):
    assert stat_modes(tool, ['/d'], ['--dir', '/d']) == {'/d': '755'}


def test_dir_perms_exact(tool):
    # The mode is exact, not filtered by the caller's umask.
    modes = stat_modes(tool, ['/a', '/b'],
                       ['--perms', '0777', '--dir', '/a', '--perms', '0750', '--dir', '/b'])
    assert modes == {'/a': '777', '/b': '750'}


def test_dir_parents(tool):
    modes = stat_modes(tool, ['/x', '/x/y', '/x/y/z'], ['--dir', '/x/y/z'])
    assert modes == {'/x': '755', '/x/y': '755', '/x/y/z': '755'}


def test_dir_parents_narrowed_by_perms(tool):
    # bwrap: parents are 0755, or narrower when --perms removes group/other bits.
    modes = stat_modes(tool, ['/x', '/x/y', '/x/y/z'],
                       ['--perms', '0700', '--dir', '/x/y/z'])
    assert modes == {'/x': '700', '/x/y': '700', '/x/y/z': '700'}


def test_dir_existing_keeps_mode(tool):
    modes = stat_modes(tool, ['/t'], ['--perms', '0700', '--tmpfs', '/t', '--dir', '/t'])
    assert modes == {'/t': '700'}


def test_dir_is_writable_by_the_sandboxed_user(tool):
    out = ok(tool.sh('echo x > /d/f && cat /d/f', ['--dir', '/d']))
    assert out == 'x\n'


# -- --symlink ------------------------------------------------------------------

def test_symlink(tool):
    out = ok(tool.sh('readlink /l; readlink /a/b/rel; cat /l/os-release >/dev/null && echo ok',
                     ['--symlink', '/usr/lib', '/l', '--symlink', '../x', '/a/b/rel']))
    assert out == '/usr/lib\n../x\nok\n'


def test_symlink_identical_twice_is_fine(tool):
    # Since bwrap 0.9.0 an identical existing symlink is not an error.
    out = ok(tool.sh('readlink /l', ['--symlink', 'usr/lib', '/l', '--symlink', 'usr/lib', '/l']))
    assert out == 'usr/lib\n'


def test_symlink_over_different_symlink_fails(tool):
    r = tool.sh('echo ran', ['--symlink', 'a', '/l', '--symlink', 'b', '/l'])
    assert r.returncode == 1
    assert r.stdout == ''
    # bwrap's text: the existing link's target follows.
    assert r.stderr == tool.error('--symlink', "Can't make symlink at /l: existing destination "
                                               'is a\n'), r.stderr


# -- --chmod ---------------------------------------------------------------------

def test_chmod(tool):
    modes = stat_modes(tool, ['/d'], ['--dir', '/d', '--chmod', '0701', '/d'])
    assert modes == {'/d': '701'}


def test_chmod_follows_symlinks(tool):
    out = ok(tool.sh('stat -c %a /d; readlink /l',
                     ['--dir', '/d', '--symlink', 'd', '/l', '--chmod', '0711', '/l']))
    assert out == '711\nd\n'


def test_chmod_order(tool):
    # Ops run in order: a --dir after --chmod keeps the chmod'ed mode.
    modes = stat_modes(tool, ['/d'], ['--dir', '/d', '--chmod', '0700', '/d', '--dir', '/d'])
    assert modes == {'/d': '700'}


def test_chmod_after_proc_is_covered(tool):
    # A first --ro-bind / / runs the ops on the host's tree itself, where
    # the --tmpfs covers /proc: --chmod must not need /proc/self/fd there.
    out = ok(tool.run(['--ro-bind', '/', '/', '--tmpfs', '/proc', '--tmpfs', '/tmp',
                       '--chmod', '0700', '/tmp', 'stat', '-c', '%a', '/tmp']))
    assert out == '700\n'
    modes = stat_modes(tool, ['/d'], ['--tmpfs', '/proc', '--dir', '/d', '--chmod', '0701', '/d'])
    assert modes == {'/d': '701'}


# -- --proc, --dev, --mqueue -----------------------------------------------------------

def test_proc_is_procfs(tool):
    assert fs_type(tool, '/proc', []) == 'proc'


def test_proc_elsewhere(tool):
    out = ok(tool.sh('stat -f -c %T /myproc; test -r /myproc/self/status && echo ok',
                     ['--proc', '/myproc']))
    assert out == 'proc\nok\n'


def test_proc_sensitive_entries_refuse_writes(tool):
    # bwrap covers sys, sysrq-trigger, irq and bus with read-only binds when
    # they are writable (root with capabilities): whoever runs, writes fail.
    # "4" in drop_caches only silences its log message, should it pass.
    if tool is BW and IS_ROOT:
        pytest.skip('root in the bwrap personality keeps its capabilities and '
                    'the host\'s sysctls (as Debian\'s bwrap 0.8.0 does)')
    r = tool.sh('for f in /proc/sys/vm/drop_caches /proc/sys/kernel/ns_last_pid '
                '/proc/sysrq-trigger; do test -e $f || continue; '
                'if [ $f = /proc/sys/vm/drop_caches ]; then v=4; else v=0; fi; '
                '(echo $v > $f) 2>/dev/null && echo "wrote $f"; done; echo end')
    assert ok(r) == 'end\n'


def test_dev_contents(tool):
    out = ok(tool.sh('ls -A /dev'))
    names = set(out.split())
    assert {'null', 'zero', 'full', 'random', 'urandom', 'tty',
            'pts', 'ptmx', 'shm', 'fd', 'stdin', 'stdout', 'stderr'} <= names
    # Nothing of the host's /dev beyond that (no disks, no kmsg, no mem).
    assert names <= {'null', 'zero', 'full', 'random', 'urandom', 'tty',
                     'pts', 'ptmx', 'shm', 'fd', 'stdin', 'stdout', 'stderr',
                     'core', 'console', 'mqueue'}


def test_dev_nodes_work(tool):
    out = ok(tool.sh('echo x > /dev/null && head -c 8 /dev/urandom | wc -c; '
                     'head -c 4 /dev/zero | od -An -tx1; readlink /dev/fd /dev/stdin; '
                     'echo y > /dev/shm/f && cat /dev/shm/f'))
    assert out.split('\n') == ['8', ' 00 00 00 00', '/proc/self/fd', '/proc/self/fd/0',
                               'y', '']


def test_dev_full_is_full(tool):
    r = tool.sh('head -c 1 /dev/zero > /dev/full; echo end')
    assert ok(r) == 'end\n'
    assert 'No space left on device' in r.stderr


def test_dev_pts_gives_a_pty(tool):
    # devpts in the sandbox: opening ptmx makes a new pts entry.
    out = ok(tool.sh('stat -f -c %T /dev/pts; '
                     'exec 3<>/dev/ptmx && ls /dev/pts | grep -c "^[0-9]"'))
    lines = out.split()
    assert lines[0] == 'devpts'
    assert int(lines[1]) >= 1


def test_mqueue(tool):
    opts = ['--unshare-ipc'] if tool is BW else []
    assert fs_type(tool, '/dev/mqueue', opts + ['--mqueue', '/dev/mqueue']) == 'mqueue'


@pytest.mark.parametrize('op', [['--tmpfs', '/t'], ['--dir', '/t'],
                                ['--symlink', 'x', '/t']])
def test_ops_create_nothing_on_host(tool, op, host_state):
    ok(tool.sh('true', op))
    host_state.assert_unchanged()
