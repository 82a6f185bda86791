"""--sysctl: values written into the sandbox's own namespaces, read back
from inside; the host's values unchanged; every other key refused."""

import pytest

from sbtest import BW, IS_ROOT, SB, ok

PORT_START = '/proc/sys/net/ipv4/ip_unprivileged_port_start'
# A command that is not root binds port 80 on the sandbox's own loopback.
BIND_80 = ('python3 -c "import socket; s = socket.socket(); s.bind((\'127.0.0.1\', 80)); '
           'print(\'bound\', s.getsockname()[1])" && id -u')


def host_value(path):
    with open(path) as f:
        return f.read()


def unprivileged(tool):
    """Options that make the command another uid than 0, as both tools need them."""
    opts = ['--unshare-user', '--unshare-net'] if tool is BW else []
    return opts + (['--uid', '1000'] if IS_ROOT else [])


def test_unprivileged_port_start_lets_a_user_bind_80(tool):
    before = host_value(PORT_START)
    opts = unprivileged(tool)
    refused = tool.sh(BIND_80, opts)
    # Without the sysctl the kernel refuses (the test would pass vacuously).
    assert refused.returncode != 0 and 'Permission denied' in refused.stderr, refused
    out = ok(tool.sh(BIND_80, opts + ['--sysctl', 'net.ipv4.ip_unprivileged_port_start=80']))
    lines = out.split('\n')
    assert lines[0] == 'bound 80'
    assert lines[1] != '0'
    assert host_value(PORT_START) == before


@pytest.mark.parametrize('uid', ['0', '1000'])
def test_ipc_and_user_sysctls(uid):
    before = host_value('/proc/sys/kernel/shmmax')
    script = ('cat /proc/sys/kernel/shmmax /proc/sys/kernel/sem /proc/sys/fs/mqueue/msg_max '
              '/proc/sys/user/max_user_namespaces; id -u')
    out = ok(SB.sh(script, ['--unshare-user', '--uid', uid,
                            '--sysctl', 'kernel.shmmax=12345',
                            '--sysctl', 'kernel.sem=10 20 30 40',
                            '--sysctl', 'fs.mqueue.msg_max=20',
                            '--sysctl', 'user.max_user_namespaces=7']))
    assert out.split() == ['12345', '10', '20', '30', '40', '20', '7', uid]
    assert host_value('/proc/sys/kernel/shmmax') == before


def test_ipc_sysctl_with_subordinate_ids():
    # With --map-* the command is --uid already; the IPC sysctl is written
    # as 0 of the namespace all the same.
    if IS_ROOT:
        opts = ['--map-users', '0:300000:65536', '--map-groups', '0:300000:65536']
    else:
        opts = ['--map-auto']
    out = ok(SB.sh('cat /proc/sys/kernel/msgmnb; id -u',
                   opts + ['--uid', '1000', '--sysctl', 'kernel.msgmnb=4096']))
    assert out.split() == ['4096', '1000']


@pytest.mark.parametrize('key', ['kernel.panic=1', 'vm.overcommit_memory=1',
                                 'kernel.hostname=x', 'net/../../kernel/panic=1'])
def test_host_sysctls_refused(tool, host_state, key):
    result = tool.sh('true', ['--sysctl', key])
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(tool.prefix + ' --sysctl '), result.stderr
    host_state.assert_unchanged()


def test_shared_namespace_refused(host_state):
    result = SB.sh('true', ['--share-net', '--sysctl', 'net.ipv4.ip_forward=1'])
    assert result.returncode == 1
    assert result.stderr == ('sandbox: --sysctl net.ipv4.ip_forward: the sandbox has no net '
                             'namespace of its own to set it in (add --unshare-net, or drop '
                             '--share-*)\n')
    host_state.assert_unchanged()
