"""Helpers of the attack suite: run a Python attack script inside a sandbox
and get back what each attempt returned.

An attack script runs under the host's /usr/bin/python3 (the sandbox sees
the host's /usr).  It starts with PRELUDE, which gives it:
  call(NAME, *args) -> (return value, errno name or None), a raw syscall
  attempt(LABEL, fn, *args) records the errno name of an OSError (or 'ok')
  result[LABEL] = anything JSON-able
and prints `result` as JSON on its last line, which inside() returns as a dict.
"""

import json
import platform

import pytest

import sbtest

# System call numbers the attacks use, for the architectures we test on.
SYSCALLS = {
    'x86_64': {
        'ioctl': 16, 'ptrace': 101, 'mount': 165, 'umount2': 166,
        'sethostname': 170, 'add_key': 248, 'request_key': 249, 'keyctl': 250,
        'unshare': 272, 'name_to_handle_at': 303, 'open_by_handle_at': 304,
        'bpf': 321, 'userfaultfd': 323, 'io_uring_setup': 425,
        'open_tree': 428, 'move_mount': 429, 'fsopen': 430,
        'pidfd_open': 434, 'clone3': 435, 'pidfd_getfd': 438,
        'mount_setattr': 442, 'kill': 62,
    },
    'aarch64': {
        'ioctl': 29, 'ptrace': 117, 'mount': 40, 'umount2': 39,
        'sethostname': 161, 'add_key': 217, 'request_key': 218, 'keyctl': 219,
        'unshare': 97, 'name_to_handle_at': 264, 'open_by_handle_at': 265,
        'bpf': 280, 'userfaultfd': 282, 'io_uring_setup': 425,
        'open_tree': 428, 'move_mount': 429, 'fsopen': 430,
        'pidfd_open': 434, 'clone3': 435, 'pidfd_getfd': 438,
        'mount_setattr': 442, 'kill': 129,
    },
}

PYTHON = '/usr/bin/python3'

PRELUDE = r'''
import ctypes, errno, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = json.loads(sys.argv[1])
result = {}

def _arg(a):
    if isinstance(a, int):
        return ctypes.c_ulong(a & 0xffffffffffffffff)
    if isinstance(a, str):
        return ctypes.c_char_p(a.encode())
    return a

def call(name, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(NR[name]), *[_arg(a) for a in args])
    e = ctypes.get_errno()
    return r, (errno.errorcode.get(e, str(e)) if r == -1 else None)

def attempt(label, fn, *args):
    try:
        value = fn(*args)
        result[label] = 'ok'
        return value
    except OSError as e:
        result[label] = errno.errorcode.get(e.errno, str(e.errno))
        return None

def done():
    sys.stdout.write('\n' + json.dumps(result) + '\n')
    sys.stdout.flush()
'''


def syscall_table():
    table = SYSCALLS.get(platform.machine())
    if table is None:
        pytest.skip('no syscall table for %s' % platform.machine())
    return table


def inside(script, opts=(), prog=None, root=None, expect_exit=0, **kw):
    """Runs PRELUDE + SCRIPT + done() with python3 inside a sandbox made of
    ROOT (default: sbtest.usr_for(prog)) then OPTS; returns the result dict."""
    prog = prog or sbtest.SANDBOX
    root = sbtest.usr_for(prog) if root is None else list(root)
    code = PRELUDE + script + '\ndone()\n'
    r = sbtest.run(root + list(opts) + [PYTHON, '-c', code,
                                        json.dumps(syscall_table())],
                   prog=prog, **kw)
    assert r.returncode == expect_exit, (
        'exit %d\nargs: %r\nstdout: %s\nstderr: %s' % (
            r.returncode, r.args[:-2], r.stdout, r.stderr))
    lines = [line for line in r.stdout.splitlines() if line.startswith('{')]
    assert lines, 'no result line\nstdout: %s\nstderr: %s' % (r.stdout, r.stderr)
    return json.loads(lines[-1])


def new_pid_opts(tool):
    """Options giving TOOL a pid namespace (the sandbox personality has one)."""
    return ['--unshare-pid'] if tool is sbtest.BW else []


def unpriv_userns_opts(tool):
    """bwrap's personality gives a non-root caller a user namespace anyway;
    root asks for one, to be confined like everyone else."""
    return ['--unshare-user'] if tool is sbtest.BW else []

