"""Seccomp: the default policy seen from inside, caller filters as bwrap's,
--seccomp-profile none|FILE, --seccomp-print, --seccomp-log.

The checks inside run a small C probe, compiled on the host into a
directory bound read-only at /probe: each named call is made with the raw
syscall and its result printed as "NAME OK" or "NAME ERRNONAME"."""

import os
import platform
import shutil
import subprocess
import textwrap

import pytest

from sbtest import BWRAP, BWRAP_USR, SANDBOX, SYSTEM_BWRAP, USR, ok, proc_status, run, usr_for

PROBE_C = r'''
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int pipe_fds[2];

static void *thread_main (void *arg) { return arg; }

#ifdef __x86_64__
static long i386_call (long nr)
{
  long ret;
  __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(0), "c"(0) : "memory");
  return ret;
}
#endif

/* The result of NAME, as -1/errno or >= 0. */
static long call (const char *name)
{
  char c = 'x';
  long r;
  pid_t pid;
  int status;

#define IS(s) (strcmp (name, s) == 0)
  if (IS ("tiocsti")) return syscall (SYS_ioctl, pipe_fds[0], (unsigned long) TIOCSTI, &c);
  if (IS ("tiocsti_high")) return syscall (SYS_ioctl, pipe_fds[0], TIOCSTI | (1UL << 32), &c);
  if (IS ("tioclinux")) return syscall (SYS_ioctl, pipe_fds[0], (unsigned long) TIOCLINUX, &c);
  if (IS ("tiocgwinsz")) return syscall (SYS_ioctl, pipe_fds[0], (unsigned long) TIOCGWINSZ, &c);
  if (IS ("keyctl")) return syscall (SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0);
  if (IS ("add_key")) return syscall (SYS_add_key, "user", "sb", "x", 1, -3);
  if (IS ("request_key")) return syscall (SYS_request_key, "user", "sb", NULL, 0);
  if (IS ("bpf")) return syscall (SYS_bpf, 0, NULL, 0);
  if (IS ("userfaultfd")) return syscall (SYS_userfaultfd, 0);
  if (IS ("open_by_handle_at")) return syscall (SYS_open_by_handle_at, -1, NULL, 0);
  if (IS ("kexec_load")) return syscall (SYS_kexec_load, 0, 0, NULL, 0);
  if (IS ("init_module")) return syscall (SYS_init_module, NULL, 0, "");
  if (IS ("io_uring_setup")) return syscall (SYS_io_uring_setup, 1, NULL);
  if (IS ("personality_rie")) return personality (READ_IMPLIES_EXEC);
  if (IS ("clone3")) return syscall (SYS_clone3, NULL, 0);
  if (IS ("fsopen")) return syscall (SYS_fsopen, "tmpfs", 0);
  if (IS ("open_tree")) return syscall (SYS_open_tree, -1, "/", 0);
  if (IS ("mount")) return mount ("none", "/tmp", "tmpfs", 0, NULL);
  if (IS ("setns")) return setns (-1, 0);
  if (IS ("unshare_user")) return unshare (CLONE_NEWUSER);
  if (IS ("unshare_files")) return unshare (CLONE_FILES);
  if (IS ("clone_newuser"))
    {
      pid = syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
      if (pid == 0)
        _exit (0);
      if (pid > 0)
        waitpid (pid, NULL, 0);
      return pid;
    }
  if (IS ("getppid")) return syscall (SYS_getppid);
  if (IS ("getpgid")) return syscall (SYS_getpgid, 0);
  if (IS ("perf_event_open")) return syscall (SYS_perf_event_open, NULL, 0, -1, -1, 0);
  if (IS ("ptrace"))
    {
      pid = fork ();
      if (pid == 0)
        _exit (ptrace (PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 0 : errno);
      waitpid (pid, &status, 0);
      errno = WEXITSTATUS (status);
      return errno == 0 ? 0 : -1;
    }
  if (IS ("thread"))
    {
      pthread_t t;
      errno = pthread_create (&t, NULL, thread_main, NULL);
      if (errno != 0)
        return -1;
      pthread_join (t, NULL);
      return 0;
    }
#ifdef __x86_64__
  if (IS ("i386_keyctl") || IS ("i386_getpid"))
    {
      /* In a child: without ia32 emulation, int 0x80 is a segfault. */
      int fds[2];
      if (pipe (fds) != 0)
        return -1;
      pid = fork ();
      if (pid == 0)
        {
          r = i386_call (IS ("i386_keyctl") ? 288 : 20);
          if (write (fds[1], &r, sizeof r) != sizeof r)
            _exit (1);
          _exit (0);
        }
      close (fds[1]);
      waitpid (pid, &status, 0);
      if (read (fds[0], &r, sizeof r) != sizeof r)
        {
          errno = ENOEXEC; /* no i386 entry point */
          return -1;
        }
      if (r < 0 && r > -4096)
        {
          errno = -r;
          return -1;
        }
      return 0;
    }
  if (IS ("x32_keyctl")) return syscall (0x40000000 + 250, 0, -3, 0);
#endif
  errno = EINVAL;
  fprintf (stderr, "probe: unknown check %s\n", name);
  return -2;
}

int main (int argc, char **argv)
{
  if (pipe (pipe_fds) != 0)
    return 1;
  for (int i = 1; i < argc; i++)
    {
      long r;
      errno = 0;
      r = call (argv[i]);
      if (r >= 0)
        printf ("%s OK\n", argv[i]);
      else
        printf ("%s %s\n", argv[i], strerrorname_np (errno));
    }
  return 0;
}
'''

# A caller's filter, as Flatpak makes one: libseccomp, exported as raw BPF.
# gen-filter SYSCALL ERRNO [SYSCALL ERRNO]... > program
GEN_FILTER_C = r'''
#include <seccomp.h>
#include <stdlib.h>
#include <unistd.h>

int main (int argc, char **argv)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  for (int i = 1; i + 1 < argc; i += 2)
    if (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (atoi (argv[i + 1])),
                          seccomp_syscall_resolve_name (argv[i]), 0) != 0)
      return 1;
  return seccomp_export_bpf (ctx, 1) == 0 ? 0 : 1;
}
'''

EPERM_CALLS = ['tiocsti', 'tiocsti_high', 'tioclinux', 'keyctl', 'add_key',
               'request_key', 'bpf', 'userfaultfd', 'open_by_handle_at',
               'kexec_load', 'init_module', 'io_uring_setup', 'personality_rie',
               'unshare_user', 'clone_newuser', 'setns']
ENOSYS_CALLS = ['clone3', 'fsopen', 'open_tree']


def _gcc():
    gcc = shutil.which('gcc') or shutil.which('cc')
    if gcc is None:
        pytest.skip('no C compiler on the host (apt-get install gcc)')
    return gcc


@pytest.fixture(scope='module')
def tools(tmp_path_factory):
    """A world-readable directory with the probe and the filter generator."""
    gcc = _gcc()
    d = tmp_path_factory.mktemp('seccomp-tools')
    os.chmod(d, 0o755)
    (d / 'probe.c').write_text(PROBE_C)
    subprocess.run([gcc, '-O1', '-pthread', '-o', str(d / 'probe'), str(d / 'probe.c')],
                   check=True)
    (d / 'gen-filter.c').write_text(GEN_FILTER_C)
    r = subprocess.run([gcc, '-o', str(d / 'gen-filter'), str(d / 'gen-filter.c'), '-lseccomp'],
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        pytest.skip('cannot build with libseccomp (apt-get install libseccomp-dev): ' + r.stderr)
    return d


def probe(tools, checks, opts=(), prog=None, pass_fds=()):
    """Runs the probe inside and returns {check: 'OK' | 'EPERM' | ...}."""
    r = run(usr_for(prog) + ['--ro-bind', str(tools), '/probe'] + list(opts) +
            ['/probe/probe'] + list(checks), prog=prog, pass_fds=pass_fds)
    out = ok(r)
    return dict(line.split(' ', 1) for line in out.splitlines())


def status_inside(opts=(), pass_fds=()):
    return proc_status(ok(run(USR + list(opts) + ['cat', '/proc/self/status'],
                              pass_fds=pass_fds)))


def filter_file(tools, tmp_path, name, *rules):
    """A BPF program file denying each (syscall, errno) in rules."""
    path = tmp_path / name
    with open(path, 'wb') as f:
        subprocess.run([str(tools / 'gen-filter')] +
                       [str(x) for rule in rules for x in rule],
                       stdout=f, check=True)
    return path


def open_fds(*paths):
    return [os.open(p, os.O_RDONLY) for p in paths]


def close_fds(fds):
    for fd in fds:
        os.close(fd)


def strip_comments(text):
    return ''.join(line + '\n' for line in text.splitlines()
                   if not line.startswith('#'))


# --- the default policy -----------------------------------------------------

def test_default_policy_is_loaded():
    status = status_inside()
    assert status['Seccomp'] == '2'
    assert status['Seccomp_filters'] == '1'
    assert status['NoNewPrivs'] == '1'


def test_blocked_calls_fail_with_the_documented_errno(tools):
    results = probe(tools, EPERM_CALLS + ENOSYS_CALLS + ['mount'])
    assert {c: results[c] for c in EPERM_CALLS} == {c: 'EPERM' for c in EPERM_CALLS}
    assert {c: results[c] for c in ENOSYS_CALLS} == {c: 'ENOSYS' for c in ENOSYS_CALLS}
    assert results['mount'] == 'EPERM'


def test_ordinary_calls_still_work(tools):
    results = probe(tools, ['tiocgwinsz', 'unshare_files', 'thread', 'ptrace',
                            'perf_event_open', 'getppid'])
    assert results == {
        'tiocgwinsz': 'ENOTTY',       # reaches the kernel: a pipe is no tty
        'unshare_files': 'OK',
        'thread': 'OK',               # clone3 -> ENOSYS -> clone fallback
        'ptrace': 'OK',
        'perf_event_open': 'EFAULT',  # reaches the kernel
        'getppid': 'OK',
    }


@pytest.mark.skipif(platform.machine() != 'x86_64', reason='x86_64 only')
def test_32bit_entry_points_are_filtered_too(tools):
    results = probe(tools, ['i386_getpid', 'i386_keyctl', 'x32_keyctl'])
    assert results['x32_keyctl'] == 'EPERM'
    if results['i386_getpid'] == 'ENOEXEC':
        pytest.skip('the kernel runs no i386 code (ia32_emulation off)')
    assert results['i386_getpid'] == 'OK'
    assert results['i386_keyctl'] == 'EPERM'


def test_allow_nesting_lets_namespaces_be_created(tools):
    results = probe(tools, ['unshare_user', 'setns', 'keyctl', 'clone3'],
                    opts=['--allow-nesting'])
    assert results['unshare_user'] == 'OK'
    assert results['setns'] == 'EBADF'
    assert results['keyctl'] == 'EPERM'
    assert results['clone3'] == 'ENOSYS'


def test_seccomp_log_logs_instead_of_refusing(tools):
    results = probe(tools, ['setns', 'clone3'], opts=['--seccomp-log'])
    assert results == {'setns': 'EBADF', 'clone3': 'EINVAL'}
    assert status_inside(['--seccomp-log'])['Seccomp'] == '2'


def test_profile_none_loads_nothing():
    status = status_inside(['--seccomp-profile', 'none'])
    assert status['Seccomp'] == '0'


def test_bwrap_personality_loads_nothing():
    status = proc_status(ok(run(BWRAP_USR + ['cat', '/proc/self/status'], prog=BWRAP)))
    assert status['Seccomp'] == '0'


WORKLOAD = r'''
set -eu
cd /tmp
export HOME=/tmp
cat > hello.c <<'EOF'
#include <stdio.h>
#include <pthread.h>
static void *t (void *a) { return a; }
int main (void) { pthread_t th; pthread_create (&th, NULL, t, NULL); pthread_join (th, NULL);
  puts ("hello from C"); return 0; }
EOF
gcc -O2 -pthread -o hello hello.c
./hello
python3 -c 'import subprocess, threading, json; print(json.dumps({"py": subprocess.run(["true"]).returncode}))'
mkdir repo && cd repo
git init -q .
echo data > file
git add file
git -c user.name=t -c user.email=t@example.org commit -q -m first
git log --oneline | wc -l
cd /tmp
mkdir -p src/a && echo one > src/a/x && echo two > src/y
tar -cf t.tar src && mkdir out && tar -xf t.tar -C out && diff -r src out/src && echo tar-ok
cat > Makefile <<'EOF'
all: prog
obj1.o: hello.c
	gcc -c -o $@ $<
prog: obj1.o
	gcc -pthread -o $@ $^
EOF
make -s -j2 && ./prog >/dev/null && echo make-ok
'''


def test_real_workload_runs_clean_under_the_default():
    for tool in ('gcc', 'git', 'make', 'tar', 'python3'):
        if not os.path.exists('/usr/bin/' + tool):
            pytest.skip('/usr/bin/%s is missing' % tool)
    r = run(USR + ['--tmpfs', '/tmp', 'sh', '-c', WORKLOAD], timeout=300)
    assert ok(r) == ('hello from C\n{"py": 0}\n1\ntar-ok\nmake-ok\n'), r.stderr


# --- caller filters ------------------------------------------------------------

def test_seccomp_fd_replaces_the_default(tools, tmp_path):
    prog = filter_file(tools, tmp_path, 'p', ('getppid', 18))  # EXDEV
    fds = open_fds(prog)
    try:
        results = probe(tools, ['getppid', 'keyctl', 'clone3'],
                        opts=['--seccomp', str(fds[0])], pass_fds=fds)
    finally:
        close_fds(fds)
    assert results['getppid'] == 'EXDEV'
    assert results['keyctl'] != 'EPERM'
    assert results['clone3'] == 'EINVAL'


def test_seccomp_fd_is_not_inherited(tools, tmp_path):
    prog = filter_file(tools, tmp_path, 'p', ('getppid', 18))
    fds = open_fds(prog)
    try:
        out = ok(run(USR + ['--seccomp', str(fds[0]), 'sh', '-c',
                            'test -e /proc/self/fd/%d && echo leaked || echo closed' % fds[0]],
                     pass_fds=fds))
    finally:
        close_fds(fds)
    assert out == 'closed\n'


def test_add_seccomp_fd_stacks_in_order(tools, tmp_path):
    # Equal actions: the program loaded last decides.  Debian's bwrap agrees.
    first = filter_file(tools, tmp_path, 'a', ('getppid', 18), ('getpgid', 30))
    second = filter_file(tools, tmp_path, 'b', ('getppid', 2))
    for prog in [SANDBOX, BWRAP] + ([SYSTEM_BWRAP] if SYSTEM_BWRAP else []):
        fds = open_fds(first, second)
        try:
            opts = ['--add-seccomp-fd', str(fds[0]), '--add-seccomp-fd', str(fds[1])]
            results = probe(tools, ['getppid', 'getpgid', 'keyctl'], opts=opts,
                            prog=prog, pass_fds=fds)
        finally:
            close_fds(fds)
        assert results['getppid'] == 'ENOENT', prog   # from the second program
        assert results['getpgid'] == 'EROFS', prog    # from the first
        assert results['keyctl'] != 'EPERM', prog     # no default policy


def test_add_seccomp_fd_filters_count(tools, tmp_path):
    first = filter_file(tools, tmp_path, 'a', ('getppid', 18))
    second = filter_file(tools, tmp_path, 'b', ('getppid', 2))
    fds = open_fds(first, second)
    try:
        status = status_inside(['--add-seccomp-fd', str(fds[0]),
                                '--add-seccomp-fd', str(fds[1])], pass_fds=fds)
    finally:
        close_fds(fds)
    assert status['Seccomp'] == '2'
    assert status['Seccomp_filters'] == '2'


def test_explicit_profile_with_a_caller_filter_loads_both(tools, tmp_path):
    prog = filter_file(tools, tmp_path, 'p', ('getppid', 18))
    fds = open_fds(prog)
    try:
        results = probe(tools, ['getppid', 'keyctl'],
                        opts=['--seccomp-profile', 'default', '--add-seccomp-fd', str(fds[0])],
                        pass_fds=fds)
    finally:
        close_fds(fds)
    assert results == {'getppid': 'EXDEV', 'keyctl': 'EPERM'}


@pytest.mark.parametrize('size', [7, 9, 100])
def test_invalid_program_length_is_refused(tmp_path, size):
    path = tmp_path / 'bad'
    path.write_bytes(b'\0' * size)
    for option in ('--seccomp', '--add-seccomp-fd'):
        fds = open_fds(path)
        try:
            r = run(USR + [option, str(fds[0]), 'true'], pass_fds=fds)
        finally:
            close_fds(fds)
        assert r.returncode == 1
        # Ours names the option and fd; bwrap's text (below) does not.
        assert r.stderr == ('sandbox: Invalid seccomp data, must be multiple of 8 (%s %d)\n'
                            % (option, fds[0]))


def test_invalid_program_length_same_as_system_bwrap(tmp_path, system_bwrap):
    path = tmp_path / 'bad'
    path.write_bytes(b'\0' * 12)
    for prog in (BWRAP, system_bwrap.path):
        fds = open_fds(path)
        try:
            r = run(BWRAP_USR + ['--seccomp', str(fds[0]), 'true'], prog=prog, pass_fds=fds)
        finally:
            close_fds(fds)
        assert (r.returncode, r.stderr) == (1, 'bwrap: Invalid seccomp data, must be multiple of 8\n')


def test_empty_program_is_refused(tmp_path):
    path = tmp_path / 'empty'
    path.write_bytes(b'')
    fds = open_fds(path)
    try:
        r = run(USR + ['--seccomp', str(fds[0]), 'true'], pass_fds=fds)
    finally:
        close_fds(fds)
    assert r.returncode == 1
    assert r.stderr == 'sandbox: Invalid seccomp data, must not be empty (--seccomp %d)\n' % fds[0]


def test_unreadable_program_fd():
    r = run(USR + ['--seccomp', '99', 'true'])
    assert r.returncode == 1
    assert r.stderr == "sandbox: Can't read seccomp data: Bad file descriptor (--seccomp 99)\n"


# --- policy files and --seccomp-print -------------------------------------------

POLICY = textwrap.dedent('''\
    # keep the default, lift keyctl, and pick our own errnos
    include default
    allow keyctl                       # this tool manages its keys
    deny getppid EXDEV
    deny getpgid EROFS if arg0 == 0x77
    deny socket EAFNOSUPPORT if arg0 == AF_VSOCK
    ''')


def seccomp_print(opts):
    r = run(list(opts) + ['--seccomp-print'])
    return ok(r)


def test_policy_file_applies(tools, tmp_path):
    path = tmp_path / 'policy'
    path.write_text(POLICY)
    results = probe(tools, ['getppid', 'getpgid', 'keyctl', 'bpf', 'clone3'],
                    opts=['--seccomp-profile', str(path)])
    assert results['getppid'] == 'EXDEV'
    assert results['getpgid'] == 'OK'       # arg0 is 0, not 0x77
    assert results['keyctl'] != 'EPERM'
    assert results['bpf'] == 'EPERM'
    assert results['clone3'] == 'ENOSYS'


def test_print_round_trips(tmp_path):
    path = tmp_path / 'policy'
    path.write_text(POLICY)
    printed = seccomp_print(['--seccomp-profile', str(path)])
    assert 'allow keyctl  # this tool manages its keys\n' in printed
    assert 'deny socket EAFNOSUPPORT if arg0 == 0x28\n' in printed
    again_path = tmp_path / 'printed'
    again_path.write_text(printed)
    again = seccomp_print(['--seccomp-profile', str(again_path)])
    assert strip_comments(again) == strip_comments(printed)


def test_print_default_round_trips(tmp_path):
    printed = seccomp_print([])
    assert printed.startswith('# The built-in policy.\n')
    assert '\ndeny ioctl EPERM if arg1 & 0xffffffff == 0x5412  # tty: ' in printed
    assert '\ndeny clone3 ENOSYS  # clone3: ' in printed
    path = tmp_path / 'printed'
    path.write_text(printed)
    assert strip_comments(seccomp_print(['--seccomp-profile', str(path)])) == \
        strip_comments(printed)
    nesting = seccomp_print(['--allow-nesting'])
    assert 'deny unshare' not in nesting and 'deny unshare' in printed


def test_print_with_log():
    printed = seccomp_print(['--seccomp-log'])
    assert '\nlog keyctl  # keyring: ' in printed
    assert '\ndeny ' not in printed


def test_print_none():
    assert strip_comments(seccomp_print(['--seccomp-profile', 'none'])) == 'default allow\n'


@pytest.mark.parametrize('text, line, reason', [
    ('include default\n\ndeny nosuchcall\n', 3, 'unknown system call "nosuchcall"'),
    ('deny keyctl EWHAT\n', 1, 'unknown errno "EWHAT"'),
    ('# c\nallow read if arg9 == 1\n', 2, 'expected arg0 to arg5, found "arg9"'),
    ('include everything\n', 1, 'unknown group "everything"'),
])
def test_malformed_policy_file(tmp_path, text, line, reason):
    path = tmp_path / 'bad-policy'
    path.write_text(text)
    r = run(USR + ['--seccomp-profile', str(path), 'true'])
    assert r.returncode == 1
    assert r.stderr.startswith('sandbox: %s:%d: %s' % (path, line, reason))
    assert r.stderr.count('\n') == 1
    assert r.stdout == ''


def test_missing_policy_file(tmp_path):
    path = tmp_path / 'missing'
    r = run(USR + ['--seccomp-profile', str(path), 'true'])
    assert r.returncode == 1
    assert r.stderr == 'sandbox: --seccomp-profile: opening %s: No such file or directory\n' % path
