"""The shortcut for a first op binding the host's "/" onto "/" (rootfs.c): the
copy of the host's mounts that the new mount namespace holds becomes the new
root.  It must be indistinguishable from the general path (a tmpfs root, the
host's "/" cloned onto it, pivot_root): same mounts, flags, propagation,
working directory.  A --ro-bind-try of a missing source adds no mount but is
an op the shortcut does not take, so it forces the general path."""

import os
import re
import subprocess

import pytest

import sbouter
from sbouter import backends  # noqa: F401  (a fixture)
from sbtest import BWRAP, SB, ok, run

FORCE_GENERAL = ['--ro-bind-try', '/nonexistent-sandbox-test-source', '/x']
SCRIPT = 'cat /proc/self/mountinfo; echo "cwd $(pwd)"; ls -a /'


def _normalised(out):
    """Mountinfo with mount ids and devices replaced by their order of
    appearance (the ids of the host's copy differ from a clone's)."""
    ids, devs, result = {}, {}, []
    for line in out.splitlines():
        fields = line.split(' ', 3)
        if len(fields) < 4 or not fields[0].isdigit():
            result.append(line)
            continue
        mnt_id, parent, dev, rest = fields
        ids.setdefault(mnt_id, len(ids))
        devs.setdefault(dev, len(devs))
        result.append((ids[mnt_id], ids.get(parent, 'outside'), devs[dev], rest))
    return result


def _both(prog, root_op, later=(), prefix=()):
    """The normalised output of SCRIPT through the shortcut, then through the
    general path."""
    results = []
    for extra in ([], FORCE_GENERAL):
        argv = list(prefix) + [prog] + root_op + list(later) + extra + ['sh', '-c', SCRIPT]
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=60)
        assert proc.returncode == 0, (argv, proc.stderr)
        results.append(_normalised(proc.stdout))
    return results


ROOT_OPS = [['--ro-bind', '/', '/'], ['--bind', '/', '/'], ['--dev-bind', '/', '/']]


@pytest.mark.parametrize('root_op', ROOT_OPS, ids=lambda op: op[0])
@pytest.mark.parametrize('prog', [BWRAP, SB.path], ids=['bwrap', 'sandbox'])
def test_host_root_reused_as_the_general_path(prog, root_op):
    fast, general = _both(prog, root_op)
    assert fast == general


def test_later_ops_on_the_reused_root_as_the_general_path():
    later = ['--unshare-pid', '--unshare-ipc', '--tmpfs', '/tmp', '--proc', '/proc', '--dir', '/tmp/d',
             '--symlink', 'd', '/tmp/l', '--mqueue', '/tmp/mq', '--remount-ro', '/']
    fast, general = _both(BWRAP, ['--bind', '/', '/'], later)
    assert fast == general
    joined = '\n'.join(str(x) for x in fast)
    assert ' /tmp rw,nosuid,nodev' in joined and ' /tmp/mq ' in joined and ' /proc ' in joined


@pytest.mark.skipif(os.geteuid() != 0, reason='mounts on the host need root')
def test_shared_and_private_host_mounts_keep_their_propagation(tmp_path):
    """In a mount namespace of its own with shared mounts, as a host with
    systemd has them: the copies must be slaves in both paths."""
    point = tmp_path / 'shared'
    point.mkdir()
    (point / 'sub').mkdir()
    prefix = ['unshare', '-m', '--propagation', 'shared', 'sh', '-c',
              'mount -t tmpfs a "$0" && mkdir "$0/p" && mount -t tmpfs b "$0/p" '
              '&& mount --make-private "$0/p" && exec "$@"', str(point)]
    for prog in (BWRAP, SB.path):
        fast, general = _both(prog, ['--ro-bind', '/', '/'], prefix=prefix)
        assert fast == general
        mine = [x for x in fast if isinstance(x, tuple) and str(point) in x[3]]
        assert len(mine) == 2
        assert re.search(r' master:\d+ ', mine[0][3]), mine[0]
        assert ' master:' not in mine[1][3] and ' shared:' not in mine[1][3], mine[1]


@pytest.mark.skipif(os.geteuid() != 0, reason='mounts on the host need root')
def test_mount_over_the_callers_root_takes_the_general_path():
    """What is mounted over "/" after the caller's root was set is what the
    general path's clone shows; the shortcut must not show the root below."""
    script = ('mount -t tmpfs over / && exec "$@"')
    prefix = ['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh']
    for prog in (BWRAP, SB.path):
        proc = subprocess.run(prefix + [prog, '--ro-bind', '/', '/', '/usr/bin/true'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        # The general path: the tmpfs over "/" is the clone's top, and it
        # has no /usr/bin/true.
        assert proc.returncode == 1, proc.stderr
        # bwrap's line is bwrap's; ours explains.
        line = '%s: execvp /usr/bin/true: %s' % (os.path.basename(prog), os.strerror(2))
        if prog != BWRAP:
            line += ' (/usr/bin/true does not exist in the sandbox)'
        assert proc.stderr == line + '\n', proc.stderr


def test_reused_root_is_read_only_and_complete():
    out = ok(run(['--ro-bind', '/', '/', 'sh', '-c',
                  'ls -a /; touch /etc/sandbox-test-probe 2>/dev/null && echo WRITABLE; true'],
                 prog=BWRAP))
    assert 'WRITABLE' not in out
    assert sorted(out.split()) == sorted(['.', '..'] + os.listdir('/'))


def test_legacy_backend_takes_the_general_path_and_agrees(backends):
    """The same mount points; mount(2) cannot reach over-mounted copies to set
    their flags (test_rootfs.py), so only the points are compared."""
    fast = ok(run(['--ro-bind', '/', '/', 'cat', '/proc/self/mountinfo'], prog=BWRAP))
    legacy = ok(backends['old-api'].bw.run(['--ro-bind', '/', '/', 'cat', '/proc/self/mountinfo']))
    assert [line.split()[4] for line in fast.splitlines()] == [line.split()[4] for line in legacy.splitlines()]


@pytest.mark.skipif(os.geteuid() != 0,
                    reason='a mount under a directory that the caller cannot search needs root to make')
@pytest.mark.parametrize('as_root', [True, False], ids=['root', 'user'])
def test_legacy_ro_bind_root_skips_submounts_it_cannot_reach(tmp_path, as_root):
    """mount(2) remounts each submount of --ro-bind / / read-only, found by
    path; one under a directory that the caller may not search (another
    user's private mount, /run/user/UID/doc) is out of reach inside too, and
    is left as it is, as bwrap leaves it: not fatal.  Root in the sandbox's
    user namespace has no power over a directory of an unmapped owner."""
    private = tmp_path / 'private'
    private.mkdir()
    (private / 'm').mkdir()
    os.chown(private, 4242, 4242)
    os.chmod(private, 0o700)
    policy = tmp_path / 'policy'
    policy.write_text(sbouter.policy_text('ENOSYS'))
    policy.chmod(0o644)
    fd = os.open(policy, os.O_RDONLY)
    prefix = ['unshare', '-m', '--propagation', 'private', 'sh', '-c',
              'mount -t tmpfs unreachable "$0/m" && exec "$@"', str(private)]
    if not as_root:
        prefix += ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
    try:
        proc = subprocess.run(
            prefix + sbouter.outer_argv('/proc/self/fd/%d' % fd, as_root)
            + [SB.path, '--ro-bind', '/', '/', 'cat', '/proc/self/mountinfo'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
            pass_fds=(fd,))
    finally:
        os.close(fd)
    assert proc.returncode == 0, proc.stderr
    points = [line.split()[4] for line in proc.stdout.splitlines()]
    assert str(private / 'm') in points
