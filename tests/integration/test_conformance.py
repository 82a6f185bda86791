"""Side-by-side conformance: Debian's bubblewrap against our `bwrap` symlink.

Every case runs the same command line through /usr/bin/bwrap (0.8.0, the
reference) and through our `bwrap` symlink, then compares what the command
saw inside (by default the probe, conformance/probe.py, reports environment,
cwd, ids, id maps, capabilities, pids, namespaces, hostname, mountinfo, open
fds, files, writability), the exit status, stderr, and the --info-fd /
--json-status-fd documents.  Normalisations are listed (N1-N11) and
implemented in conformance/harness.py; nothing else is normalised.

Options that Debian's 0.8.0 lacks (--argv0, --level-prefix, the overlays) are
not compared; where 0.8.0 behaves differently from 0.11.1 and
bwrap-options.md says so, the case checks our 0.11.1 behaviour alone
(`ours_only`).

Set CONFORMANCE_OURS=/usr/bin/bwrap to compare the reference with itself
(validates the harness: every case must then pass).
"""

import errno
import fcntl
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sbtest  # noqa: E402
from conformance import harness  # noqa: E402
from conformance.harness import (  # noqa: E402
    PROBE_SECTIONS, BlockPipe, Collect, Data, Hold, PathFd, Proc, compare, normalise,
    probe_cmd, report, run_both, run_once)

REFERENCE = sbtest.SYSTEM_BWRAP
OURS = os.environ.get('CONFORMANCE_OURS') or sbtest.BWRAP

pytestmark = pytest.mark.skipif(
    REFERENCE is None, reason='/usr/bin/bwrap is missing (apt-get install bubblewrap)')

WHO = 'root' if sbtest.IS_ROOT else 'user'

# Roots.  MIN: /usr alone plus the host's merged-/usr symlinks, spelled out as
# bwrap needs them.  ROOT: the host read-only.
MIN = ['--ro-bind', '/usr', '/usr']
for _target, _path in sbtest.MERGED_USR_LINKS:
    MIN += ['--symlink', _target, _path]
ROOT = ['--ro-bind', '/', '/']

DEV_FILES = ['/dev', '/dev/null', '/dev/zero', '/dev/full', '/dev/random',
             '/dev/urandom', '/dev/tty', '/dev/ptmx', '/dev/pts', '/dev/shm',
             '/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr',
             '/dev/core', '/dev/console', '/dev/pts/ptmx']

# The environment every run starts from; {tmp} is the case's scratch dir.
BASE_ENV = {
    'PATH': '/usr/bin:/bin',
    'HOME': '{tmp}/home',
    'LANG': 'C.UTF-8',
    'TERM': 'dumb',
    'CONFORMANCE_VAR': 'value with spaces',
}


def sh(script, *args):
    return ['/bin/sh', '-c', script, 'sh'] + list(args)


def seccomp_deny(*syscalls):
    """A cBPF program: x86-64 SYSCALLS fail with EPERM, the rest allowed."""
    ld_abs = 0x20   # BPF_LD | BPF_W | BPF_ABS
    jeq = 0x15      # BPF_JMP | BPF_JEQ | BPF_K
    ret = 0x06      # BPF_RET | BPF_K
    prog = [(ld_abs, 0, 0, 4),                              # arch
            (jeq, 0, len(syscalls) + 1, 0xC000003E),        # x86-64 or allow
            (ld_abs, 0, 0, 0)]                              # nr
    for i, nr in enumerate(syscalls):
        prog.append((jeq, len(syscalls) - i, 0, nr))
    prog.append((ret, 0, 0, 0x7FFF0000))                    # allow
    prog.append((ret, 0, 0, 0x00050000 | 1))                # errno EPERM
    return b''.join(struct.pack('HBBI', *ins) for ins in prog)


DENY_MKDIR = seccomp_deny(83, 258)          # mkdir, mkdirat
DENY_UNAME = seccomp_deny(63)               # uname


class Deliberate:
    """A difference with bwrap that we keep on purpose (REASON says why).
    OURS maps a section of the normalised observations to the exact value
    our run must give ({tmp} expands; a {'root': .., 'user': ..} dict picks
    by caller); those sections are asserted, then left out of the
    comparison.  Every other section is still compared with bwrap.
    RAN (True/False), when given, is whether our command ran, where bwrap's
    did the opposite: the probe's sections then have nothing to be compared
    with and only those named in OURS are checked.  WHO limits the
    difference to one caller (the other is compared as usual)."""

    def __init__(self, reason, ours, ran=None, who=('root', 'user')):
        self.reason = reason
        self.ours = ours
        self.ran = ran
        self.who = who

    def expected(self, section, tmp):
        want = self.ours[section]
        if isinstance(want, dict) and set(want) == {'root', 'user'}:
            want = want[WHO]
        return expand_deep(want, tmp)


def expand_deep(value, tmp):
    if isinstance(value, str):
        return value.replace('{tmp}', tmp)
    if isinstance(value, list):
        return [expand_deep(v, tmp) for v in value]
    if isinstance(value, dict):
        return {k: expand_deep(v, tmp) for k, v in value.items()}
    return value


class Case:
    """One command line run through both programs.

    args:     options between the program and the command ({tmp} expands)
    cmd:      the command; None runs the probe
    files, writable, nest: what the probe inspects
    fds:      {fd number: FdSpec} handed to the tool
    cwd, env: the caller's cwd and environment changes (None removes)
    ref_exit: the reference's expected exit status ({'root': .., 'user': ..}
              or an int), checked first so that a broken case is noticed
    ours_only: a function(raw result) asserting our 0.11.1 behaviour, for
              cases where Debian's 0.8.0 differs; the comparison is skipped
    deliberate: a Deliberate, for differences kept on purpose
    """

    def __init__(self, id, args, cmd=None, files=(), writable=(), nest=False,
                 fds=None, cwd='/', env=None, stdin=None, ref_exit=0,
                 only=None, ours_only=None, timeout=20.0, deliberate=None):
        self.id = id
        self.args = list(args)
        self.cmd = cmd
        self.files = list(files)
        self.writable = list(writable)
        self.nest = nest
        self.fds = fds or {}
        self.cwd = cwd
        self.env = env or {}
        self.stdin = stdin
        self.ref_exit = ref_exit
        self.only = only
        self.ours_only = ours_only
        self.timeout = timeout
        self.deliberate = deliberate

    @property
    def is_probe(self):
        return self.cmd is None

    def fd_role(self, target):
        for i, a in enumerate(self.args[:-1]):
            if self.args[i + 1] == str(target):
                if a == '--info-fd':
                    return 'info'
                if a == '--json-status-fd':
                    return 'json-status'
                if a == '--sync-fd':
                    return 'sync'
        return 'data'

    def sized_points(self):
        """Mount points of --tmpfs given a --size (normalisation N5)."""
        points = set()
        for i, a in enumerate(self.args):
            if a == '--size':
                for j in range(i + 2, len(self.args) - 1):
                    if self.args[j] == '--tmpfs':
                        points.add(self.args[j + 1])
                        break
        return points

    def expand(self, value, tmp):
        return value.replace('{tmp}', tmp) if isinstance(value, str) else value

    def argv(self, tmp):
        cmd = self.cmd
        if cmd is None:
            cmd = probe_cmd([self.expand(f, tmp) for f in self.files],
                            [self.expand(w, tmp) for w in self.writable],
                            self.nest)
        return [self.expand(a, tmp) for a in self.args] + \
            [self.expand(c, tmp) for c in cmd]

    def environ(self, tmp):
        env = dict(BASE_ENV)
        env.update(self.env)
        return {k: self.expand(v, tmp) for k, v in env.items() if v is not None}

    def fds_for(self, tmp):
        out = {}
        for target, spec in self.fds.items():
            if isinstance(spec, PathFd):
                spec = PathFd(self.expand(spec.path, tmp), spec.flags)
            out[target] = spec
        return out

    def run(self, prog, tmp):
        prepare(tmp)
        argv = self.argv(tmp)
        before = set(sbtest.children_of_us())
        try:
            return run_once(prog, argv[:len(self.args)], argv[len(self.args):],
                            self.environ(tmp), self.expand(self.cwd, tmp),
                            self.fds_for(tmp), self.stdin, self.timeout)
        finally:
            # Orphans are reparented to us (sbtest makes us a subreaper).
            sbtest.reap_orphans([p for p in sbtest.children_of_us() if p not in before])


def prepare(tmp):
    """(Re)creates the case's scratch tree, identical for both runs."""
    for name in os.listdir(tmp):
        path = os.path.join(tmp, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    os.mkdir(os.path.join(tmp, 'rw'), 0o755)
    with open(os.path.join(tmp, 'rw', 'hello'), 'w') as f:
        f.write('hello\n')
    os.mkdir(os.path.join(tmp, 'home'), 0o755)
    os.mkdir(os.path.join(tmp, 'sticky'))
    os.chmod(os.path.join(tmp, 'sticky'), 0o1777)
    with open(os.path.join(tmp, 'file'), 'w') as f:
        f.write('file content\n')
    with open(os.path.join(tmp, 'noexec'), 'w') as f:
        f.write('#!/bin/sh\necho should not run\n')
    os.chmod(os.path.join(tmp, 'noexec'), 0o644)
    os.symlink('rw', os.path.join(tmp, 'link'))
    for name in ('lk', 'a', 'b'):       # lock files: bwrap wants them to exist
        open(os.path.join(tmp, 'rw', name), 'w').close()
    os.chmod(tmp, 0o755)


def C(*a, **k):
    return Case(*a, **k)


def bad(id, args, **k):
    """A bad input: both must refuse it the same way (exit 1, same stderr)."""
    k.setdefault('ref_exit', 1)
    return Case(id, args, cmd=k.pop('cmd', ['/bin/true']), **k)


def ours_symlink_idempotent(raw):
    assert raw['exit'] == 0, 'an identical --symlink must be accepted (0.9.0+): %r' % raw
    assert raw['stderr'] == '', raw['stderr']


# Deliberate differences (decided by the lead; see each reason).
UID, GID = os.getuid(), os.getgid()

SYMLINK_WORDING = ('bwrap >= 0.9 wording (the spec is 0.11.1); 0.8.0 says only '
                   '"File exists"')
SANDBOX_PATHS = ('ours names the path inside the sandbox, not bwrap\'s internal '
                 '/newroot path or realpath()/mount-table wording')
RESOLVED_INSIDE = ('security rule: an absolute symlink inside the sandbox is resolved '
                   'inside the new root; bwrap looks it up on the host and fails')
LOCK_NOT_RUN = ('a --lock-file that cannot be opened fails the setup before the command: '
                'bwrap exits 1 but runs the command anyway (a race); ours never runs it')


def lock_refused(path):
    return Deliberate(LOCK_NOT_RUN, {
        'exit': 1,
        'stderr': 'bwrap: Unable to open lock file %s: No such file or directory\n' % path},
        ran=False)


ARGS_DATA = b'--ro-bind\0/\0/\0--setenv\0FROM_ARGS\0yes\0'

CASES = [
    # --- Roots ------------------------------------------------------------
    C('root/min', MIN, files=['/']),
    C('root/min-proc', MIN + ['--proc', '/proc'], files=['/']),
    C('root/min-proc-dev', MIN + ['--proc', '/proc', '--dev', '/dev'],
      files=['/'] + DEV_FILES),
    C('root/ro-bind-root', ROOT),
    C('root/ro-root-proc-dev-tmp', ROOT + ['--proc', '/proc', '--dev', '/dev',
                                          '--tmpfs', '/tmp'], files=['/tmp']),
    C('root/min-unshare-all', MIN + ['--unshare-all', '--proc', '/proc', '--dev', '/dev'],
      files=['/'] + DEV_FILES),
    C('root/usr-without-symlinks', ['--ro-bind', '/usr', '/usr'], ref_exit=1),

    # --- Binds ------------------------------------------------------------
    C('bind/rw-dir', ROOT + ['--bind', '{tmp}/rw', '/mnt'],
      files=['/mnt', '/mnt/hello'], writable=['/mnt', '/mnt/hello']),
    C('bind/ro-dir', ROOT + ['--ro-bind', '{tmp}/rw', '/mnt'],
      files=['/mnt'], writable=['/mnt', '/mnt/hello']),
    C('bind/dev-bind-dev', MIN + ['--dev-bind', '/dev', '/dev'],
      files=['/dev/null'], writable=['/dev/null']),
    C('bind/bind-dev-nodev', MIN + ['--bind', '/dev', '/dev'],
      files=['/dev/null'], writable=['/dev/null']),
    C('bind/ro-bind-dev-submounts', MIN + ['--ro-bind', '/dev', '/mnt'],
      writable=['/mnt/shm', '/mnt/null']),
    C('bind/sys-recursive', MIN + ['--bind', '/sys', '/sys']),
    C('bind/file-new-dest', MIN + ['--bind', '{tmp}/file', '/newfile'],
      files=['/newfile'], writable=['/newfile']),
    C('bind/file-onto-dir', MIN + ['--bind', '{tmp}/file', '/usr'], ref_exit=1),
    C('bind/dir-onto-file', MIN + ['--file', '3', '/f', '--bind', '{tmp}/rw', '/f'],
      fds={3: Data(b'x')}, ref_exit=1),
    C('bind/deep-dest', MIN + ['--bind', '{tmp}/rw', '/a/b/c'],
      files=['/a', '/a/b', '/a/b/c']),
    C('bind/symlink-source', MIN + ['--bind', '{tmp}/link', '/mnt'], files=['/mnt']),
    C('bind/relative-dest', MIN + ['--bind', '{tmp}/rw', 'mnt'], files=['/mnt']),
    C('bind/dest-under-ro', MIN + ['--bind', '{tmp}/rw', '/usr/conformance-x'], ref_exit=1),
    C('bind/dest-through-symlink', MIN + ['--bind', '{tmp}/rw', '/bin/conformance-x'],
      ref_exit=1),
    C('bind/dest-relative-symlink', MIN + ['--tmpfs', '/t', '--dir', '/t/real', '--symlink',
                                           'real', '/t/link', '--bind', '{tmp}/rw', '/t/link'],
      files=['/t/link', '/t/real'], ref_exit=None),
    C('bind/dest-absolute-symlink', MIN + ['--tmpfs', '/t', '--dir', '/t/real', '--symlink',
                                           '/t/real', '/t/link', '--bind', '{tmp}/rw',
                                           '/t/link'], files=['/t/link', '/t/real'],
      ref_exit=1, deliberate=Deliberate(RESOLVED_INSIDE, {
          'exit': 0, 'stderr': '',
          'files': {'/t/link': {'mode': '777', 'uid': UID, 'gid': GID, 'type': 'symlink',
                                'target': '/t/real'},
                    '/t/real': {'mode': '755', 'uid': UID, 'gid': GID, 'type': 'dir',
                                'entries': ['a', 'b', 'hello', 'lk']}}}, ran=True)),
    C('tmpfs/dest-relative-symlink', MIN + ['--tmpfs', '/t', '--dir', '/t/real', '--symlink',
                                            'real', '/t/link', '--tmpfs', '/t/link'],
      files=['/t/link', '/t/real'], ref_exit=None),
    C('dir/through-relative-symlink', MIN + ['--tmpfs', '/t', '--dir', '/t/real', '--symlink',
                                             'real', '/t/link', '--dir', '/t/link/sub'],
      files=['/t/real', '/t/real/sub'], ref_exit=None),
    C('bind/overmount-order', MIN + ['--tmpfs', '/mnt', '--bind', '{tmp}/rw', '/mnt/x',
                                     '--tmpfs', '/mnt'], files=['/mnt']),
    C('bind/same-twice', MIN + ['--bind', '{tmp}/rw', '/mnt', '--bind', '{tmp}/rw', '/mnt']),
    C('bind/proc-as-src', MIN + ['--bind', '/proc', '/proc']),
    C('bind-try/missing', MIN + ['--bind-try', '{tmp}/missing', '/mnt'], files=['/mnt']),
    C('bind-try/present', MIN + ['--bind-try', '{tmp}/rw', '/mnt'], files=['/mnt'],
      writable=['/mnt']),
    C('bind-try/empty-source', MIN + ['--bind-try', '', '/mnt'], files=['/mnt']),
    C('ro-bind-try/missing', MIN + ['--ro-bind-try', '{tmp}/missing', '/mnt'], files=['/mnt']),
    C('ro-bind-try/present', MIN + ['--ro-bind-try', '{tmp}/rw', '/mnt'], writable=['/mnt']),
    C('dev-bind-try/missing', MIN + ['--dev-bind-try', '{tmp}/missing', '/dev'],
      files=['/dev']),
    C('dev-bind-try/present', MIN + ['--dev-bind-try', '/dev', '/dev'],
      writable=['/dev/null']),
    C('bind-try/missing-deep-dest', MIN + ['--bind-try', '{tmp}/missing', '/a/b'],
      files=['/a']),

    # --- tmpfs ------------------------------------------------------------
    C('tmpfs/basic', MIN + ['--tmpfs', '/t'], files=['/t'], writable=['/t']),
    C('tmpfs/perms', MIN + ['--perms', '0700', '--tmpfs', '/t'], files=['/t']),
    C('tmpfs/perms-sticky', MIN + ['--perms', '1777', '--tmpfs', '/tmp'], files=['/tmp']),
    C('tmpfs/size', MIN + ['--size', '1048576', '--tmpfs', '/t'], files=['/t']),
    C('tmpfs/size-unaligned', MIN + ['--size', '1000', '--tmpfs', '/t']),
    C('tmpfs/size-and-perms', MIN + ['--size', '4096000', '--perms', '0750',
                                     '--tmpfs', '/t'], files=['/t']),
    C('tmpfs/perms-and-size', MIN + ['--perms', '0750', '--size', '4096000',
                                     '--tmpfs', '/t'], files=['/t']),
    C('tmpfs/over-ro-root', ROOT + ['--tmpfs', '/tmp'], files=['/tmp'], writable=['/tmp']),
    C('tmpfs/nested', MIN + ['--tmpfs', '/t', '--tmpfs', '/t/u', '--dir', '/t/u/v'],
      files=['/t', '/t/u', '/t/u/v']),
    C('tmpfs/deep-missing-parents', MIN + ['--tmpfs', '/a/b/c'], files=['/a', '/a/b']),
    C('tmpfs/root', ROOT + ['--tmpfs', '/'], cmd=['/usr/bin/true'], ref_exit=None),

    # --- dir ----------------------------------------------------------------
    C('dir/basic', MIN + ['--dir', '/d', '--perms', '0700', '--dir', '/d2',
                          '--dir', '/d3/sub'], files=['/d', '/d2', '/d3', '/d3/sub']),
    C('dir/perms-parents-0700', MIN + ['--perms', '0700', '--dir', '/x/y/z'],
      files=['/x', '/x/y', '/x/y/z']),
    C('dir/perms-parents-0750', MIN + ['--perms', '0750', '--dir', '/x/y'],
      files=['/x', '/x/y']),
    C('dir/perms-parents-0777', MIN + ['--perms', '0777', '--dir', '/x/y'],
      files=['/x', '/x/y']),
    C('dir/existing-ro', ROOT + ['--dir', '{tmp}/sticky'], files=['{tmp}/sticky']),
    C('dir/existing-keeps-mode', MIN + ['--tmpfs', '/t', '--perms', '0700', '--dir', '/t'],
      files=['/t']),
    C('dir/setgid', MIN + ['--perms', '2755', '--dir', '/sg'], files=['/sg']),
    C('dir/under-ro', MIN + ['--dir', '/usr/conformance-new'], ref_exit=1),
    C('dir/in-bind', ROOT + ['--bind', '{tmp}/rw', '/mnt', '--dir', '/mnt/sub'],
      files=['/mnt/sub']),

    # --- symlink --------------------------------------------------------------
    C('symlink/basic', MIN + ['--symlink', '/target', '/link', '--symlink', '../rel',
                              '/d/link2'], files=['/link', '/d', '/d/link2']),
    C('symlink/dangling-then-dir', MIN + ['--tmpfs', '/t', '--symlink', 'sub', '/t/l',
                                          '--dir', '/t/sub'], files=['/t/l', '/t/sub']),
    C('symlink/identical-exists', MIN + ['--symlink', 'usr/bin', '/bin'],
      ours_only=ours_symlink_idempotent),
    C('symlink/different-exists', MIN + ['--symlink', 'usr/sbin', '/bin'], ref_exit=1,
      deliberate=Deliberate(SYMLINK_WORDING, {
          'stderr': "bwrap: Can't make symlink at /bin: existing destination is usr/bin\n"})),
    C('symlink/onto-file', MIN + ['--file', '3', '/f', '--symlink', 'x', '/f'],
      fds={3: Data(b'x')}, ref_exit=1, deliberate=Deliberate(SYMLINK_WORDING, {
          'stderr': "bwrap: Can't make symlink at /f: destination exists and is not a "
                    "symlink\n"})),

    # --- chmod ---------------------------------------------------------------
    C('chmod/dir', MIN + ['--tmpfs', '/t', '--dir', '/t/d', '--chmod', '0700', '/t/d'],
      files=['/t/d']),
    C('chmod/file', MIN + ['--file', '3', '/f', '--chmod', '0400', '/f'],
      fds={3: Data(b'data')}, files=['/f']),
    C('chmod/follows-symlink', MIN + ['--tmpfs', '/t', '--dir', '/t/d', '--symlink',
                                      'd', '/t/l', '--chmod', '0711', '/t/l'],
      files=['/t/d', '/t/l']),
    # bwrap resolves an absolute link target against the host's root here.
    C('chmod/absolute-symlink', MIN + ['--tmpfs', '/t', '--dir', '/t/d', '--symlink',
                                       '/t/d', '/t/l', '--chmod', '0711', '/t/l'],
      files=['/t/d', '/t/l'], ref_exit=1, deliberate=Deliberate(RESOLVED_INSIDE, {
          'exit': 0, 'stderr': '',
          'files': {'/t/d': {'mode': '711', 'uid': UID, 'gid': GID, 'type': 'dir',
                             'entries': []},
                    '/t/l': {'mode': '777', 'uid': UID, 'gid': GID, 'type': 'symlink',
                             'target': '/t/d'}}}, ran=True)),
    C('chmod/special-bits', MIN + ['--tmpfs', '/t', '--chmod', '1777', '/t'], files=['/t']),
    C('chmod/tmpfs-root', MIN + ['--chmod', '0750', '/'], files=['/']),
    C('chmod/missing', MIN + ['--chmod', '0755', '/nonexistent'], ref_exit=1),
    C('chmod/read-only', MIN + ['--chmod', '0700', '/usr'], ref_exit=1),
    bad('chmod/bad-mode', MIN + ['--chmod', '999', '/usr']),
    bad('chmod/bad-mode-text', MIN + ['--chmod', 'rwx', '/usr']),

    # --- remount-ro -------------------------------------------------------
    C('remount-ro/tmpfs', MIN + ['--tmpfs', '/t', '--remount-ro', '/t'], writable=['/t']),
    C('remount-ro/non-recursive', ROOT + ['--bind', '{tmp}/rw', '/mnt', '--tmpfs', '/mnt/sub',
                                          '--remount-ro', '/mnt'],
      writable=['/mnt', '/mnt/sub']),
    C('remount-ro/root', MIN + ['--remount-ro', '/'], writable=['/']),
    C('remount-ro/missing', MIN + ['--remount-ro', '/nonexistent'], ref_exit=1,
      deliberate=Deliberate(SANDBOX_PATHS, {
          'stderr': "bwrap: Can't remount readonly on /nonexistent: No such file or "
                    "directory\n"})),
    C('remount-ro/not-a-mount', MIN + ['--tmpfs', '/t', '--dir', '/t/d', '--remount-ro', '/t/d'],
      writable=['/t', '/t/d'], ref_exit=1, deliberate=Deliberate(SANDBOX_PATHS, {
          'stderr': "bwrap: Can't remount readonly on /t/d: not a mount point\n"})),

    # --- proc, dev, mqueue --------------------------------------------------
    C('proc/host-pidns', MIN + ['--proc', '/proc']),
    C('proc/new-pidns', MIN + ['--unshare-pid', '--proc', '/proc']),
    C('proc/other-dest', MIN + ['--unshare-pid', '--proc', '/myproc'], files=['/myproc/1/comm']),
    C('proc/over-ro-root', ROOT + ['--unshare-pid', '--proc', '/proc']),
    C('dev/basic', MIN + ['--dev', '/dev'], files=DEV_FILES, writable=['/dev/null', '/dev/shm']),
    C('dev/other-dest', MIN + ['--dev', '/mydev'], files=['/mydev', '/mydev/pts']),
    C('dev/with-ids', MIN + ['--dev', '/dev', '--unshare-user', '--uid', '1234',
                             '--gid', '5678'], files=DEV_FILES),
    C('dev/unshare-all', MIN + ['--unshare-all', '--dev', '/dev', '--proc', '/proc']),
    C('dev/twice', MIN + ['--dev', '/dev', '--dev', '/dev2'], files=['/dev2']),
    C('mqueue/with-ipc', MIN + ['--unshare-ipc', '--mqueue', '/dev/mqueue'],
      files=['/dev/mqueue']),
    C('mqueue/without-ipc', MIN + ['--mqueue', '/mq'], files=['/mq'], ref_exit=None,
      deliberate=Deliberate(SANDBOX_PATHS, {
          'stderr': "bwrap: Can't mount mqueue on /mq: Operation not permitted\n"},
          who=('user',))),

    # --- file, bind-data, ro-bind-data -------------------------------------
    C('file/pipe', MIN + ['--file', '3', '/f'], fds={3: Data(b'from a pipe\n')},
      files=['/f'], writable=['/f']),
    C('file/regular-fd', MIN + ['--file', '3', '/f'], fds={3: Data(b'from a file\n', 'file')},
      files=['/f']),
    C('file/memfd', MIN + ['--file', '3', '/f'], fds={3: Data(b'memfd\n', 'memfd')},
      files=['/f']),
    C('file/perms', MIN + ['--perms', '0600', '--file', '3', '/f', '--perms', '0755',
                           '--file', '4', '/g'],
      fds={3: Data(b'f'), 4: Data(b'g', 'memfd')}, files=['/f', '/g']),
    C('file/deep', MIN + ['--file', '3', '/a/b/f'], fds={3: Data(b'deep')},
      files=['/a', '/a/b', '/a/b/f']),
    C('file/perms-narrow-parents', MIN + ['--perms', '0600', '--file', '3', '/p/q/f'],
      fds={3: Data(b'x')}, files=['/p', '/p/q', '/p/q/f']),
    C('bind-data/perms-narrow-parents', MIN + ['--perms', '0640', '--bind-data', '3', '/p/q'],
      fds={3: Data(b'x')}, files=['/p', '/p/q']),
    C('tmpfs/perms-narrow-parents', MIN + ['--perms', '0700', '--tmpfs', '/p/q'],
      files=['/p', '/p/q']),
    C('file/empty', MIN + ['--file', '3', '/f'], fds={3: Data(b'')}, files=['/f']),
    C('file/large', MIN + ['--file', '3', '/f'], fds={3: Data(b'x' * 300000, 'file')},
      cmd=['/usr/bin/wc', '-c', '/f']),
    C('file/into-tmpfs', ROOT + ['--tmpfs', '/tmp', '--file', '3', '/tmp/x'],
      fds={3: Data(b'x')}, files=['/tmp/x']),
    C('file/read-only-dest', ROOT + ['--file', '3', '/etc/conformance'],
      fds={3: Data(b'x')}, ref_exit=1),
    C('file/overwrite', MIN + ['--file', '3', '/f', '--file', '4', '/f'],
      fds={3: Data(b'one'), 4: Data(b'two')}, files=['/f'], ref_exit=None),
    C('bind-data/basic', MIN + ['--bind-data', '3', '/bd'], fds={3: Data(b'bind data\n')},
      files=['/bd'], writable=['/bd']),
    C('bind-data/perms', MIN + ['--perms', '0644', '--bind-data', '3', '/bd'],
      fds={3: Data(b'x')}, files=['/bd']),
    C('ro-bind-data/basic', MIN + ['--ro-bind-data', '3', '/rbd'],
      fds={3: Data(b'read only\n')}, files=['/rbd'], writable=['/rbd']),
    C('ro-bind-data/perms', MIN + ['--perms', '0444', '--ro-bind-data', '3', '/rbd'],
      fds={3: Data(b'x', 'memfd')}, files=['/rbd']),
    C('ro-bind-data/onto-host-file', ROOT + ['--ro-bind-data', '3', '/etc/hostname'],
      fds={3: Data(b'replaced\n')}, files=['/etc/hostname']),
    C('bind-data/two', MIN + ['--bind-data', '3', '/a', '--ro-bind-data', '4', '/b'],
      fds={3: Data(b'a'), 4: Data(b'b')}, files=['/a', '/b']),
    C('bind-data/deep', MIN + ['--bind-data', '3', '/x/y/bd'], fds={3: Data(b'x')},
      files=['/x', '/x/y', '/x/y/bd']),

    # --- bind-fd, ro-bind-fd ------------------------------------------------
    C('bind-fd/dir', MIN + ['--bind-fd', '3', '/mnt'], fds={3: PathFd('{tmp}/rw')},
      files=['/mnt'], writable=['/mnt']),
    C('ro-bind-fd/dir', MIN + ['--ro-bind-fd', '3', '/mnt'], fds={3: PathFd('{tmp}/rw')},
      files=['/mnt'], writable=['/mnt']),
    C('bind-fd/dir-rdonly-fd', MIN + ['--bind-fd', '3', '/mnt'],
      fds={3: PathFd('{tmp}/rw', os.O_RDONLY | os.O_DIRECTORY)}, files=['/mnt']),
    C('bind-fd/file', MIN + ['--bind-fd', '3', '/f'], fds={3: PathFd('{tmp}/file')},
      files=['/f'], ref_exit=None),
    C('ro-bind-fd/submounts', MIN + ['--ro-bind-fd', '3', '/mnt'], fds={3: PathFd('/dev')},
      writable=['/mnt/shm']),
    C('bind-fd/deep-dest', MIN + ['--bind-fd', '3', '/a/b'], fds={3: PathFd('{tmp}/rw')},
      files=['/a', '/a/b']),

    # --- Namespaces ---------------------------------------------------------
    C('unshare/none', ROOT),
    C('unshare/user', ROOT + ['--unshare-user']),
    C('unshare/user-try', ROOT + ['--unshare-user-try']),
    C('unshare/ipc', ROOT + ['--unshare-ipc']),
    C('unshare/pid', ROOT + ['--unshare-pid']),
    C('unshare/net', ROOT + ['--unshare-net']),
    C('unshare/uts', ROOT + ['--unshare-uts']),
    C('unshare/cgroup', ROOT + ['--unshare-cgroup']),
    C('unshare/cgroup-try', ROOT + ['--unshare-cgroup-try']),
    C('unshare/all', ROOT + ['--unshare-all']),
    C('unshare/all-share-net', ROOT + ['--unshare-all', '--share-net']),
    C('unshare/share-net-then-all', ROOT + ['--share-net', '--unshare-all']),
    C('unshare/net-share-net', ROOT + ['--unshare-net', '--share-net']),
    C('unshare/pid-net-ipc', ROOT + ['--unshare-pid', '--unshare-net', '--unshare-ipc']),
    C('unshare/user-uts-cgroup', ROOT + ['--unshare-user', '--unshare-uts', '--unshare-cgroup']),
    C('unshare/all-min-proc', MIN + ['--unshare-all', '--proc', '/proc']),
    C('unshare/disable-userns', ROOT + ['--unshare-user', '--disable-userns'], nest=True),
    C('unshare/nest-allowed', ROOT + ['--unshare-user'], nest=True),
    C('unshare/assert-disabled-ok', ROOT + ['--unshare-user', '--disable-userns',
                                            '--assert-userns-disabled']),
    bad('unshare/assert-disabled-fails', ROOT + ['--unshare-user', '--assert-userns-disabled']),
    bad('unshare/disable-without-user', ROOT + ['--disable-userns'],
        ref_exit={'root': 1, 'user': 1}),

    # --- Ids ---------------------------------------------------------------
    C('ids/userns-default', ROOT + ['--unshare-user']),
    C('ids/uid-gid', ROOT + ['--unshare-user', '--uid', '1234', '--gid', '5678']),
    C('ids/uid0-gid0', ROOT + ['--unshare-user', '--uid', '0', '--gid', '0']),
    C('ids/uid-only', ROOT + ['--unshare-user', '--uid', '4321']),
    C('ids/gid-only', ROOT + ['--unshare-user', '--gid', '4321']),
    C('ids/uid-implied-userns', ROOT + ['--uid', '1234'], ref_exit={'root': 1, 'user': 0}),
    C('ids/uid-with-pidns', ROOT + ['--unshare-user', '--unshare-pid', '--uid', '1234']),
    C('ids/uid-dev-proc', MIN + ['--unshare-user', '--uid', '1234', '--gid', '5678',
                                 '--dev', '/dev', '--proc', '/proc']),
    C('ids/uid-repeated', ROOT + ['--unshare-user', '--uid', '5', '--uid', '6']),
    bad('ids/uid-not-a-number', ROOT + ['--unshare-user', '--uid', 'abc']),
    bad('ids/gid-not-a-number', ROOT + ['--unshare-user', '--gid', '1x']),

    # --- Hostname ----------------------------------------------------------
    C('hostname/uts', ROOT + ['--unshare-uts', '--hostname', 'conformance-host']),
    C('hostname/uts-no-name', ROOT + ['--unshare-uts']),
    C('hostname/repeated', ROOT + ['--unshare-uts', '--hostname', 'a', '--hostname', 'b']),
    bad('hostname/without-uts', ROOT + ['--hostname', 'x']),

    # --- Working directory ---------------------------------------------------
    C('chdir/usr', MIN + ['--chdir', '/usr']),
    C('chdir/relative', MIN + ['--chdir', 'usr'], cwd='/', ref_exit=None),
    C('chdir/repeated', MIN + ['--chdir', '/', '--chdir', '/usr']),
    C('chdir/missing', MIN + ['--chdir', '/nonexistent'], ref_exit=1),
    C('chdir/symlink', MIN + ['--chdir', '/bin']),
    C('cwd/kept', MIN, cwd='/usr/share'),
    C('cwd/kept-through-bind', ROOT + ['--bind', '{tmp}/rw', '{tmp}/rw'], cwd='{tmp}/rw'),
    C('cwd/missing-falls-to-home', MIN + ['--bind', '{tmp}/home', '{tmp}/home'],
      cwd='{tmp}/rw'),
    C('cwd/missing-no-home', MIN, cwd='{tmp}/rw'),
    C('cwd/missing-home-unset', MIN, cwd='{tmp}/rw', env={'HOME': None}),
    C('cwd/kept-pwd-var', MIN, cwd='/usr', env={'PWD': '/bogus'}),

    # --- Environment -------------------------------------------------------
    C('env/setenv', ROOT + ['--setenv', 'A', '1', '--setenv', 'B', 'x y',
                            '--setenv', 'EMPTY', '']),
    C('env/setenv-overrides', ROOT + ['--setenv', 'HOME', '/elsewhere']),
    C('env/unsetenv', ROOT + ['--unsetenv', 'HOME', '--unsetenv', 'NOT_SET']),
    C('env/clearenv', ROOT + ['--clearenv']),
    C('env/clearenv-setenv', ROOT + ['--clearenv', '--setenv', 'PATH', '/usr/bin',
                                     '--setenv', 'X', 'y']),
    C('env/setenv-then-clearenv', ROOT + ['--setenv', 'A', '1', '--clearenv']),
    C('env/setenv-then-unsetenv', ROOT + ['--setenv', 'A', '1', '--unsetenv', 'A']),
    C('env/path-used-by-execvp', ROOT + ['--clearenv', '--setenv', 'PATH', '/usr/bin'],
      cmd=sh('echo "$PATH"; command -v python3')),
    C('env/path-search', ROOT + ['--setenv', 'PATH', '/nonexistent:/usr/bin'],
      cmd=['python3', '-c', 'print("found")']),
    C('env/path-missing', ROOT + ['--setenv', 'PATH', '/nonexistent'],
      cmd=['python3', '-c', 'print("found")'], ref_exit=1),
    C('env/no-path-var', ROOT + ['--unsetenv', 'PATH'], cmd=['sh', '-c', 'echo ran'],
      ref_exit=None),
    C('env/setenv-equals-in-name', ROOT + ['--setenv', 'A=B', 'C'], ref_exit=None),
    C('env/pwd-replaced', ROOT, env={'PWD': '/bogus', 'OLDPWD': '/x'}),

    # --- Capabilities -------------------------------------------------------
    C('caps/default', ROOT),
    C('caps/drop-all', ROOT + ['--cap-drop', 'ALL']),
    C('caps/drop-one', ROOT + ['--cap-drop', 'CAP_SYS_ADMIN'], ref_exit=None),
    C('caps/drop-all-add-one', ROOT + ['--cap-drop', 'ALL', '--cap-add', 'CAP_NET_ADMIN'],
      ref_exit=None),
    C('caps/add-one', ROOT + ['--cap-add', 'CAP_NET_ADMIN'], ref_exit=None),
    C('caps/add-one-userns', ROOT + ['--unshare-user', '--cap-add', 'CAP_NET_ADMIN']),
    C('caps/add-all-userns', ROOT + ['--unshare-user', '--cap-add', 'ALL']),
    C('caps/uid0-userns', ROOT + ['--unshare-user', '--uid', '0']),
    C('caps/uid0-add-all', ROOT + ['--unshare-user', '--uid', '0', '--cap-add', 'ALL']),
    C('caps/add-then-drop', ROOT + ['--unshare-user', '--cap-add', 'ALL',
                                    '--cap-drop', 'CAP_CHOWN']),
    C('caps/lowercase', ROOT + ['--unshare-user', '--cap-add', 'cap_net_admin'],
      ref_exit=None),
    C('caps/without-prefix', ROOT + ['--unshare-user', '--cap-add', 'NET_ADMIN'],
      ref_exit=None),
    C('caps/add-userns-nonzero-uid', ROOT + ['--unshare-user', '--uid', '1000',
                                             '--cap-add', 'CAP_NET_ADMIN']),
    bad('caps/unknown', ROOT + ['--cap-add', 'CAP_BOGUS']),
    bad('caps/drop-unknown', ROOT + ['--cap-drop', 'BOGUS']),

    # --- Session, pid 1, parent death --------------------------------------
    C('session/default', ROOT),
    C('session/new', ROOT + ['--new-session']),
    C('session/new-pidns', ROOT + ['--unshare-pid', '--new-session']),
    C('pid1/as-pid-1', ROOT + ['--unshare-pid', '--as-pid-1']),
    C('pid1/as-pid-1-proc', MIN + ['--unshare-pid', '--as-pid-1', '--proc', '/proc']),
    bad('pid1/as-pid-1-without-pidns', ROOT + ['--as-pid-1']),
    C('die-with-parent/plain', ROOT + ['--die-with-parent']),
    C('die-with-parent/pidns', ROOT + ['--unshare-pid', '--die-with-parent']),

    # --- Status JSON ---------------------------------------------------------
    C('info/plain', ROOT + ['--info-fd', '3'], fds={3: Collect()}),
    C('info/unshare-all', ROOT + ['--unshare-all', '--info-fd', '3'], fds={3: Collect()}),
    C('info/pid', ROOT + ['--unshare-pid', '--info-fd', '3'], fds={3: Collect()}),
    C('info/as-pid-1', ROOT + ['--unshare-pid', '--as-pid-1', '--info-fd', '3'],
      fds={3: Collect()}),
    C('info/userns', ROOT + ['--unshare-user', '--unshare-net', '--info-fd', '3'],
      fds={3: Collect()}),
    C('json/plain', ROOT + ['--json-status-fd', '4'], fds={4: Collect()}),
    C('json/unshare-all', ROOT + ['--unshare-all', '--info-fd', '3', '--json-status-fd', '4'],
      fds={3: Collect(), 4: Collect()}),
    C('json/exit-3', ROOT + ['--json-status-fd', '4'], cmd=sh('exit 3'),
      fds={4: Collect()}, ref_exit=3),
    C('json/exit-3-pidns', ROOT + ['--unshare-pid', '--json-status-fd', '4'],
      cmd=sh('exit 3'), fds={4: Collect()}, ref_exit=3),
    C('json/killed', ROOT + ['--json-status-fd', '4'], cmd=sh('kill -KILL $$'),
      fds={4: Collect()}, ref_exit=137),
    C('json/killed-pidns', ROOT + ['--unshare-pid', '--json-status-fd', '4'],
      cmd=sh('kill -TERM $$'), fds={4: Collect()}, ref_exit=143),
    C('json/exec-fails', ROOT + ['--json-status-fd', '4'], cmd=['/nonexistent'],
      fds={4: Collect()}, ref_exit=1),
    C('json/setup-fails', ROOT + ['--json-status-fd', '4', '--chdir', '/nonexistent'],
      cmd=['/bin/true'], fds={4: Collect()}, ref_exit=1),
    C('json/same-fd-as-info', ROOT + ['--info-fd', '3', '--json-status-fd', '4'],
      fds={3: Collect(), 4: Collect()}),
    bad('info/fd-not-open', ROOT + ['--info-fd', '42'], ref_exit=None),
    bad('json/fd-not-open', ROOT + ['--json-status-fd', '42'], ref_exit=None),

    # --- Lock files, sync fd, block fd ---------------------------------------
    C('lock-file/bind', ROOT + ['--bind', '{tmp}/rw', '/mnt', '--lock-file', '/mnt/lk'],
      files=['/mnt/lk']),
    C('lock-file/tmpfs', MIN + ['--tmpfs', '/t', '--lock-file', '/t/lk'], files=['/t/lk'],
      ref_exit=1, deliberate=lock_refused('/t/lk')),
    C('lock-file/two', ROOT + ['--bind', '{tmp}/rw', '/mnt', '--lock-file', '/mnt/a',
                               '--lock-file', '/mnt/b']),
    C('lock-file/missing-dir', ROOT + ['--lock-file', '/nonexistent/lk'], ref_exit=1,
      deliberate=lock_refused('/nonexistent/lk')),
    bad('lock-file/with-as-pid-1', ROOT + ['--unshare-pid', '--as-pid-1',
                                           '--lock-file', '/tmp/lk']),
    C('sync-fd/plain', ROOT + ['--sync-fd', '3'], fds={3: Hold()}),
    C('sync-fd/pidns', ROOT + ['--unshare-pid', '--sync-fd', '3'], fds={3: Hold()}),
    C('sync-fd/as-pid-1', ROOT + ['--unshare-pid', '--as-pid-1', '--sync-fd', '3'],
      fds={3: Hold()}),
    bad('sync-fd/not-a-number', ROOT + ['--sync-fd', 'x']),
    C('block-fd/preloaded', ROOT + ['--block-fd', '3'], fds={3: BlockPipe(b'x')}),
    C('block-fd/preloaded-pidns', ROOT + ['--unshare-pid', '--block-fd', '3'],
      fds={3: BlockPipe(b'xy')}),
    C('block-fd/eof', ROOT + ['--block-fd', '3'], fds={3: Data(b'')}, timeout=15.0,
      ref_exit=None),

    # --- Inherited fds and stdio ----------------------------------------------
    C('fds/inherited', ROOT, fds={5: Data(b'x'), 7: PathFd('/usr'), 9: Collect()}),
    C('fds/inherited-pidns', ROOT + ['--unshare-pid'], fds={5: Data(b'x'), 9: Collect()}),
    C('stdio/stdin', ROOT, cmd=['/bin/cat'], stdin=b'to stdin\n'),
    C('stdio/argv', ROOT, cmd=sh('printf "[%s]\\n" "$0" "$@"', 'a b', '', 'c')),

    # --- --args ----------------------------------------------------------------
    C('args/pipe', ['--args', '3'], fds={3: Data(ARGS_DATA)}),
    C('args/memfd', ['--args', '3'], fds={3: Data(ARGS_DATA, 'memfd')}),
    C('args/repeated', ['--args', '3', '--args', '4'],
      fds={3: Data(b'--ro-bind\0/\0/\0'), 4: Data(b'--setenv\0B\0two\0')}),
    C('args/with-command', ['--args', '3'],
      fds={3: Data(b'--ro-bind\0/\0/\0/bin/echo\0from-args\0')}, cmd=[], ref_exit=1),
    C('args/mixed-with-argv', MIN + ['--args', '3', '--setenv', 'AFTER', '1'],
      fds={3: Data(b'--setenv\0AFTER\x000\0--tmpfs\0/t\0')}, files=['/t']),
    C('args/empty', ROOT + ['--args', '3'], fds={3: Data(b'')}),
    C('args/no-trailing-nul', ROOT + ['--args', '3'], fds={3: Data(b'--setenv\0A\0b')},
      ref_exit=None),
    bad('args/nested', ['--args', '3'], fds={3: Data(b'--args\x004\0'), 4: Data(b'')}),
    bad('args/fd-not-open', ROOT + ['--args', '42']),
    bad('args/too-many', ['--args', '3'],
        fds={3: Data(b'--setenv\0A\0b\0' * 3001, 'file')}),
    C('args/many-under-limit', ['--args', '3'],
      fds={3: Data(b'--ro-bind\0/\0/\0' + b'--setenv\0A\0b\0' * 2990, 'file')}),

    # --- seccomp (both have it) -------------------------------------------------
    C('seccomp/deny-mkdir', ROOT + ['--bind', '{tmp}/rw', '/mnt', '--seccomp', '3'],
      fds={3: Data(DENY_MKDIR)}, writable=['/mnt']),
    C('seccomp/add-fd-twice', ROOT + ['--bind', '{tmp}/rw', '/mnt', '--add-seccomp-fd', '3',
                                      '--add-seccomp-fd', '4'],
      fds={3: Data(DENY_MKDIR), 4: Data(DENY_UNAME)}, writable=['/mnt'],
      cmd=['/usr/bin/uname'], ref_exit=None),
    bad('seccomp/truncated', ROOT + ['--seccomp', '3'], fds={3: Data(b'1234567')}),
    bad('seccomp/empty', ROOT + ['--seccomp', '3'], fds={3: Data(b'')},
        deliberate=Deliberate('an empty program is refused early with a plain reason; '
                              'bwrap passes it to prctl and reports EINVAL', {
                                  'stderr': 'bwrap: Invalid seccomp data, must not be '
                                            'empty\n'})),
    bad('seccomp/with-add-fd', ROOT + ['--seccomp', '3', '--add-seccomp-fd', '4'],
        fds={3: Data(DENY_MKDIR), 4: Data(DENY_MKDIR)}),

    # --- Exit codes and signals ----------------------------------------------------
    C('exit/0', ROOT, cmd=sh('exit 0')),
    C('exit/1', ROOT, cmd=sh('exit 1'), ref_exit=1),
    C('exit/3', ROOT, cmd=sh('exit 3'), ref_exit=3),
    C('exit/255', ROOT, cmd=sh('exit 255'), ref_exit=255),
    C('exit/3-pidns', ROOT + ['--unshare-pid'], cmd=sh('exit 3'), ref_exit=3),
    C('exit/3-as-pid-1', ROOT + ['--unshare-pid', '--as-pid-1'], cmd=sh('exit 3'), ref_exit=3),
    C('signal/term', ROOT, cmd=sh('kill -TERM $$'), ref_exit=143),
    C('signal/kill', ROOT, cmd=sh('kill -KILL $$'), ref_exit=137),
    C('signal/int', ROOT, cmd=sh('kill -INT $$'), ref_exit=130),
    C('signal/segv', ROOT, cmd=sh('kill -SEGV $$'), ref_exit=139),
    C('signal/hup-pidns', ROOT + ['--unshare-pid'], cmd=sh('kill -HUP $$'), ref_exit=129),
    C('signal/kill-pidns', ROOT + ['--unshare-pid'], cmd=sh('kill -KILL $$'), ref_exit=137),
    C('signal/term-as-pid-1-ignored', ROOT + ['--unshare-pid', '--as-pid-1'],
      cmd=sh('kill -TERM $$; exit 7'), ref_exit=7),
    C('signal/kill-as-pid-1-ignored', ROOT + ['--unshare-pid', '--as-pid-1'],
      cmd=sh('kill -KILL $$; exit 8'), ref_exit=8),
    C('exit/background-pidns', ROOT + ['--unshare-pid'],
      cmd=sh('sleep 30 & echo started; exit 5'), ref_exit=5, timeout=20.0),
    C('exit/background-no-pidns', ROOT, cmd=sh('(sleep 1; echo late) & exit 4'), ref_exit=4),
    C('exec/missing', ROOT, cmd=['/nonexistent'], ref_exit=1),
    C('exec/missing-in-path', ROOT, cmd=['conformance-no-such-command'], ref_exit=1),
    C('exec/not-executable', ROOT, cmd=['{tmp}/noexec'], ref_exit=1),
    C('exec/directory', ROOT, cmd=['/usr'], ref_exit=1),
    C('exec/empty-name', ROOT, cmd=[''], ref_exit=1),
    C('exec/no-interpreter', ['--ro-bind', '/usr', '/usr'], cmd=['/usr/bin/true'], ref_exit=1),
    C('exec/dash-dash', ROOT + ['--'], cmd=sh('echo "$0"')),
    C('exec/dash-dash-option-name', ROOT + ['--'], cmd=['--foo'], ref_exit=1),

    # --- Bad input ---------------------------------------------------------------
    bad('bad/unknown-long', ROOT + ['--foo']),
    bad('bad/unknown-short', ROOT + ['-x']),
    bad('bad/option-with-equals', ['--ro-bind=/', '/']),
    bad('bad/no-command', ROOT, cmd=[]),
    bad('bad/no-arguments', [], cmd=[]),
    bad('bad/bind-no-args', ['--bind'], cmd=[]),
    bad('bad/bind-one-arg', ['--bind', '/usr'], cmd=[]),
    bad('bad/setenv-one-arg', ['--setenv', 'A'], cmd=[]),
    bad('bad/tmpfs-no-arg', ['--tmpfs'], cmd=[]),
    bad('bad/uid-no-arg', ['--uid'], cmd=[]),
    bad('bad/perms-no-arg', ['--perms'], cmd=[]),
    bad('bad/chmod-one-arg', ['--chmod', '0755'], cmd=[]),
    bad('bad/info-fd-not-a-number', ROOT + ['--info-fd', 'abc']),
    bad('bad/info-fd-negative', ROOT + ['--info-fd', '-1']),
    bad('bad/info-fd-trailing', ROOT + ['--info-fd', '3x']),
    bad('bad/file-fd-not-open', MIN + ['--file', '42', '/f']),
    bad('bad/bind-data-fd-not-open', MIN + ['--bind-data', '42', '/f']),
    bad('bad/bind-fd-not-open', MIN + ['--bind-fd', '42', '/mnt']),
    bad('bad/block-fd-not-a-number', ROOT + ['--block-fd', 'x']),
    bad('bad/bind-missing-source', MIN + ['--bind', '/nonexistent', '/mnt']),
    bad('bad/ro-bind-missing-source', MIN + ['--ro-bind', '/nonexistent', '/mnt']),
    bad('bad/dev-bind-missing-source', MIN + ['--dev-bind', '/nonexistent', '/mnt']),
    bad('bad/perms-twice', MIN + ['--perms', '0700', '--perms', '0700', '--dir', '/x']),
    bad('bad/perms-not-octal', MIN + ['--perms', '999', '--dir', '/x']),
    bad('bad/perms-too-big', MIN + ['--perms', '17777', '--dir', '/x']),
    bad('bad/perms-then-bind', MIN + ['--perms', '0700', '--bind', '/usr', '/x']),
    C('perms/unused-at-end', MIN + ['--perms', '0700'], cmd=['/bin/true']),
    bad('bad/size-zero', MIN + ['--size', '0', '--tmpfs', '/t']),
    bad('bad/size-not-a-number', MIN + ['--size', 'abc', '--tmpfs', '/t']),
    bad('bad/size-negative', MIN + ['--size', '-1', '--tmpfs', '/t']),
    bad('bad/size-then-dir', MIN + ['--size', '100', '--dir', '/x']),
    bad('bad/size-twice', MIN + ['--size', '100', '--size', '100', '--tmpfs', '/t']),
    bad('bad/userns-with-unshare-user', ROOT + ['--userns', '3', '--unshare-user'],
        fds={3: PathFd('/proc/self/ns/user', os.O_RDONLY)}),
    bad('bad/userns2-without-userns', ROOT + ['--userns2', '3'],
        fds={3: PathFd('/proc/self/ns/user', os.O_RDONLY)}, ref_exit=None,
        deliberate=Deliberate('setns into a user namespace that is not a descendant: the '
                              'kernel error of our order of steps is EPERM, bwrap\'s EINVAL', {
                                  'stderr': 'bwrap: Setting userns2 failed: Operation not '
                                            'permitted\n'}, who=('user',))),
    bad('bad/exec-label', ROOT + ['--exec-label', 'system_u:system_r:x:s0']),
    bad('bad/file-label', ROOT + ['--file-label', 'system_u:object_r:x:s0']),
    bad('bad/unshare-unknown', ROOT + ['--unshare-foo']),
    bad('bad/help-like', ROOT + ['-help']),
]


def _ref_exit(case):
    if isinstance(case.ref_exit, dict):
        return case.ref_exit.get(WHO)
    return case.ref_exit


@pytest.mark.parametrize('case', CASES, ids=lambda c: c.id)
def test_side_by_side(case, tmp_path):
    tmp = str(tmp_path)
    if case.ours_only:
        raw = case.run(OURS, tmp)
        case.ours_only(raw)
        return
    ref_raw, ours_raw, unsettled = run_both(lambda prog: case.run(prog, tmp), REFERENCE, OURS)
    expected = _ref_exit(case)
    if expected is not None:
        assert ref_raw['exit'] == expected, (
            'table error: /usr/bin/bwrap exited %r, the table expects %r\n%s'
            % (ref_raw['exit'], expected, ref_raw['stderr']))
    notes_ref, notes_ours, problems = [], [], []
    if unsettled:
        notes_ours.append(unsettled)
    if ours_raw['leftover']:
        problems.append('processes outlived the tool, holding its stdout/stderr')
    if ref_raw['leftover']:
        notes_ref.append('/usr/bin/bwrap left processes behind (killed)')
    ref = normalise(ref_raw, case, notes_ref, [])
    ours = normalise(ours_raw, case, notes_ours, problems)
    check_deliberate(case.id, case.deliberate, tmp, ref, ours)
    diffs = compare(ref, ours)
    assert not diffs and not problems, report(
        case.id, case.argv(tmp), ref, ours, diffs, notes_ref, notes_ours, problems)


def check_deliberate(case_id, deliberate, tmp, ref, ours):
    """Asserts our side of a kept difference exactly, then removes those
    sections from both sides so that the rest is still compared."""
    if deliberate is None or WHO not in deliberate.who:
        return
    if deliberate.ran is not None:
        assert ('env' in ours) == deliberate.ran, (
            '%s: deliberate difference (%s): our command %s, expected the opposite'
            % (case_id, deliberate.reason, 'ran' if 'env' in ours else 'did not run'))
    for section in deliberate.ours:
        want = deliberate.expected(section, tmp)
        got = ours.get(section, '<missing>')
        assert got == want, (
            '%s: deliberate difference (%s), section %r: ours gave %r, expected %r'
            % (case_id, deliberate.reason, section, got, want))
        ref.pop(section, None)
        ours.pop(section, None)
    if deliberate.ran is not None:
        for section in PROBE_SECTIONS | {'stdout'}:
            ref.pop(section, None)
            ours.pop(section, None)


# ---------------------------------------------------------------------------
# Scenarios: behaviour over time (blocking, locks, parent death, signals,
# joining namespaces), run against both programs and compared as dicts.

def _env(tmp):
    return {k: v.replace('{tmp}', tmp) for k, v in BASE_ENV.items()}


def _eof_within(fd, timeout):
    """True if FD (a pipe read end) reaches EOF within TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                if not os.read(fd, 4096):
                    return True
            except BlockingIOError:
                pass


def _is_open_now(fd):
    """True if nobody closed the pipe: no EOF (and no data) right now."""
    ready, _, _ = select.select([fd], [], [], 0)
    return not ready


def _cleanup(proc, before):
    proc.kill_group()
    proc.wait(10)
    proc.finish(5)
    proc.close_kept()
    left = [p for p in sbtest.children_of_us() if p not in before]
    sbtest.reap_orphans(left)


def scenario_block_fd(prog, tmp, extra):
    before = set(sbtest.children_of_us())
    proc = Proc([prog] + ROOT + extra + ['--block-fd', '3', '/bin/sh', '-c', 'echo started'],
                _env(tmp), fds={3: BlockPipe()})
    try:
        # Ready: a process of the sandbox sleeps reading the block fd.
        blocked = sbtest.wait_for(
            lambda: sbtest.blocked_reading(proc.pid, proc.specs[3][0]) or proc.poll() is not None,
            timeout=15.0)
        result = {'ready': bool(blocked) and proc.poll() is None,
                  'exited before the byte': proc.poll() is not None,
                  'output before the byte': b''.join(proc.out).decode()}
        os.write(proc.specs[3][0], b'x')
        result['exit'] = proc.wait(20)
        out, err = proc.finish()
        result.update({'stdout': out.decode(), 'stderr': err})
        return result
    finally:
        _cleanup(proc, before)


def scenario_sync_fd(prog, tmp, extra):
    before = set(sbtest.children_of_us())
    proc = Proc([prog] + ROOT + extra + ['--sync-fd', '3', '/bin/sh', '-c',
                                         'echo ready; read x; echo done'],
                _env(tmp), fds={3: Hold()}, keep_stdin=True)
    sync_r = proc.specs[3][0]
    try:
        result = {'ready': proc.wait_output(b'ready')}
        result['sync fd open while running'] = _is_open_now(sync_r)
        os.write(proc.stdin, b'go\n')
        result['exit'] = proc.wait(20)
        result['sync fd closed after exit'] = _eof_within(sync_r, 5.0)
        out, err = proc.finish()
        result.update({'stdout': out.decode(), 'stderr': err})
        return result
    finally:
        os.close(sync_r)
        proc.specs[3] = (None, proc.specs[3][1])
        _cleanup(proc, before)


F_RDLCK, F_WRLCK, F_UNLCK = 0, 1, 2


def _lock_state(path):
    """('read'/'write'/'unlocked', holder pid) as F_GETLK reports it."""
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        req = struct.pack('hhqqi4x', F_WRLCK, os.SEEK_SET, 0, 0, 0)
        res = fcntl.fcntl(fd, fcntl.F_GETLK, req)
        ltype, _, _, _, pid = struct.unpack('hhqqi4x', res)
        return {F_RDLCK: 'read', F_WRLCK: 'write', F_UNLCK: 'unlocked'}[ltype], pid
    finally:
        os.close(fd)


def _pid_relation(pid, proc):
    if pid == proc.pid:
        return 'the tool (monitor)'
    if pid <= 0:
        return 'pid %d (OFD lock?)' % pid
    try:
        with open('/proc/%d/stat' % pid) as f:
            ppid = int(f.read().rsplit(')', 1)[1].split()[1])
    except OSError:
        return 'gone'
    if ppid == proc.pid:
        return 'a child of the tool'
    return 'another process'


def scenario_lock_file(prog, tmp, extra, names=('lk',)):
    prepare(tmp)
    before = set(sbtest.children_of_us())
    locks = []
    for n in names:
        locks += ['--lock-file', '/mnt/' + n]
    proc = Proc([prog] + ROOT + extra + ['--bind', tmp + '/rw', '/mnt'] + locks +
                ['/bin/sh', '-c', 'echo ready; read x'],
                _env(tmp), keep_stdin=True)
    try:
        result = {'ready': proc.wait_output(b'ready')}
        for n in names:
            state, pid = _lock_state(os.path.join(tmp, 'rw', n))
            result['%s while running' % n] = state
            result['%s holder' % n] = _pid_relation(pid, proc) if state != 'unlocked' else None
        os.write(proc.stdin, b'go\n')
        result['exit'] = proc.wait(20)
        for n in names:
            result['%s after exit' % n] = _lock_state(os.path.join(tmp, 'rw', n))[0]
        result['stderr'] = proc.finish()[1]
        return result
    finally:
        _cleanup(proc, before)


def scenario_parent_death(prog, tmp, extra):
    """Runs the tool from an intermediate shell, kills the shell with
    SIGKILL and watches (through an inherited pipe) whether the sandbox
    goes away."""
    before = set(sbtest.children_of_us())
    argv = ['/bin/sh', '-c', '"$@" & wait', 'sh', prog] + ROOT + extra + \
        ['/bin/sh', '-c', 'echo ready; exec sleep 30']
    proc = Proc(argv, _env(tmp), fds={5: Hold()})
    alive_r = proc.specs[5][0]
    try:
        result = {'ready': proc.wait_output(b'ready')}
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        result['sandbox gone within 5s of its parent'] = _eof_within(alive_r, 5.0)
        return result
    finally:
        os.close(alive_r)
        proc.specs[5] = (None, proc.specs[5][1])
        _cleanup(proc, before)


def scenario_signal_tool(prog, tmp, extra, sig, script='echo ready; sleep 30; exit 9'):
    """Sends SIG to the tool's own process while the command runs."""
    before = set(sbtest.children_of_us())
    proc = Proc([prog] + ROOT + extra + ['/bin/sh', '-c', script],
                _env(tmp), fds={5: Hold()})
    alive_r = proc.specs[5][0]
    try:
        result = {'ready': proc.wait_output(b'ready')}
        os.kill(proc.pid, sig)
        status = proc.wait(10)
        result['tool exit'] = status
        result['sandbox gone within 5s'] = _eof_within(alive_r, 5.0)
        out, err = proc.finish(2)
        result['stderr'] = err
        return result
    finally:
        os.close(alive_r)
        proc.specs[5] = (None, proc.specs[5][1])
        _cleanup(proc, before)


def scenario_join(prog, tmp, outer, inner):
    """A Flatpak-style sub-sandbox: a first sandbox reports its child pid on
    --info-fd; a second one joins its user (and pid) namespace with
    --userns/--pidns and runs the probe."""
    before = set(sbtest.children_of_us())
    first = Proc([prog] + ROOT + outer + ['--info-fd', '3', '/bin/sh', '-c',
                                          'echo ready; read x'],
                 _env(tmp), fds={3: Collect()}, keep_stdin=True)
    try:
        result = {'ready': first.wait_output(b'ready')}
        child = _read_json_object(first.specs[3][0])['child-pid']
        fds = {}
        args = []
        if '--userns' in inner:
            fds[5] = PathFd('/proc/%d/ns/user' % child, os.O_RDONLY)
            args += ['--userns', '5']
        if '--pidns' in inner:
            fds[6] = PathFd('/proc/%d/ns/pid' % child, os.O_RDONLY)
            args += ['--pidns', '6']
        args += [a for a in inner if a not in ('--userns', '--pidns')]
        want = {n: os.readlink('/proc/%d/ns/%s' % (child, n)) for n in ('user', 'pid')}
        case = Case('join', ROOT + args)
        raw = run_once(prog, ROOT + args, probe_cmd(), _env(tmp), '/', fds)
        notes, problems = [], []
        norm = normalise(raw, case, notes, problems)
        try:
            probe = json.loads(raw['stdout'])
            result['same userns as the first'] = probe['ns']['user'] == want['user']
            result['pidns relation'] = (
                'same' if probe['ns']['pid'] == want['pid'] else 'other')
        except ValueError:
            pass
        result.update({'second: ' + k: v for k, v in norm.items()})
        os.write(first.stdin, b'go\n')
        result['first exit'] = first.wait(20)
        return result
    finally:
        _cleanup(first, before)


def _read_json_object(fd, timeout=15.0):
    """Reads from FD until the bytes so far parse as one JSON document."""
    data = b''
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 4096)
        data += chunk
        try:
            return json.loads(data)
        except ValueError:
            if not chunk:
                break
    raise AssertionError('no JSON document on the info fd: %r' % data)


def scenario_userns_block_fd(prog, tmp, extra):
    """--userns-block-fd: the caller writes the id maps of the sandbox's
    user namespace itself (as newuidmap would), then releases the tool."""
    before = set(sbtest.children_of_us())
    proc = Proc([prog] + ROOT + ['--unshare-user', '--info-fd', '3',
                                 '--userns-block-fd', '4'] + extra + probe_cmd(),
                _env(tmp), fds={3: Collect(), 4: BlockPipe()})
    try:
        child = _read_json_object(proc.specs[3][0])['child-pid']
        result = {'exited before the byte': proc.poll() is not None}
        maps = {}
        for name, text in (('uid_map', '1234 %d 1\n' % os.geteuid()),
                           ('setgroups', 'deny\n'),
                           ('gid_map', '5678 %d 1\n' % os.getegid())):
            try:
                with open('/proc/%d/%s' % (child, name), 'w') as f:
                    f.write(text)
                maps[name] = 'written'
            except OSError as e:
                maps[name] = 'E:' + errno.errorcode.get(e.errno, str(e.errno))
        result['maps'] = maps
        os.write(proc.specs[4][0], b'x')
        status = proc.wait(20)
        out, err = proc.finish()
        proc.specs[3] = (None, proc.specs[3][1])
        raw = {'exit': status, 'stdout': out, 'stderr': err, 'fds': {}}
        norm = normalise(raw, Case('userns-block-fd', ROOT), [], [])
        result.update({'sandbox: ' + k: v for k, v in norm.items()})
        return result
    finally:
        _cleanup(proc, before)


SCENARIOS = {
    'userns-block-fd/plain': lambda p, t: scenario_userns_block_fd(p, t, []),
    'userns-block-fd/pidns': lambda p, t: scenario_userns_block_fd(p, t, ['--unshare-pid']),
    'block-fd/plain': lambda p, t: scenario_block_fd(p, t, []),
    'block-fd/pidns': lambda p, t: scenario_block_fd(p, t, ['--unshare-pid']),
    'block-fd/userns-netns': lambda p, t: scenario_block_fd(p, t, ['--unshare-user',
                                                                   '--unshare-net']),
    'sync-fd/plain': lambda p, t: scenario_sync_fd(p, t, []),
    'sync-fd/pidns': lambda p, t: scenario_sync_fd(p, t, ['--unshare-pid']),
    'sync-fd/as-pid-1': lambda p, t: scenario_sync_fd(p, t, ['--unshare-pid', '--as-pid-1']),
    'lock-file/plain': lambda p, t: scenario_lock_file(p, t, []),
    'lock-file/pidns': lambda p, t: scenario_lock_file(p, t, ['--unshare-pid']),
    'lock-file/two': lambda p, t: scenario_lock_file(p, t, [], ('a', 'b')),
    'die-with-parent/plain': lambda p, t: scenario_parent_death(p, t, ['--die-with-parent']),
    'die-with-parent/pidns': lambda p, t: scenario_parent_death(
        p, t, ['--unshare-pid', '--die-with-parent']),
    'die-with-parent/as-pid-1': lambda p, t: scenario_parent_death(
        p, t, ['--unshare-pid', '--as-pid-1', '--die-with-parent']),
    'die-with-parent/absent': lambda p, t: scenario_parent_death(p, t, []),
    'signal-tool/term': lambda p, t: scenario_signal_tool(p, t, [], signal.SIGTERM),
    'signal-tool/term-pidns': lambda p, t: scenario_signal_tool(
        p, t, ['--unshare-pid'], signal.SIGTERM),
    # The command must die of the forwarded SIGINT itself: a shell waiting
    # on a foreground child ignores SIGINT until the child exits, so the
    # shell `exec`s sleep here.
    'signal-tool/int-pidns': lambda p, t: scenario_signal_tool(
        p, t, ['--unshare-pid'], signal.SIGINT, 'echo ready; exec sleep 30'),
    'signal-tool/hup': lambda p, t: scenario_signal_tool(p, t, [], signal.SIGHUP),
    'signal-tool/kill-pidns': lambda p, t: scenario_signal_tool(
        p, t, ['--unshare-pid'], signal.SIGKILL),
    'signal-tool/term-die-with-parent': lambda p, t: scenario_signal_tool(
        p, t, ['--unshare-pid', '--die-with-parent'], signal.SIGTERM),
    'join/userns': lambda p, t: scenario_join(
        p, t, ['--unshare-user', '--unshare-pid'], ['--userns']),
    'join/userns-pidns': lambda p, t: scenario_join(
        p, t, ['--unshare-user', '--unshare-pid'], ['--userns', '--pidns']),
    'join/userns-pidns-unshare-pid': lambda p, t: scenario_join(
        p, t, ['--unshare-user', '--unshare-pid'], ['--userns', '--pidns', '--unshare-pid']),
}

FDS_CONSUMED = ('fds consumed by --userns/--pidns/--userns-block-fd are closed before the '
                'command runs; bwrap passes them on')
STDIO_FDS = ['0: fifo r', '1: fifo w', '2: fifo w']


# The signal-tool scenarios have none: under bwrap's name ours dies of the
# signal and forwards nothing, as bwrap does.
SCENARIO_DELIBERATE = {
    'join/userns': Deliberate(FDS_CONSUMED, {'second: open fds': STDIO_FDS}),
    'join/userns-pidns': Deliberate(FDS_CONSUMED, {'second: open fds': STDIO_FDS}),
    'join/userns-pidns-unshare-pid': Deliberate(FDS_CONSUMED,
                                                {'second: open fds': STDIO_FDS}),
    'userns-block-fd/plain': Deliberate(FDS_CONSUMED, {'sandbox: open fds': STDIO_FDS}),
    'userns-block-fd/pidns': Deliberate(FDS_CONSUMED, {'sandbox: open fds': STDIO_FDS}),
}


@pytest.mark.parametrize('name', sorted(SCENARIOS))
def test_scenario(name, tmp_path):
    tmp = str(tmp_path)

    def run(prog):
        prepare(tmp)
        return SCENARIOS[name](prog, tmp)

    ref, ours, unsettled = run_both(run, REFERENCE, OURS)
    assert ref.get('ready', True), 'table error: /usr/bin/bwrap never got ready: %r' % ref
    check_deliberate(name, SCENARIO_DELIBERATE.get(name), tmp, ref, ours)
    diffs = compare(ref, ours)
    assert not diffs, report(name, ['(scenario)'], ref, ours, diffs, [],
                             [unsettled] if unsettled else [], [])


# ---------------------------------------------------------------------------
# --help and --version: the texts differ between releases, so they are
# compared for what callers rely on, not byte for byte.

def _help(prog):
    raw = run_once(prog, ['--help'], [], {'PATH': '/usr/bin:/bin'})
    text = raw['stdout'].decode()
    return raw, text.replace(prog, 'PROG')


def test_help():
    """Same exit status and stream, same usage line (argv[0] mapped), and
    every option of Debian's --help listed by ours (callers probe it)."""
    ref_raw, ref = _help(REFERENCE)
    ours_raw, ours = _help(OURS)
    assert (ours_raw['exit'], ours_raw['stderr']) == (ref_raw['exit'], ref_raw['stderr'])
    assert ours.splitlines()[0] == ref.splitlines()[0]
    ref_opts = set(re.findall(r'^\s+(--[\w-]+)', ref, re.M))
    ours_opts = set(re.findall(r'^\s+(--[\w-]+)', ours, re.M))
    assert ref_opts, ref
    assert not ref_opts - ours_opts, 'missing from our --help: %s' % sorted(ref_opts - ours_opts)


def test_version():
    """bwrap-options.md: `bubblewrap X.Y.Z`, ours claims 0.11.1 (not compared
    with Debian's 0.8.0 text)."""
    ref = run_once(REFERENCE, ['--version'], [], {})
    ours = run_once(OURS, ['--version'], [], {})
    assert re.fullmatch(rb'bubblewrap \d+\.\d+\.\d+\n', ref['stdout'])
    assert (ours['exit'], ours['stdout'], ours['stderr']) == (0, b'bubblewrap 0.11.1\n', '')


# ---------------------------------------------------------------------------
# The harness itself: what it leaves out of the comparison, and why.

def _mountinfo(*mounts):
    """Mountinfo text from (id, parent, point, options) tuples; each mount
    a tmpfs of its own device."""
    return ''.join('%d %d 0:%d / %s %s - tmpfs t%d rw\n' % (i, parent, 900 + i, point, opts, i)
                   for i, parent, point, opts in mounts)


def _sections(text, unreachable=()):
    visible, covered, out_of_reach = harness.normalise_mountinfo(text, set(), [], unreachable)
    return ([line.split()[4] for line in visible], [line.split()[4] for line in covered],
            [line.split()[4] for line in out_of_reach])


def test_harness_sets_apart_mounts_that_no_path_reaches():
    # /mnt (2) is covered by a bind on /mnt (4): 2 and its /mnt/a (3) are
    # reached by no path; 4's own /mnt/b (5) is.  /srv/private (7) is
    # unreachable for the probe.
    text = _mountinfo((1, 0, '/', 'ro'), (2, 1, '/mnt', 'rw'), (3, 2, '/mnt/a', 'rw'),
                      (4, 2, '/mnt', 'rw'), (5, 4, '/mnt/b', 'rw'), (6, 1, '/srv', 'ro'),
                      (7, 6, '/srv/private', 'rw'))
    assert _sections(text, {'/srv/private'}) == (
        ['/', '/mnt', '/mnt/b', '/srv'], ['/mnt', '/mnt/a'], ['/srv/private'])


@pytest.mark.parametrize('ours_opts, accepted', [
    ('ro,nosuid,nodev,relatime', True),     # ours stricter where bwrap could not remount
    ('rw,relatime', True),                  # the same
    ('ro,relatime', False),                 # stricter, but not as our binds make it
    ('rw,nosuid,relatime', False),
])
def test_harness_accepts_only_stricter_unreachable_mounts(ours_opts, accepted):
    def observed(opts):
        text = _mountinfo((1, 0, '/', 'ro'), (2, 1, '/var/lib/containers/x', opts))
        visible, covered, out_of_reach = harness.normalise_mountinfo(
            text, set(), [], {'/var/lib/containers/x'})
        return {'mountinfo': visible, 'mountinfo: covered mounts': covered,
                'mountinfo: unreachable mounts': out_of_reach}
    diffs = compare(observed('rw,relatime'), observed(ours_opts))
    assert (diffs == []) == accepted, diffs


@pytest.mark.skipif(not sbtest.IS_ROOT, reason='mounting on the host needs root')
def test_harness_runs_the_pair_again_when_host_mounts_change(tmp_path):
    # run-pytest gives root's pytest a mount namespace of its own: the
    # mount below is seen by this process alone.
    target = tmp_path / 'mnt'
    target.mkdir()
    calls = []

    def run(prog):
        calls.append(prog)
        if len(calls) == 1:
            subprocess.run(['mount', '-t', 'tmpfs', 'sbtest-come-and-go', str(target)],
                           check=True)
        return len(calls)

    try:
        ref, ours, unsettled = run_both(run, 'reference', 'ours')
    finally:
        subprocess.run(['umount', str(target)], check=True)
    assert calls == ['reference', 'ours', 'reference', 'ours']
    assert (ref, ours, unsettled) == (3, 4, None)
