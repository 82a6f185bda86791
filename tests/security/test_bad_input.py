"""The bad-input table (security.md, "What every bad input gets"): every
option fed the wrong kinds of argument.  Each row expects either

  an error: exit status 1, exactly one line on stderr, the personality's
      prefix and a text matching the row (ours names the option; some of
      bwrap's texts, which we keep byte for byte, do not: "Invalid fd: x",
      "setenv failed"...), or
  acceptance: bwrap takes the argument (e.g. a relative destination, which
      is relative to the new root), and so do we: exit 0,

and in every case nothing left on the host: no mount in our namespace, no
process, no new entry in /tmp or in the directory the paths point into.
"""

import os
import re
import resource
import subprocess
import tempfile

import pytest

import sbtest
from sbtest import BW, IS_ROOT, SB

# ---------------------------------------------------------------------------
# The table.  Rows are (id, args, expectation); args may use {missing} (a
# path that does not exist, under the scratch directory), {dir} (an existing
# scratch directory) and {big} (1 MiB of 'a').  An expectation is
#   ('error', REGEX)   the message after the prefix must match REGEX
#   ('ok',)            accepted: the sandbox runs the command
# A row whose args end with None stops there (the option's argument is
# missing): no command follows.

BAD_FDS = ['', 'x', '-1', '1x', ' 3', '99999999999', '0x3']


def named(option, text):
    """An error whose text (a regex) is bwrap's as it is, and ours after the
    option's name."""
    return {BW: ('error', text), SB: ('error', re.escape(option) + ': ' + text)}


def own_suffix(option, text):
    """bwrap's TEXT (plain), to which ours adds the option and fd 99."""
    return {BW: ('error', re.escape(text)),
            SB: ('error', re.escape('%s (%s 99)' % (text, option)))}


def status_write(option):
    """Writing the status JSON: bwrap calls every status fd info_fd."""
    return {BW: ('error', re.escape('Write to info_fd: Bad file descriptor')),
            SB: ('error', re.escape('Write to %s: Bad file descriptor' % option))}


# The command is not found: a bind or mount over "/" covered /usr.  Ours
# adds where it looked.
EXEC_NOT_FOUND = {BW: ('error', re.escape('execvp true: No such file or directory')),
                  SB: ('error', r"execvp true: No such file or directory "
                                r"\(not found in the sandbox's PATH .*\)")}

FD_OPTIONS = {
    # option: (extra arguments after the fd, what a closed fd gives)
    '--args': ([], ('error', r"Can't read --args data: Bad file descriptor")),
    '--userns': ([], ('error', r'Joining specified user namespace failed: Bad file descriptor')),
    '--userns2': ([], ('error', r'Setting userns2 failed: Bad file descriptor')),
    '--pidns': ([], ('error', r'Setting pidns: Bad file descriptor')),
    # bwrap's texts do not say which option; ours do.
    '--seccomp': ([], own_suffix('--seccomp', "Can't read seccomp data: Bad file descriptor")),
    '--add-seccomp-fd': ([], own_suffix('--add-seccomp-fd',
                                        "Can't read seccomp data: Bad file descriptor")),
    '--info-fd': ([], status_write('--info-fd')),
    '--json-status-fd': ([], status_write('--json-status-fd')),
    # bwrap neither checks these fds nor fails on them: kept as bwrap.
    '--sync-fd': ([], ('ok',)),
    '--block-fd': ([], ('ok',)),
    '--userns-block-fd': (None, None),
    '--bind-fd': (['/d'], named('--bind-fd', r"Can't find source path /proc/self/fd/99: "
                                             r'No such file or directory')),
    '--ro-bind-fd': (['/d'], named('--ro-bind-fd', r"Can't find source path "
                                                   r'/proc/self/fd/99: No such file or directory')),
    '--file': (['/d'], named('--file', r"Can't write data to file /d: Bad file descriptor")),
    '--bind-data': (['/d'], named('--bind-data', r"Can't write data to file /d: "
                                                 r'Bad file descriptor')),
    '--ro-bind-data': (['/d'], named('--ro-bind-data', r"Can't write data to file /d: "
                                                       r'Bad file descriptor')),
}

TAKES = {1: 'an argument', 2: 'two arguments', 3: 'three arguments'}

ARITY = {
    '--args': 1, '--argv0': 1, '--userns': 1, '--userns2': 1, '--pidns': 1, '--uid': 1,
    '--gid': 1, '--hostname': 1, '--chdir': 1, '--setenv': 2, '--unsetenv': 1,
    '--lock-file': 1, '--sync-fd': 1, '--bind': 2, '--bind-try': 2, '--dev-bind': 2,
    '--dev-bind-try': 2, '--ro-bind': 2, '--ro-bind-try': 2, '--bind-fd': 2,
    '--ro-bind-fd': 2, '--remount-ro': 1, '--overlay-src': 1, '--overlay': 3,
    '--tmp-overlay': 1, '--ro-overlay': 1, '--exec-label': 1, '--file-label': 1,
    '--proc': 1, '--dev': 1, '--tmpfs': 1, '--mqueue': 1, '--dir': 1, '--file': 2,
    '--bind-data': 2, '--ro-bind-data': 2, '--symlink': 2, '--seccomp': 1,
    '--add-seccomp-fd': 1, '--seccomp-profile': 1, '--block-fd': 1,
    '--userns-block-fd': 1, '--info-fd': 1, '--json-status-fd': 1, '--cap-add': 1,
    '--cap-drop': 1, '--perms': 1, '--size': 1, '--chmod': 2,
}

BINDS = ['--bind', '--bind-try', '--dev-bind', '--dev-bind-try', '--ro-bind', '--ro-bind-try']
DEST_OPS = ['--remount-ro', '--proc', '--dev', '--tmpfs', '--mqueue', '--dir', '--lock-file',
            '--chdir']

# Either: accepted, or a one-line error.
ANY = ('any',)


def env_name_error(option, name):
    """bwrap says only "setenv failed"; ours names the option and the rule."""
    return {BW: ('error', re.escape('%s failed' % option[2:])),
            SB: ('error', re.escape('%s: invalid variable name "%s" (it must be non-empty, '
                                    "without '=')" % (option, name)))}


def rows():
    table = []

    def add(id_, args, expect):
        table.append(pytest.param(args, expect, id=id_))

    # Missing arguments: the option ends the command line.
    for option, n in ARITY.items():
        for given in range(n):
            args = [option] + ['/x'] * given + [None]
            # bwrap says "takes one argument" for some options.
            takes = TAKES[n] if n > 1 else '(an|one) argument'
            add('%s-missing-%d' % (option, given), args,
                ('error', re.escape(option) + ' takes ' + takes))

    # File descriptors.
    for option, (extra, closed) in FD_OPTIONS.items():
        for value in BAD_FDS:
            extra_args = extra if extra is not None else []
            add('%s-fd-%r' % (option, value), [option, value] + extra_args,
                {BW: ('error', re.escape('Invalid fd: %s' % value)),
                 SB: ('error', re.escape('%s: invalid fd "%s" (a file descriptor number, e.g. 3)'
                                         % (option, value)))})
        if closed is not None:
            add('%s-closed-fd' % option, [option, '99'] + extra, closed)

    # Ids.
    for option in ('--uid', '--gid'):
        for value in ('', 'x', '-1', '4294967296', '1.5', '0x10'):
            add('%s-%r' % (option, value), ['--unshare-user', option, value],
                named(option, re.escape('Invalid %s: %s' % (option[2:], value))))

    # Numbers.
    for value in ('', 'x', '-1', '8', '17777', '99999999999999999999', '0x1ff'):
        add('--perms-%r' % value, ['--perms', value, '--dir', '/d'],
            ('error', re.escape('--perms takes an octal argument <= 07777')))
        add('--chmod-%r' % value, ['--chmod', value, '/usr'],
            ('error', re.escape('--chmod takes an octal argument <= 07777')))
    for value in ('', 'x', '-1', '0', '99999999999999999999999', '1k'):
        add('--size-%r' % value, ['--size', value, '--tmpfs', '/t'],
            ('error', re.escape('--size takes a non-zero number of bytes')))
    add('--perms-twice', ['--perms', '0700', '--perms', '0700', '--dir', '/d'],
        ('error', re.escape('--perms given twice for the same action')))
    add('--perms-unused', ['--perms', '0700', '--proc', '/proc'],
        ('error', re.escape('--perms must be followed by an option that creates a file')))
    add('--size-unused', ['--size', '100', '--dir', '/d'],
        ('error', re.escape('--size must be followed by --tmpfs')))
    add('--chmod-missing-path', ['--chmod', '0755', '{missing}'],
        named('--chmod', r"Can't chmod 0755 .*missing: No such file or directory"))

    # Capabilities.
    for option in ('--cap-add', '--cap-drop'):
        for value in ('', 'CAP_NOPE', '-1', '99'):
            add('%s-%r' % (option, value), [option, value],
                {BW: ('error', re.escape('unknown cap: %s' % value)),
                 SB: ('error', re.escape('%s: unknown capability "%s" (a name of '
                                         'capabilities(7), e.g. CAP_NET_BIND_SERVICE, or ALL)'
                                         % (option, value)))})

    # Seccomp policies.
    add('--seccomp-profile-empty', ['--seccomp-profile', ''],
        ('error', re.escape('--seccomp-profile takes default, none or the path of a policy file')))
    add('--seccomp-profile-missing-file', ['--seccomp-profile', '{missing}'],
        ('error', r'--seccomp-profile: opening .*missing: No such file or directory'))
    add('--seccomp-profile-relative-missing', ['--seccomp-profile', 'missing-relative'],
        ('error', r'--seccomp-profile: opening .*/missing-relative: No such file or directory'))
    add('--seccomp-profile-directory', ['--seccomp-profile', '{dir}'],
        ('error', r'--seccomp-profile: reading .*: Is a directory'))

    # Binds: sources.
    for option in BINDS:
        try_ = option.endswith('-try')
        missing = ('ok',) if try_ else named(
            option, r"Can't find source path .*missing: No such file or directory")
        add(option + '-empty-source', [option, '', '/d'], ('ok',) if try_ else (
            'error', r"(%s: the source path is empty|Can't find source path : "
                     r'No such file or directory)' % re.escape(option)))
        add(option + '-missing-source', [option, '{missing}', '/d'], missing)
        add(option + '-relative-missing-source', [option, 'missing', '/d'], missing)
        add(option + '-dotdot-missing-source', [option, '{dir}/../missing', '/d'], missing)
        add(option + '-missing-parent-source', [option, '{missing}/sub/x', '/d'], (
            'ok',) if try_ else named(
            option, r"Can't find source path .*missing/sub/x: No such file or directory"))
        # Destinations are inside the new root, whatever their form.
        for dest in ('rel', '/../../d', '/a/../../b'):
            add('%s-dest-%r' % (option, dest), [option, '{dir}', dest], ('ok',))
        # "" is "/": the bind covers the whole new root, /usr included.
        add('%s-dest-empty' % option, [option, '{dir}', ''], EXEC_NOT_FOUND)

    # Other destinations.
    for option in DEST_OPS:
        for dest in ('rel', '/../../x', '/missing/../x'):
            add('%s-%r' % (option, dest), [option, dest], {
                '--remount-ro': named('--remount-ro', r"Can't remount readonly on /(rel|x): "
                                                      r'No such file or directory'),
                '--lock-file': named('--lock-file', r'Unable to open lock file '
                                                    r'/?(rel|x|/missing/../x): '
                                                    r'No such file or directory'),
                '--chdir': named('--chdir', r"Can't chdir to %s: No such file or directory"
                                            % re.escape(dest)),
                # bwrap's personality has no ipc namespace of its own: only
                # root may mount the host's.
                '--mqueue': {SB: ('ok',), BW: ('ok',) if IS_ROOT else (
                    'error', r"Can't mount mqueue on /(rel|x): Operation not permitted")},
            }.get(option, ('ok',)))
        # An empty destination is "/": over the whole new root.
        add(option + '-empty', [option, ''], {
            '--remount-ro': ('ok',), '--dir': ('ok',), '--lock-file': ('ok',),
            '--chdir': named('--chdir', r"Can't chdir to : No such file or directory"),
            '--mqueue': {SB: EXEC_NOT_FOUND[SB], BW: EXEC_NOT_FOUND[BW] if IS_ROOT else (
                'error', r"Can't mount mqueue on /: Operation not permitted")},
        }.get(option, EXEC_NOT_FOUND))

    # Symlinks, environment, names.
    add('--symlink-empty-target', ['--symlink', '', '/l'],
        named('--symlink', r"Can't make symlink at /l: No such file or directory"))
    add('--symlink-empty-dest', ['--symlink', 't', ''],
        named('--symlink', r"Can't make symlink at /: destination exists and is not a symlink"))
    add('--symlink-relative-dest', ['--symlink', 't', 'rel'], ('ok',))
    add('--symlink-over-dir', ['--dir', '/d', '--symlink', 't', '/d'],
        named('--symlink', r"Can't make symlink at /d: destination exists and is not a symlink"))
    add('--setenv-empty-name', ['--setenv', '', 'x'], env_name_error('--setenv', ''))
    add('--setenv-name-with-equals', ['--setenv', 'A=B', 'x'], env_name_error('--setenv', 'A=B'))
    add('--setenv-empty-value', ['--setenv', 'A', ''], ('ok',))
    add('--unsetenv-empty', ['--unsetenv', ''], env_name_error('--unsetenv', ''))
    add('--unsetenv-with-equals', ['--unsetenv', 'A=B'], env_name_error('--unsetenv', 'A=B'))
    add('--hostname-without-uts', ['--share-uts', '--hostname', 'h'],
        ('error', re.escape('Specifying --hostname requires --unshare-uts')))
    add('--hostname-too-long', ['--unshare-uts', '--hostname', 'x' * 65],
        {BW: ('error', r".*(sethostname|hostname).*: Invalid argument"),
         SB: ('error', re.escape("--hostname: 65 bytes is longer than the kernel's limit of 64"))})
    add('--exec-label', ['--exec-label', 'x'], ('error', r'labeling not supported on this system'))
    add('--file-label', ['--file-label', 'x'], ('error', r'labeling not supported on this system'))
    add('--overlay-src-dangling', ['--overlay-src', '{dir}'],
        ('error', re.escape('--overlay-src must be followed by another --overlay-src or one of '
                            '--overlay, --tmp-overlay, or --ro-overlay')))
    add('--overlay-without-src', ['--overlay', '{dir}', '{dir}', '/o'],
        ('error', re.escape('--overlay requires at least one --overlay-src')))
    add('--tmp-overlay-missing-src', ['--overlay-src', '{missing}', '--tmp-overlay', '/o'],
        named('--tmp-overlay', r"Can't make overlay mount on /o .*: No such file or directory"))
    add('--unknown-option', ['--no-such-option'], ('error', re.escape('Unknown option --no-such-option')))
    add('--equals-form', ['--uid=0'],
        {BW: ('error', re.escape('Unknown option --uid=0')),
         SB: ('error', re.escape('Unknown option --uid=0: write "--uid UID", '
                                 'each value a separate argument'))})
    return table


@pytest.fixture(scope='module')
def scratch():
    d = tempfile.mkdtemp(prefix='badinput-', dir=tempfile.gettempdir())
    os.mkdir(os.path.join(d, 'dir'))
    yield d
    for dirpath, dirnames, filenames in os.walk(d, topdown=False):
        for name in filenames:
            os.unlink(os.path.join(dirpath, name))
        for name in dirnames:
            os.rmdir(os.path.join(dirpath, name))
    os.rmdir(d)


def tree(root):
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def expand(args, scratch):
    out = []
    for a in args:
        if a is None:
            return out, False
        out.append(a.replace('{missing}', os.path.join(scratch, 'missing'))
                    .replace('{dir}', os.path.join(scratch, 'dir')))
    return out, True


def check(tool, args, expect, scratch, pass_fds=(), input_fd=None):
    """Runs TOOL with the personality's root, ARGS and `true`; asserts
    EXPECT and that nothing was left behind."""
    before_tree = tree(scratch)
    host = sbtest.HostState()
    old = os.getcwd()
    os.chdir(scratch)
    try:
        argv, with_command = expand(args, scratch)
        r = tool.run(tool.usr_nodev + argv + (['true'] if with_command else []),
                     pass_fds=pass_fds)
    finally:
        os.chdir(old)
    if isinstance(expect, dict):
        expect = expect[tool]
    if expect[0] == 'any':
        expect = ('ok',) if r.returncode == 0 else ('error', r'.+')
    if expect[0] == 'ok':
        assert r.returncode == 0, (argv, r.returncode, r.stderr)
        assert r.stderr == '', (argv, r.stderr)
    else:
        assert r.returncode == 1, (argv, r.returncode, r.stderr)
        assert r.stderr.endswith('\n') and r.stderr.count('\n') == 1, (argv, r.stderr)
        line = r.stderr[:-1]
        assert line.startswith(tool.prefix + ' '), (argv, line)
        message = line[len(tool.prefix) + 1:]
        assert re.fullmatch(expect[1], message, re.S), (argv, message, expect[1])
    assert tree(scratch) == before_tree, (argv, tree(scratch) ^ before_tree)
    host.assert_unchanged()
    return r


@pytest.mark.parametrize('args, expect', rows())
def test_bad_input(tool, scratch, args, expect):
    check(tool, args, expect, scratch)


def test_error_names_the_option_in_sandbox_personality(scratch):
    # Our own texts put the option first where bwrap's text does not say
    # which option it is about.
    r = check(SB, ['--bind', '{missing}', '/d'],
              ('error', r"--bind: Can't find source path .*"), scratch)
    assert r.stderr.startswith('sandbox: --bind: ')


# ---------------------------------------------------------------------------
# --args: NUL-truncated data, bad fds, nesting.

def memfd(data):
    fd = os.memfd_create('sbtest-args', 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


ARGS_DATA = [
    ('truncated-option', b'--bind\0/usr', ('error', re.escape('--bind takes two arguments'))),
    ('truncated-after-args', b'--args', ('error', re.escape('--args takes an argument'))),
    ('no-final-nul', b'--setenv\0A\0B', ('ok',)),
    ('empty', b'', ('ok',)),
    ('nul-in-the-middle-of-a-value', b'--setenv\0A\0B\0\0--unsetenv\0A\0', ('ok',)),
    ('unknown-option', b'--bogus\0', ('error', re.escape('Unknown option --bogus'))),
    ('args-inside', b'--args\0' + b'98\0',
     ('error', re.escape('--args not supported in arguments file'))),
    # The kernel refuses the environment; the messages naming a 1 MiB path
    # are cut at the error channel's bound, inside the path.
    ('1MiB-value', b'--setenv\0BIG\0' + b'a' * (1 << 20) + b'\0',
     ('error', re.escape('execvp true: Argument list too long'))),
    ('1MiB-dest', b'--dir\0/' + b'a' * (1 << 20) + b'\0', named('--dir', r"Can't mkdir /a+")),
    ('1MiB-source', b'--bind\0/' + b'a' * (1 << 20) + b'\0/d\0',
     named('--bind', r"Can't find source path /a+")),
    ('1MiB-hostname', b'--unshare-uts\0--hostname\0' + b'h' * (1 << 20) + b'\0',
     {BW: ('error', r'sethostname h+'),
      SB: ('error', re.escape("--hostname: 1048576 bytes is longer than the kernel's "
                              "limit of 64"))}),
    ('8970-args', b'--setenv\0A\0B\0' * 2990, ('ok',)),
    ('10000-args', b'--setenv\0A\0B\0' * 3334,
     ('error', re.escape('Exceeded maximum number of arguments 9000'))),
]


@pytest.mark.parametrize('name, data, expect', ARGS_DATA, ids=[a[0] for a in ARGS_DATA])
def test_args_data(tool, scratch, name, data, expect):
    fd = memfd(data)
    try:
        check(tool, ['--args', str(fd)], expect, scratch, pass_fds=(fd,))
    finally:
        os.close(fd)


def test_args_fd_is_a_directory(tool, scratch):
    fd = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY)
    try:
        check(tool, ['--args', str(fd)],
              ('error', re.escape("Can't read --args data: Is a directory")), scratch,
              pass_fds=(fd,))
    finally:
        os.close(fd)


def test_args_fd_write_only(tool, scratch):
    r, w = os.pipe()
    try:
        check(tool, ['--args', str(w)],
              ('error', re.escape("Can't read --args data: Bad file descriptor")), scratch,
              pass_fds=(w,))
    finally:
        os.close(r)
        os.close(w)


ENDLESS_FD_ERRORS = {
    '--seccomp': 'Invalid seccomp data, more than 4096 instructions',
    '--add-seccomp-fd': 'Invalid seccomp data, more than 4096 instructions',
    '--args': '--args: more than 67108864 bytes of arguments',
}


def endless_fd_error(tool, option, fd):
    if tool is SB and option != '--args':
        return '%s (%s %d)' % (ENDLESS_FD_ERRORS[option], option, fd)
    return ENDLESS_FD_ERRORS[option]


def _sanitized(path):
    with open(path, 'rb') as f:
        return b'__asan_init' in f.read()


@pytest.mark.skipif(_sanitized(SB.path),
                    reason='AddressSanitizer reserves terabytes of address space: the '
                           'RLIMIT_AS this test sets would stop the sanitized build at start')
@pytest.mark.parametrize('option', sorted(ENDLESS_FD_ERRORS))
def test_endless_fd_is_refused_within_a_memory_limit(tool, option):
    # /dev/zero never ends: an unbounded read grows until the allocator
    # aborts (SIGTRAP) under the address-space limit.  Bounded, it is one line.
    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))

    fd = os.open('/dev/zero', os.O_RDONLY)
    try:
        r = subprocess.run([tool.path] + tool.usr_nodev + [option, str(fd), 'true'],
                           pass_fds=(fd,), preexec_fn=limit_memory, timeout=60,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(fd)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stderr == '%s %s\n' % (tool.prefix, endless_fd_error(tool, option, fd))


def test_args_nested(tool, scratch):
    inner = memfd(b'--setenv\0INNER\0yes\0')
    outer = memfd(b'--args\0%d\0' % inner)
    try:
        check(tool, ['--args', str(outer)],
              ('error', re.escape('--args not supported in arguments file')), scratch,
              pass_fds=(inner, outer))
    finally:
        os.close(inner)
        os.close(outer)


# ---------------------------------------------------------------------------
# Sizes: bwrap refuses more than 9000 arguments (argv and --args together);
# the largest argument execve takes.

TOO_MANY = ('error', re.escape('Exceeded maximum number of arguments 9000'))


def test_8900_arguments_accepted(tool, scratch):
    check(tool, ['--unsetenv', 'SBTEST_NONE'] * 4450, ('ok',), scratch)


def test_10000_arguments_refused(tool, scratch):
    check(tool, ['--unsetenv', 'SBTEST_NONE'] * 5000, TOO_MANY, scratch)


def test_10000_unknown_arguments(tool, scratch):
    check(tool, ['--bogus'] * 10000, TOO_MANY, scratch)


def test_4000_mount_ops(tool, scratch):
    args = []
    for i in range(4000):
        args += ['--dir', '/d/%d' % i]
    check(tool, args, ('ok',), scratch)


def test_largest_single_argument(tool, scratch):
    # execve caps one argument at 128 KiB (MAX_ARG_STRLEN); 1 MiB ones come
    # through --args above.
    big = 'a' * (128 * 1024 - 1)
    check(tool, ['--dir', '/' + big[:-1]], named('--dir', r"Can't mkdir /a+"), scratch)
    check(tool, ['--setenv', 'BIG', big[:-8]], ANY, scratch)
