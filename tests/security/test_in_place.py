"""Confinement in place: where the host refuses user namespaces, the sandbox
personality runs the command confined by Landlock and seccomp, without
namespaces (man sandbox, CONFINEMENT IN PLACE), and every way out fails.

The host is emulated: as root, the test makes a user namespace with a full
id map, sets user.max_user_namespaces to 0 in it (the limit is per user
namespace) and drops to an unprivileged uid there, which then cannot create
a user namespace (ENOSPC), as on a hardened host.
"""

import ctypes
import errno
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile

import pytest

import sbtest

pytestmark = pytest.mark.skipif(
    not sbtest.IS_ROOT,
    reason='emulating a host that refuses user namespaces needs root (a full id map)')

SANDBOX = sbtest.SANDBOX
PYTHON = '/usr/bin/python3'

try:
    UID = pwd.getpwnam('sandbox-test').pw_uid
except KeyError:
    UID = 65534


def landlock_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    # landlock_create_ruleset (NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    return max(0, libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint(1)))


# Runs argv[2:] as uid argv[1] in a user namespace with a full id map where
# no further user namespace can be made.  The parent writes the maps: only a
# process with CAP_SETUID in the parent namespace may map more than one id.
REFUSING_HOST = r'''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
uid = int(sys.argv[1])
ready_r, ready_w = os.pipe()
go_r, go_w = os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(0x10000000) != 0:
        os._exit(90)
    os.write(ready_w, b'x')
    os.read(go_r, 1)
    with open('/proc/sys/user/max_user_namespaces', 'w') as f:
        f.write('0')
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    os.execv(sys.argv[2], sys.argv[2:])
os.read(ready_r, 1)
for name in ('uid_map', 'gid_map'):
    with open('/proc/%d/%s' % (pid, name), 'w') as f:
        f.write('0 0 4294967295\n')
os.write(go_w, b'x')
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
'''


def on_refusing_host(argv, pass_fds=(), timeout=60):
    return subprocess.run([PYTHON, '-c', REFUSING_HOST, str(UID)] + list(argv),
                          capture_output=True, text=True, timeout=timeout, pass_fds=pass_fds)


def in_place(opts, pass_fds=()):
    return on_refusing_host([SANDBOX] + list(opts), pass_fds=pass_fds)


USR = ['--ro-bind', '/usr', '/usr']


def notices(stderr):
    return [line for line in stderr.splitlines() if 'running confined in place' in line]


def test_runs_confined_and_says_so():
    script = 'cat /proc/self/status; readlink /proc/self/ns/mnt /proc/self/ns/pid; id -u'
    r = in_place(USR + ['--proc', '/proc', 'sh', '-c', script])
    assert r.returncode == 0, r.stderr
    # One line, at start, saying how and why.
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and notices(r.stderr) == lines, r.stderr
    assert lines[0].startswith('sandbox: ')
    assert 'max_user_namespaces' in lines[0]
    assert 'Landlock ABI %d' % landlock_abi() in lines[0]
    status = sbtest.proc_status(r.stdout)
    assert status['NoNewPrivs'] == '1'
    assert status['Seccomp'] == '2'
    caps = sbtest.cap_fields(status)
    assert caps['CapEff'] == caps['CapPrm'] == caps['CapAmb'] == caps['CapInh'] == 0
    out = r.stdout.split()
    # No namespace of ours: the host's mount and pid namespaces.
    assert os.readlink('/proc/self/ns/mnt') in out
    assert os.readlink('/proc/self/ns/pid') in out
    assert out[-1] == str(UID)


def test_status_says_landlock():
    r_info, w_info = os.pipe()
    r_json, w_json = os.pipe()
    try:
        r = in_place(USR + ['--info-fd', str(w_info), '--json-status-fd', str(w_json),
                            'sh', '-c', 'exit 3'], pass_fds=(w_info, w_json))
    finally:
        os.close(w_info)
        os.close(w_json)
    with os.fdopen(r_info) as f:
        info = json.load(f)
    with os.fdopen(r_json) as f:
        lines = [json.loads(line) for line in f]
    assert r.returncode == 3, r.stderr
    assert info['confinement'] == 'landlock'
    assert info['landlock-abi'] == landlock_abi()
    assert not [key for key in info if key.endswith('-namespace')]
    assert lines[0] == info
    assert lines[-1] == {'exit-code': 3}


FS_REFUSED = [
    (['--bind', '/tmp', '/mnt'], '--bind /tmp /mnt'),
    (['--tmpfs', '/tmp'], '--tmpfs /tmp'),
    (['--dir', '/x'], '--dir /x'),
    (['--symlink', 'usr/lib', '/lib'], '--symlink /lib'),
    (['--remount-ro', '/usr'], '--remount-ro /usr'),
    (['--overlay-src', '/usr', '--tmp-overlay', '/usr'], '--tmp-overlay /usr'),
    (['--proc', '/p'], '--proc /p'),
    (['--bind', '/tmp', '/tmp', '--ro-bind', '/tmp/x', '/tmp/x'], '--ro-bind /tmp/x'),
]
# Checked after the file system, whose options keep their order.
OTHER_REFUSED = [
    (['--hostname', 'box'], '--hostname'),
    (['--uid', '0'], '--uid 0'),
    (['--unshare-pid'], '--unshare-pid'),
    (['--unshare-all'], '--unshare-all'),
]


@pytest.mark.parametrize('opts,named,later', [case + (['--tmpfs', '/later'],) for case in FS_REFUSED]
                         + [case + ([],) for case in OTHER_REFUSED])
def test_refuses_what_needs_a_mount_namespace(opts, named, later):
    # The first such option is named, and nothing runs.
    r = in_place(USR + opts + later + ['sh', '-c', 'echo ran'])
    assert r.returncode == 1
    assert r.stdout == ''
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith('sandbox: %s: ' % named), r.stderr
    assert 'max_user_namespaces' in lines[0]


def test_strict_refuses():
    r = in_place(['--strict'] + USR + ['sh', '-c', 'echo ran'])
    assert (r.returncode, r.stdout) == (1, '')
    assert r.stderr.startswith('sandbox: --strict: ') and len(r.stderr.splitlines()) == 1


def test_bwrap_personality_does_not_fall_back():
    r = on_refusing_host([sbtest.BWRAP] + USR + ['sh', '-c', 'echo ran'])
    assert (r.returncode, r.stdout) == (1, '')
    assert r.stderr.startswith('bwrap: Creating new namespace failed'), r.stderr


def test_landlock_missing_refuses():
    """An outer sandbox, itself confined in place, whose policy answers
    ENOSYS for landlock_create_ruleset: the inner one must refuse, not run
    unconfined."""
    with tempfile.NamedTemporaryFile('w', suffix='.policy', dir='/tmp') as policy:
        policy.write('include default\ndeny landlock_create_ruleset ENOSYS\n')
        policy.flush()
        os.chmod(policy.name, 0o644)
        r = in_place(['--seccomp-profile', policy.name, '--allow-nesting', '--ro-bind', '/', '/',
                      SANDBOX] + USR + ['sh', '-c', 'echo ran'])
    assert r.returncode == 1, r.stderr
    assert r.stdout == ''
    inner = [line for line in r.stderr.splitlines() if not notices(line)]
    assert len(inner) == 1, r.stderr
    assert inner[0].startswith('sandbox: cannot run confined in place: Landlock is not available')


ATTACKS = r'''
import ctypes, errno, json, os, signal, socket, subprocess, sys
bound, ro, port, abstract, host_pid = sys.argv[1:6]
port, host_pid = int(port), int(host_pid)
libc = ctypes.CDLL(None, use_errno=True)
result = {}

def attempt(label, fn):
    try:
        fn()
        result[label] = 'ok'
    except OSError as e:
        result[label] = errno.errorcode.get(e.errno, str(e.errno))

def write(path):
    with open(path, 'w') as f:
        f.write('escaped')

def read(path):
    with open(path) as f:
        f.read()

def ptrace_attach():
    if libc.ptrace(16, host_pid, None, None) != 0:
        raise OSError(ctypes.get_errno(), 'ptrace')

def connect_unix(name):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(name)

def tcp():
    socket.create_connection(('127.0.0.1', port), timeout=2).close()

def udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b'escaped', ('127.0.0.1', port))

attempt('write-bound', lambda: write(bound + '/inside'))
attempt('read-ro', lambda: os.listdir(ro))
attempt('write-ro', lambda: write(ro + '/inside'))
attempt('write-outside', lambda: write('/tmp/escaped-%d' % os.getpid()))
attempt('mkdir-outside', lambda: os.mkdir('/var/tmp/escaped-%d' % os.getpid()))
attempt('read-shadow', lambda: read('/etc/shadow'))
attempt('read-passwd', lambda: read('/etc/passwd'))
attempt('list-root', lambda: os.listdir('/root'))
attempt('list-home', lambda: os.listdir('/home'))
attempt('dotdot-write', lambda: write(bound + '/../escaped'))
attempt('dotdot-read', lambda: os.listdir(bound + '/..'))
attempt('symlink-read', lambda: read(bound + '/etc-link/passwd'))
attempt('symlink-write', lambda: write(bound + '/tmp-link/escaped'))
attempt('kill-host', lambda: os.kill(host_pid, signal.SIGCONT))
attempt('kill-host-0', lambda: os.kill(host_pid, 0))
attempt('ptrace-host', ptrace_attach)
attempt('mem-host', lambda: open('/proc/%d/mem' % host_pid, 'rb').close())
attempt('abstract', lambda: connect_unix('\0' + abstract))
attempt('tcp', tcp)
attempt('udp', udp)
attempt('inet6', lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close())
attempt('netlink', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close())
attempt('packet', lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close())
attempt('unix-pair', lambda: [s.close() for s in socket.socketpair()])
print(json.dumps(result))
'''


@pytest.fixture
def arena():
    """A directory the sandbox binds read-write (owned by the unprivileged
    uid, with symlinks out and a setuid-root copy of id), one it binds
    read-only, both reachable by that uid."""
    # Not under /tmp, which the test runner mounts nosuid.
    top = tempfile.mkdtemp(prefix='sbtest-inplace-', dir='/var/tmp')
    os.chmod(top, 0o755)
    bound = os.path.join(top, 'bound')
    ro = os.path.join(top, 'ro')
    os.mkdir(bound)
    os.mkdir(ro)
    os.chown(bound, UID, UID)
    with open(os.path.join(ro, 'file'), 'w') as f:
        f.write('read me')
    os.symlink('/etc', os.path.join(bound, 'etc-link'))
    os.symlink('/tmp', os.path.join(bound, 'tmp-link'))
    setuid_id = os.path.join(bound, 'setuid-id')
    shutil.copy('/usr/bin/id', setuid_id)
    os.chmod(setuid_id, 0o4755)
    yield top, bound, ro
    shutil.rmtree(top)


@pytest.fixture
def listeners():
    """A TCP listener and a UDP socket on 127.0.0.1 (one port), and an
    abstract unix socket, on the host."""
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(('127.0.0.1', 0))
    tcp.listen(1)
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(('127.0.0.1', port))
    udp.setblocking(False)
    name = 'sbtest-inplace-%d' % os.getpid()
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind('\0' + name)
    abstract.listen(1)
    yield port, name, udp
    for s in (tcp, udp, abstract):
        s.close()


def test_attacks_fail(arena, listeners):
    top, bound, ro = arena
    port, abstract, udp = listeners
    # A host process of the same uid, outside the sandbox, started and
    # ended by the shell that runs the sandbox.
    shell = ('sleep 60 & host=$!; "$@" "$host"; rc=$?; kill "$host"; exit "$rc"')
    r = on_refusing_host(['/bin/sh', '-c', shell, 'sh', SANDBOX] + USR +
                         ['--proc', '/proc', '--dev', '/dev', '--bind', bound, bound,
                          '--ro-bind', ro, ro,
                          PYTHON, '-c', ATTACKS, bound, ro, str(port), abstract])
    assert r.returncode == 0, r.stderr
    assert len(notices(r.stderr)) == 1, r.stderr
    result = json.loads(r.stdout.splitlines()[-1])

    # What the binds grant works.
    assert result['write-bound'] == 'ok'
    assert result['read-ro'] == 'ok'
    assert result['unix-pair'] == 'ok'
    # Everything else fails.
    for label in ('write-ro', 'write-outside', 'mkdir-outside', 'read-shadow', 'read-passwd',
                  'list-root', 'list-home', 'dotdot-write', 'dotdot-read', 'symlink-read',
                  'symlink-write'):
        assert result[label] == 'EACCES', (label, result)
    for label in ('kill-host', 'kill-host-0', 'ptrace-host'):
        assert result[label] == 'EPERM', (label, result)
    assert result['mem-host'] in ('EACCES', 'EPERM'), result
    assert result['abstract'] == 'EPERM', result
    for label in ('tcp', 'udp', 'inet6', 'netlink', 'packet'):
        assert result[label] == 'EAFNOSUPPORT', (label, result)
    # Nothing came out.
    with pytest.raises(BlockingIOError):
        udp.recv(64)
    assert sorted(os.listdir(top)) == ['bound', 'ro']
    assert not [n for n in os.listdir('/tmp') if n.startswith('escaped-')]
    assert not [n for n in os.listdir('/var/tmp') if n.startswith('escaped-')]
    assert sorted(os.listdir(ro)) == ['file']


def test_setuid_gains_nothing(arena):
    top, bound, ro = arena
    setuid_id = os.path.join(bound, 'setuid-id')
    # The control: outside the sandbox, the same uid gains root by the
    # setuid copy, so a failure inside is the sandbox's doing.
    control = on_refusing_host([setuid_id, '-u'])
    if control.stdout.strip() != '0':
        pytest.skip('setuid programs gain nothing here even outside (a nosuid %s?)' % top)
    r = in_place(USR + ['--bind', bound, bound, setuid_id, '-u'])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(UID)


def test_share_net_keeps_the_network(listeners):
    port, abstract, udp = listeners
    script = ('import socket; socket.create_connection(("127.0.0.1", %d), timeout=5).close(); '
              'print("connected")' % port)
    r = in_place(USR + ['--share-net', PYTHON, '-c', script])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == 'connected'
