"""Old kernels and container seccomp profiles, for real: the tool run inside
an outer sandbox of its own (--allow-nesting) whose policy file
(--seccomp-profile) answers ENOSYS, or EPERM, for the calls that a kernel
before 5.12 or a container's profile lacks.  The tool inside must take its
fallbacks: close_range -> /proc/self/fd, openat2 -> the O_NOFOLLOW walk,
clone3 -> clone, pidfd_open -> waiting by pid, the new mount API -> mount(2).

A test takes the fixture `backend` (import it and `backends` into the test
module), which runs it once per backend:
    new-api   the tool as it is, on this kernel
    old-api   inside the outer sandbox, every call above ENOSYS
    hidden    the same with EPERM, as profiles older than the calls answer
and uses backend.sb / backend.bw (Personalities) or backend.of(tool), or
backend.outer to run a whole script inside the outer sandbox."""

import os

import pytest

import sbtest

HIDDEN_CALLS = (
    'close_range', 'openat2', 'clone3', 'pidfd_open', 'pidfd_send_signal',
    'open_tree', 'move_mount', 'mount_setattr', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
)


def policy_text(errno_name):
    """The outer sandbox's policy file: the default one, with nesting."""
    lines = ['include default']
    lines += ['deny %s %s  # as a kernel or a profile that predates it' % (call, errno_name)
              for call in HIDDEN_CALLS]
    return '\n'.join(lines) + '\n'


def outer_argv(policy_path, as_root=sbtest.IS_ROOT):
    """The outer sandbox around an inner command: the whole host tree with
    its /proc (a fresh procfs mounts only where one is fully visible), and
    for root every capability, so that the inner tool runs as root would."""
    argv = [sbtest.SANDBOX, '--allow-nesting', '--seccomp-profile', str(policy_path),
            '--bind', '/', '/']
    if as_root:
        argv += ['--cap-add', 'ALL']
    return argv + ['--']


class Backend:
    def __init__(self, name, sb, bw, outer=()):
        self.name = name
        self.sb = sb
        self.bw = bw
        self.outer = list(outer)  # the argv prefix that runs a command in the outer sandbox
        self.legacy = name != 'new-api'

    def of(self, tool):
        """This backend's Personality of the same name as TOOL."""
        return self.bw if tool.name == 'bwrap' else self.sb

    def __repr__(self):
        return self.name


def _wrapper(directory, name, outer, inner):
    """An executable DIRECTORY/NAME that runs INNER inside OUTER."""
    path = os.path.join(directory, name)
    with open(path, 'w') as f:
        f.write('#!/bin/sh\nexec %s %s "$@"\n'
                % (' '.join("'%s'" % a for a in outer), "'%s'" % inner))
    os.chmod(path, 0o755)
    return path


def _make_backend(name, errno_name, base):
    if errno_name is None:
        return Backend(name, sbtest.SB, sbtest.BW)
    directory = str(base / name)
    os.mkdir(directory)
    policy = os.path.join(directory, 'policy')
    with open(policy, 'w') as f:
        f.write(policy_text(errno_name))
    outer = outer_argv(policy)
    sb = sbtest.Personality('sandbox', _wrapper(directory, 'sandbox', outer, sbtest.SANDBOX),
                            sbtest.USR, 'sandbox:')
    bw = sbtest.Personality('bwrap', _wrapper(directory, 'bwrap', outer, sbtest.BWRAP),
                            sbtest.BWRAP_USR, 'bwrap:')
    return Backend(name, sb, bw, outer)


_BACKENDS = (('new-api', None), ('old-api', 'ENOSYS'), ('hidden', 'EPERM'))


@pytest.fixture(scope='session')
def backends(tmp_path_factory):
    """{name: Backend}, made once."""
    base = tmp_path_factory.mktemp('backends')
    return {name: _make_backend(name, errno_name, base) for name, errno_name in _BACKENDS}


@pytest.fixture(params=[name for name, _ in _BACKENDS])
def backend(request, backends):
    return backends[request.param]
