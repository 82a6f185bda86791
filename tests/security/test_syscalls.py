"""Kernel interfaces the default policy closes ("shocker", keyctl, bpf,
userfaultfd, clone3 and the new mount API: Flatpak CVE-2021-41133), host
processes (kill, ptrace), the host's abstract unix sockets, nested user
namespaces after --disable-userns, and the host's hostname."""

import os
import socket
import subprocess

import pytest

from sbtest import BW, IS_ROOT, SB
from attacklib import inside, new_pid_opts, unpriv_userns_opts

# ---------------------------------------------------------------------------
# System calls refused by the default policy, with the policy's errno.

SYSCALL_ATTACKS = r'''
KEY_SPEC_SESSION_KEYRING = -3
KEYCTL_GET_KEYRING_ID = 0
r, e = call('keyctl', KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1)
result['keyctl'] = e or 'ok'
r, e = call('add_key', 'user', 'sbtest', 'x', 1, KEY_SPEC_SESSION_KEYRING)
result['add_key'] = e or 'ok'
r, e = call('request_key', 'user', 'sbtest', 0, 0)
result['request_key'] = e or 'ok'
attr = ctypes.create_string_buffer(128)   # BPF_MAP_CREATE of nothing
r, e = call('bpf', 0, attr, 128)
result['bpf'] = e or 'ok'
r, e = call('userfaultfd', 0)
result['userfaultfd'] = e or 'ok'
# A handle of / (name_to_handle_at is harmless), then open_by_handle_at.
handle = ctypes.create_string_buffer(8 + 128)
ctypes.memmove(handle, (128).to_bytes(4, 'little'), 4)
mount_id = ctypes.c_int()
call('name_to_handle_at', -100, '/', handle, ctypes.byref(mount_id), 0)
r, e = call('open_by_handle_at', -100, handle, os.O_RDONLY)
result['open_by_handle_at'] = e or 'ok'
clone_args = ctypes.create_string_buffer(88)   # flags 0: would fork
r, e = call('clone3', clone_args, 88)
if r == 0:
    os._exit(0)
result['clone3'] = e or 'ok'
r, e = call('fsopen', 'tmpfs', 0)
result['fsopen'] = e or 'ok'
r, e = call('open_tree', -100, '/', 1)   # OPEN_TREE_CLONE
result['open_tree'] = e or 'ok'
params = ctypes.create_string_buffer(120)
r, e = call('io_uring_setup', 1, params)
result['io_uring_setup'] = e or 'ok'
'''

POLICY_ERRNO = {
    'keyctl': 'EPERM', 'add_key': 'EPERM', 'request_key': 'EPERM',
    'bpf': 'EPERM', 'userfaultfd': 'EPERM', 'open_by_handle_at': 'EPERM',
    'io_uring_setup': 'EPERM',
    'clone3': 'ENOSYS', 'fsopen': 'ENOSYS', 'open_tree': 'ENOSYS',
}


def test_default_policy_refuses_dangerous_syscalls():
    assert inside(SYSCALL_ATTACKS) == POLICY_ERRNO


def test_refusals_come_from_the_filter():
    # Without the policy the kernel answers otherwise: keyctl works (the
    # session keyring), clone3 forks, the new mount API exists.  So the
    # errnos above are the filter's, not the kernel's.
    res = inside(SYSCALL_ATTACKS, ['--seccomp-profile', 'none'])
    assert res['keyctl'] == 'ok', res
    assert res['clone3'] == 'ok', res
    assert res['fsopen'] != 'ENOSYS', res


def test_policy_applies_with_allow_nesting_too():
    # --allow-nesting only lifts the "nesting" group.
    assert inside(SYSCALL_ATTACKS, ['--allow-nesting']) == POLICY_ERRNO


# ---------------------------------------------------------------------------
# Host processes: invisible from a new pid namespace, so neither killed nor
# traced.

HOST_PROCESS_ATTACK = r'''
for pid in %(pids)r:
    for label, name, args in (('kill0', 'kill', (pid, 0)),
                              ('kill', 'kill', (pid, 9)),
                              ('ptrace', 'ptrace', (0x4206, pid, 0, 0)),
                              ('pidfd', 'pidfd_open', (pid, 0))):
        r, e = call(name, *args)
        result['%%s_%%d' %% (label, pid)] = e or 'ok'
        if name == 'pidfd_open' and r >= 0:
            os.close(r)
r, e = call('kill', -1, 9)   # everything this process may signal
result['kill_all'] = e or 'ok'
'''


@pytest.fixture
def host_sleeper():
    proc = subprocess.Popen(['sleep', '600'])
    yield proc
    proc.kill()
    proc.wait()


def test_host_processes_cannot_be_killed_or_traced(tool, host_sleeper):
    pids = [host_sleeper.pid, os.getpid()]
    script = HOST_PROCESS_ATTACK % {'pids': pids}
    res = inside(script, unpriv_userns_opts(tool) + new_pid_opts(tool), prog=tool.path)
    for pid in pids:
        for label in ('kill0', 'kill', 'ptrace', 'pidfd'):
            assert res['%s_%d' % (label, pid)] == 'ESRCH', (label, pid, res)
    assert host_sleeper.poll() is None, 'the host process was killed'


# ---------------------------------------------------------------------------
# A host abstract unix socket: a new network namespace has its own abstract
# namespace (the sandbox personality's default; bwrap's --unshare-net).

CONNECT = r'''
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
attempt('connect', s.connect, sys.argv[2].replace('@', '\0', 1))
'''


@pytest.fixture
def abstract_listener():
    name = '\0sbtest-%d-%d' % (os.getpid(), id(object()))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(name)
    s.listen(8)
    yield '@' + name[1:]
    s.close()


def connect_from_inside(tool, opts, name):
    script = CONNECT.replace('sys.argv[2]', repr(name))
    return inside(script, opts, prog=tool.path)['connect']


def test_host_abstract_socket_unreachable(tool, abstract_listener):
    opts = ['--unshare-net'] if tool is BW else []
    assert connect_from_inside(tool, opts, abstract_listener) == 'ECONNREFUSED'


def test_control_abstract_socket_reachable_when_shared(abstract_listener):
    # The same connection works with the host's network namespace: the
    # refusal above is the namespace's doing.
    assert connect_from_inside(SB, ['--share-net', '--share-abstract-sockets'],
                               abstract_listener) == 'ok'


# ---------------------------------------------------------------------------
# Nested user namespaces after --disable-userns.

NESTED_USERNS = r'''
CLONE_NEWUSER = 0x10000000
r, e = call('unshare', CLONE_NEWUSER)
result['unshare_user'] = e or 'ok'
fd = attempt('raise_limit', os.open, '/proc/sys/user/max_user_namespaces', os.O_WRONLY)
'''


@pytest.mark.parametrize('tool, opts, reason', [
    # The policy's "nesting" group refuses it first...
    (SB, ['--unshare-user', '--disable-userns'], 'EPERM'),
    # ...and under it, the kernel's limit (what bwrap relies on).
    (SB, ['--unshare-user', '--disable-userns', '--seccomp-profile', 'none'], 'ENOSPC'),
    (BW, ['--unshare-user', '--disable-userns'], 'ENOSPC'),
], ids=['sandbox', 'sandbox-no-policy', 'bwrap'])
def test_no_nested_userns_after_disable_userns(tool, opts, reason):
    res = inside(NESTED_USERNS, opts, prog=tool.path)
    assert res['unshare_user'] == reason, res
    # Nor can the limit be raised again from inside.
    assert res['raise_limit'] in ('EACCES', 'EROFS', 'EPERM'), res


def test_control_nested_userns_allowed_without_disable():
    res = inside(NESTED_USERNS, ['--allow-nesting'])
    assert res['unshare_user'] == 'ok', res


# ---------------------------------------------------------------------------
# The host's hostname.

SETHOSTNAME = r'''
r, e = call('sethostname', 'sbtest-evil', 11)
result['sethostname'] = e or 'ok'
result['hostname'] = os.uname().nodename
'''


@pytest.mark.parametrize('tool, opts, expected', [
    (SB, [], 'EPERM'),                                # capabilities dropped
    (SB, ['--share-uts'], 'EPERM'),                   # no capability over the host's uts
    (SB, ['--cap-add', 'CAP_SYS_ADMIN'], 'ok'),       # its own uts namespace only
    (BW, ['--unshare-user', '--unshare-uts'], 'EPERM' if not IS_ROOT else 'ok'),
    (BW, ['--unshare-user', '--share-uts'] if IS_ROOT else [], 'EPERM'),
], ids=['sandbox', 'sandbox-share-uts', 'sandbox-cap-sys-admin', 'bwrap-unshare-uts',
        'bwrap-share-uts'])
def test_host_hostname_unchanged(tool, opts, expected):
    # Without --dev: with it, the command runs in a nested user namespace
    # that does not own the uts namespace, and --cap-add cannot reach it.
    before = socket.gethostname()
    res = inside(SETHOSTNAME, opts, prog=tool.path, root=tool.usr_nodev)
    assert res['sethostname'] == expected, res
    if expected == 'ok':
        assert res['hostname'] == 'sbtest-evil'
    assert socket.gethostname() == before
