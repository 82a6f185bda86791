"""Which namespaces are new, per personality and option; --hostname."""

import ctypes
import os
import socket

import pytest

from sbtest import BW, IS_ROOT, SB, ok

KINDS = ['user', 'mnt', 'pid', 'ipc', 'net', 'uts', 'cgroup']

SCRIPT = 'for k in %s; do readlink /proc/self/ns/$k; done' % ' '.join(KINDS)


def host_ns():
    return {k: os.readlink('/proc/self/ns/' + k) for k in KINDS}


def inside_ns(tool, opts=()):
    out = ok(tool.sh(SCRIPT, list(opts))).split()
    assert len(out) == len(KINDS), out
    return dict(zip(KINDS, out))


def new_kinds(tool, opts=()):
    host = host_ns()
    inside = inside_ns(tool, opts)
    return {k for k in KINDS if inside[k] != host[k]}


def cgroupns_supported():
    return os.path.exists('/proc/self/ns/cgroup')


def test_sandbox_personality_unshares_everything():
    assert new_kinds(SB) == set(KINDS)


def test_bwrap_personality_unshares_only_mount_and_user():
    expected = {'mnt'} if IS_ROOT else {'mnt', 'user'}
    assert new_kinds(BW) == expected


def test_bwrap_unshare_all(tool):
    # --unshare-all under either name: every namespace (user: try for root).
    assert new_kinds(tool, ['--unshare-all']) >= {'mnt', 'pid', 'ipc', 'net', 'uts', 'cgroup'}


@pytest.mark.parametrize('kind,option', [
    ('ipc', '--unshare-ipc'), ('pid', '--unshare-pid'), ('net', '--unshare-net'),
    ('uts', '--unshare-uts'), ('cgroup', '--unshare-cgroup'),
    ('cgroup', '--unshare-cgroup-try'), ('user', '--unshare-user'),
    ('user', '--unshare-user-try'),
])
def test_bwrap_single_unshare(kind, option):
    kinds = new_kinds(BW, [option])
    assert kind in kinds
    expected = {'mnt', kind} if IS_ROOT else {'mnt', 'user', kind}
    assert kinds == expected


@pytest.mark.parametrize('kind,option', [
    ('net', '--share-net'), ('ipc', '--share-ipc'), ('pid', '--share-pid'),
    ('uts', '--share-uts'), ('cgroup', '--share-cgroup'),
])
def test_sandbox_share_option(kind, option):
    kinds = new_kinds(SB, [option])
    assert kinds == set(KINDS) - {kind}


def test_share_net_cancels_earlier_unshare_all(tool):
    assert 'net' not in new_kinds(tool, ['--unshare-all', '--share-net'])


def test_unshare_after_share_net_wins(tool):
    # Order-dependent like bwrap's: a later --unshare-net is honoured.
    assert 'net' in new_kinds(tool, ['--share-net', '--unshare-net'])


def test_hostname(tool):
    opts = ['--unshare-uts'] if tool is BW else []
    out = ok(tool.sh('cat /proc/sys/kernel/hostname; uname -n',
                     opts + ['--hostname', 'sbtest-host']))
    assert out == 'sbtest-host\nsbtest-host\n'


def test_hostname_does_not_change_host(tool):
    before = socket.gethostname()
    opts = ['--unshare-uts'] if tool is BW else []
    ok(tool.sh('true', opts + ['--hostname', 'sbtest-other']))
    assert socket.gethostname() == before


def test_new_uts_keeps_host_name_by_default():
    # A new uts namespace starts as a copy: same name unless --hostname.
    out = ok(SB.sh('uname -n'))
    assert out.strip() == socket.gethostname()


@pytest.fixture
def host_shm_segment():
    """A SysV shared memory segment on the host; yields its id."""
    libc = ctypes.CDLL(None, use_errno=True)
    ipc_private, ipc_creat, ipc_rmid = 0, 0o1000, 0
    shmid = libc.shmget(ipc_private, 4096, ipc_creat | 0o600)
    if shmid < 0:
        pytest.skip('shmget failed on the host: errno %d' % ctypes.get_errno())
    yield shmid
    libc.shmctl(shmid, ipc_rmid, None)


def shm_ids(text):
    return {line.split()[1] for line in text.splitlines()[1:] if line.strip()}


def test_host_ipc_invisible_in_new_ipc_namespace(tool, host_shm_segment):
    opts = ['--unshare-ipc'] if tool is BW else []
    inside = shm_ids(ok(tool.sh('cat /proc/sysvipc/shm', opts)))
    assert str(host_shm_segment) not in inside


def test_host_ipc_visible_when_shared(tool, host_shm_segment):
    # The contrast: sharing the ipc namespace shows the host's segment.
    opts = ['--share-ipc'] if tool is SB else []
    inside = shm_ids(ok(tool.sh('cat /proc/sysvipc/shm', opts)))
    assert str(host_shm_segment) in inside
