"""The network namespace: only lo, and up; the host's network unreachable."""

import ctypes
import errno
import os
import socket

import pytest

from sbtest import BW, SB, ok, which_in_usr

IP = which_in_usr('ip')


def host_interfaces():
    with open('/proc/net/dev') as f:
        return proc_net_dev_names(f.read())


def proc_net_dev_names(text):
    # /proc/net/dev: two header lines, then "  name: counters...".
    return sorted(line.split(':')[0].strip() for line in text.splitlines()[2:])


def new_net_opts(tool):
    return ['--unshare-net'] if tool is BW else []


def test_only_lo_in_new_net_namespace(tool):
    out = ok(tool.sh('cat /proc/net/dev', new_net_opts(tool)))
    assert proc_net_dev_names(out) == ['lo']


@pytest.mark.skipif(IP is None, reason='ip (iproute2) is missing')
def test_lo_is_up(tool):
    out = ok(tool.sh('%s -o link show' % IP, new_net_opts(tool)))
    lines = out.splitlines()
    assert len(lines) == 1, out
    name = lines[0].split(':')[1].strip()
    flags = lines[0].split('<')[1].split('>')[0].split(',')
    assert name == 'lo'
    assert 'UP' in flags and 'LOWER_UP' in flags
    out = ok(tool.sh('%s -o addr show dev lo' % IP, new_net_opts(tool)))
    assert '127.0.0.1/8' in out


def test_loopback_carries_traffic(tool):
    # A TCP round trip over 127.0.0.1 inside the new namespace.
    script = r'''
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
c = socket.create_connection(s.getsockname(), timeout=5)
a, _ = s.accept()
c.sendall(b"ping")
print(a.recv(4).decode())
'''
    r = tool.run(tool.usr + new_net_opts(tool) + ['/usr/bin/python3', '-c', script])
    if r.returncode != 0 and 'No such file' in r.stderr and 'python3' in r.stderr:
        pytest.skip('/usr/bin/python3 is missing')
    assert ok(r) == 'ping\n'


def test_share_net_sees_host_interfaces():
    out = ok(SB.sh('cat /proc/net/dev', ['--share-net']))
    assert proc_net_dev_names(out) == host_interfaces()


def test_bwrap_personality_shares_net_by_default():
    out = ok(BW.sh('cat /proc/net/dev'))
    assert proc_net_dev_names(out) == host_interfaces()


@pytest.fixture
def host_abstract_socket():
    """A listening abstract unix socket on the host; yields its name."""
    name = 'sbtest-abstract-%d' % os.getpid()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind('\0' + name)
    s.listen(8)
    yield name
    s.close()


def landlock_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    # landlock_create_ruleset (NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    return max(0, libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint(1)))


CONNECT = r'''
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect("\0" + sys.argv[1])
    print("connected")
except OSError as e:
    print("refused", e.errno)
'''


def test_host_abstract_socket_unreachable(tool, host_abstract_socket):
    r = tool.run(tool.usr + new_net_opts(tool) +
                 ['/usr/bin/python3', '-c', CONNECT, host_abstract_socket])
    assert ok(r).startswith('refused'), r.stdout


def test_share_net_scopes_host_abstract_sockets_away(host_abstract_socket):
    # The host's network, but not its abstract sockets (X11, D-Bus): Landlock
    # refuses a connection out of the sandbox's domain.
    if landlock_abi() < 6:
        pytest.skip('Landlock ABI 6 (abstract socket scoping) is missing')
    r = SB.run(SB.usr + ['--share-net', '/usr/bin/python3', '-c', CONNECT, host_abstract_socket])
    assert ok(r) == 'refused %d\n' % errno.EPERM, r.stdout


def test_host_abstract_socket_reachable_when_sharing(tool, host_abstract_socket):
    # The contrast, so that the test above can fail.
    opts = ['--share-net', '--share-abstract-sockets'] if tool is SB else []
    r = tool.run(tool.usr + opts + ['/usr/bin/python3', '-c', CONNECT, host_abstract_socket])
    assert ok(r) == 'connected\n'
