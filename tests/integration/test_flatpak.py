"""Flatpak runs an app on our bwrap (issue 5, point 4).

A minimal runtime (busybox-static + glibc's static ldconfig) and an app on
it are built offline once per session by flatpak/build-repo.sh, exported to
a local repo and installed --user in a temporary FLATPAK_USER_DIR.  Every
test then runs Flatpak twice over: with Debian's bwrap (FLATPAK_BWRAP=
/usr/bin/bwrap, which validates the harness) and with our `bwrap` symlink,
in an empty, controlled environment (no D-Bus, so no proxy sandbox) and a
fresh HOME, so that each run also regenerates ld.so.cache through bwrap.

When a run fails, the message shows what Flatpak handed bwrap: the run is
repeated with flatpak/bwrap-logger.sh in front of the same bwrap.
"""

import difflib
import fcntl
import hashlib
import os
import re
import select
import shlex
import shutil
import signal
import struct
import subprocess
import tempfile
import time

import pytest

from sbtest import BWRAP, SYSTEM_BWRAP

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, 'flatpak')
FLATPAK = shutil.which('flatpak', path='/usr/bin:/bin')
BUSYBOX = shutil.which('busybox', path='/usr/bin:/bin')
PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'
APP = 'org.sandbox.Hello'
RUNTIME = 'org.sandbox.Platform'
BRANCH = 'test'


def _missing():
    if FLATPAK is None:
        return 'flatpak is not installed (apt-get install flatpak busybox-static)'
    if BUSYBOX is None:
        return 'busybox is not installed (apt-get install busybox-static)'
    with open(BUSYBOX, 'rb') as f:
        if b'/ld-linux' in f.read(4096):
            return '%s is dynamic (apt-get install busybox-static)' % BUSYBOX
    return None


pytestmark = pytest.mark.skipif(_missing() is not None,
                                reason=_missing() or '')


class Installation:
    """The session's temporary Flatpak world: repo, FLATPAK_USER_DIR."""

    def __init__(self, top):
        self.top = top
        self.repo = os.path.join(top, 'repo')
        self.user_dir = os.path.join(top, 'home', 'flatpak')
        self.arch = subprocess.run([FLATPAK, '--default-arch'], check=True,
                                   stdout=subprocess.PIPE, text=True,
                                   env={'PATH': PATH}).stdout.strip()

    def deploy(self, kind, ref_id):
        """Host path of the active deployment's files/ of an app or runtime."""
        base = os.path.join(self.user_dir, kind, ref_id, self.arch, BRANCH)
        return os.path.join(os.path.realpath(os.path.join(base, 'active')),
                            'files')

    def new_dir(self, prefix):
        return tempfile.mkdtemp(prefix=prefix, dir=self.top)


@pytest.fixture(scope='session')
def installation():
    # Not under /var/tmp: Flatpak binds the app's cache over /var/tmp.
    base = tempfile.gettempdir()
    if os.path.realpath(base).startswith('/var/tmp'):
        base = '/tmp'
    top = tempfile.mkdtemp(prefix='sbtest-flatpak-', dir=base)
    try:
        start = time.monotonic()
        built = subprocess.run(
            [os.path.join(FIXTURES, 'build-repo.sh'), top], cwd=top,
            env={'PATH': PATH}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=300)
        assert built.returncode == 0, (
            'building the test runtime and app failed:\n' + built.stdout)
        print('flatpak fixture built in %.1fs' % (time.monotonic() - start))
        yield Installation(top)
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(params=['system', 'ours'])
def bwrap(request):
    """The bwrap under test: Debian's (harness check) or our symlink."""
    if request.param == 'system':
        if SYSTEM_BWRAP is None:
            pytest.skip('Debian bubblewrap is not installed')
        return SYSTEM_BWRAP
    assert BWRAP, 'our bwrap symlink was not found (build the tree first)'
    return BWRAP


def new_home(installation):
    """A fresh HOME (also the cwd) holding a file the app must not see."""
    path = installation.new_dir('home-')
    with open(os.path.join(path, 'host-only-file'), 'w') as f:
        f.write('secret\n')
    return path


@pytest.fixture
def home(installation):
    return new_home(installation)


def flatpak_env(installation, home, bwrap, **extra):
    env = {'PATH': PATH, 'HOME': home, 'FLATPAK_BWRAP': bwrap,
           'FLATPAK_USER_DIR': installation.user_dir}
    env.update(extra)
    return env


def flatpak(installation, home, bwrap, args, env=None, timeout=60, **kw):
    """Runs `flatpak ARGS` as a user would, cwd HOME; text CompletedProcess."""
    return subprocess.run([FLATPAK] + list(args), cwd=home,
                          env=env or flatpak_env(installation, home, bwrap),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout,
                          **kw)


def bwrap_log(installation, bwrap, args):
    """Repeats `flatpak ARGS` in a fresh HOME through the logging wrapper;
    returns what Flatpak handed bwrap (argv, environment, fds, --args)."""
    where = installation.new_dir('log-')
    log = os.path.join(where, 'bwrap.log')
    wrapper = os.path.join(where, 'bwrap')
    with open(os.path.join(FIXTURES, 'bwrap-logger.sh')) as f:
        script = f.read().replace('@LOG@', log).replace('@REAL@', bwrap)
    with open(wrapper, 'w') as f:
        f.write(script)
    os.chmod(wrapper, 0o755)
    home = new_home(installation)
    result = flatpak(installation, home, wrapper, args)
    try:
        with open(log) as f:
            text = f.read()
    except FileNotFoundError:
        text = '(bwrap was never called)\n'
    return 'rerun through the logger: exit %d\nstderr: %s\n%s' % (
        result.returncode, result.stderr, text)


def expect(result, status, installation, bwrap, args):
    """Asserts the exit status (and a silent stderr); on failure shows the
    bwrap calls of the same flatpak command."""
    if result.returncode == status and result.stderr == '':
        return result.stdout
    pytest.fail('flatpak %s with FLATPAK_BWRAP=%s: exit %d (expected %d)\n'
                'stdout: %s\nstderr: %s\n%s' % (
                    ' '.join(args), bwrap, result.returncode, status,
                    result.stdout, result.stderr,
                    bwrap_log(installation, bwrap, args)), pytrace=False)


def run_sh(installation, home, bwrap, script, status=0, options=()):
    args = ['run'] + list(options) + ['--command=sh', APP, '-c', script]
    result = flatpak(installation, home, bwrap, args)
    return expect(result, status, installation, bwrap, args)


def fields(text):
    """'key=value' lines into a dict."""
    return dict(line.split('=', 1) for line in text.splitlines() if '=' in line)


def test_run_app(installation, home, bwrap):
    args = ['run', APP]
    out = expect(flatpak(installation, home, bwrap, args), 0, installation,
                 bwrap, args)
    assert out.splitlines() == [
        'hello from ' + APP, 'flatpak-info: yes', 'app: yes', 'usr: yes',
        'uid: %d' % os.getuid(), 'home: ']


PROBE = r'''
echo "uid=$(id -u)"
echo "gid=$(id -g)"
echo "pid=$$"
echo "pwd=$(pwd)"
echo "PWD=$PWD"
echo "FLATPAK_ID=$FLATPAK_ID"
echo "container=$container"
echo "PATH=$PATH"
echo "root=$(ls -A / | tr '\n' ' ')"
echo "home_listing=$(ls -A /home 2>/dev/null | tr '\n' ' ')"
echo "home_secret=$(test -e "$HOME/host-only-file" && echo visible || echo absent)"
echo "top_marker=$(test -e "$TOP_MARKER" && echo visible || echo absent)"
echo "info_mode=$(stat -c %a /.flatpak-info)"
echo "info_name=$(sed -n 's/^name=//p' /.flatpak-info | head -n 1)"
echo "info_runtime=$(sed -n 's/^runtime=//p' /.flatpak-info | head -n 1)"
echo "usr_count=$(ls -A /usr/bin | wc -l)"
echo "app_hello=$(md5sum < /app/bin/hello | cut -d' ' -f1)"
echo "usr_busybox=$(md5sum < /usr/bin/busybox | cut -d' ' -f1)"
echo "host_flatpak=$(test -e /usr/bin/flatpak && echo visible || echo absent)"
echo "passwd=$(grep -c "^[^:]*:[^:]*:$(id -u):" /etc/passwd)"
echo "ldcache=$(test -s /etc/ld.so.cache && echo yes || echo no)"
echo "netns=$(readlink /proc/self/ns/net)"
echo "net_devs=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
echo "procs=$(ls -d /proc/[0-9]* | wc -l)"
echo "usr_inode=$(stat -c %d:%i /usr)"
echo "app_inode=$(stat -c %d:%i /app)"
'''


def inode(path):
    st = os.stat(path)
    return '%d:%d' % (st.st_dev, st.st_ino)


def md5(path):
    with open(path, 'rb') as f:
        return hashlib.md5(f.read()).hexdigest()


def test_app_sees_flatpak_sandbox(installation, home, bwrap):
    marker = os.path.join(installation.top, 'top-marker')
    open(marker, 'w').close()
    script = 'TOP_MARKER=%s\n%s' % (marker, PROBE)
    got = fields(run_sh(installation, home, bwrap, script))
    runtime_files = installation.deploy('runtime', RUNTIME)
    app_files = installation.deploy('app', APP)
    want = {
        'uid': str(os.getuid()), 'gid': str(os.getgid()),
        # No --as-pid-1: bwrap's init is pid 1, the command pid 2.
        'pid': '2',
        # No --chdir: the caller's cwd, which Flatpak recreates (HOME).
        'pwd': home, 'PWD': home,
        'FLATPAK_ID': APP, 'container': 'flatpak', 'PATH': '/app/bin:/usr/bin',
        'root': '.flatpak-info app bin dev etc proc run sys tmp usr var ',
        'home_listing': '', 'home_secret': 'absent', 'top_marker': 'absent',
        'info_mode': '600', 'info_name': APP,
        'info_runtime': 'runtime/%s/%s/%s' % (RUNTIME, installation.arch,
                                              BRANCH),
        'usr_count': str(len(os.listdir(os.path.join(runtime_files, 'bin')))),
        'app_hello': md5(os.path.join(app_files, 'bin', 'hello')),
        'usr_busybox': md5(os.path.join(runtime_files, 'bin', 'busybox')),
        'host_flatpak': 'absent', 'passwd': '1', 'ldcache': 'yes',
        'net_devs': 'lo ',
        # /usr and /app are the deployments' files/ directories themselves.
        'usr_inode': inode(runtime_files), 'app_inode': inode(app_files),
    }
    assert {k: got.get(k) for k in want} == want
    assert got['netns'] != os.readlink('/proc/self/ns/net')
    # A new pid namespace: bwrap's init, sh and its pipeline only.
    assert int(got['procs']) <= 6


def test_home_contents_absent(installation, home, bwrap):
    """None of the host's /home entries is there (Flatpak shares no home)."""
    host = sorted(os.listdir('/home'))
    script = 'for e in %s; do test -e "/home/$e" && echo "$e"; done; true' % (
        ' '.join(shlex.quote(e) for e in host) or '""')
    assert run_sh(installation, home, bwrap, script) == ''


@pytest.mark.parametrize('script,status', [
    ('exit 0', 0), ('exit 7', 7), ('exit 255', 255),
    ('kill -TERM $$', 128 + signal.SIGTERM),
    ('kill -KILL $$', 128 + signal.SIGKILL),
])
def test_exit_status_propagates(installation, home, bwrap, script, status):
    run_sh(installation, home, bwrap, script, status=status)


def test_die_with_parent_option(installation, home, bwrap):
    """`flatpak run -p` adds --die-with-parent."""
    assert run_sh(installation, home, bwrap, 'echo ok',
                  options=['-p']) == 'ok\n'


def test_ldconfig_call(installation, home, bwrap):
    """The runtime ships ldconfig: Flatpak first runs `bwrap --args N
    ldconfig -X -C FILE` (no "--") and opens the cache it wrote."""
    cache_dir = os.path.join(home, '.var', 'app', APP, '.ld.so')
    assert run_sh(installation, home, bwrap,
                  'test -s /etc/ld.so.cache && echo cached') == 'cached\n'
    names = os.listdir(cache_dir)
    assert any(re.fullmatch(r'[0-9a-f]{64}', n) for n in names), names


@pytest.mark.parametrize('options,script,want', [
    # --persist=DIR: --bind-fd of ~/.var/app/ID/DIR onto ~/DIR.
    (['--persist=.foo'], 'echo persisted > "$HOME/.foo/data" && echo ok',
     'ok'),
    # --filesystem=home: --bind of the host's HOME.
    (['--filesystem=home'], 'cat "$HOME/host-only-file"', 'secret'),
    # --cwd: --chdir; --env: --setenv.
    (['--cwd=/tmp', '--env=FOO=bar'], 'echo "$(pwd) $PWD $FOO"',
     '/tmp /tmp bar'),
    # --device=all: --dev-bind /dev /dev; --share=network: no --unshare-net.
    (['--device=all', '--share=network'],
     'test -c /dev/null && readlink /proc/self/ns/net', 'HOST_NETNS'),
], ids=['persist', 'home-access', 'cwd-env', 'device-network'])
def test_permissions(installation, home, bwrap, options, script, want):
    """Permission overrides change the shape of the bwrap call."""
    want = want.replace('HOST_NETNS', os.readlink('/proc/self/ns/net'))
    assert run_sh(installation, home, bwrap, script,
                  options=options) == want + '\n'
    if options == ['--persist=.foo']:
        with open(os.path.join(home, '.var', 'app', APP, '.foo', 'data')) as f:
            assert f.read() == 'persisted\n'


def _ref_lock(path):
    """The fcntl lock another process holds on PATH, as (type, pid)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        query = struct.pack('hhqqi4x', fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    finally:
        os.close(fd)
    kind, _, _, _, pid = struct.unpack('hhqqi4x', answer)
    return kind, pid


def test_running_instance(installation, home, bwrap):
    """While the app runs: --lock-file holds /usr/.ref and /app/.ref (how
    Flatpak knows a deployment is in use), --info-fd's child-pid lets
    `flatpak ps` list it and `flatpak enter` join it; `flatpak kill` ends it."""
    env = flatpak_env(installation, home, bwrap)
    args = ['run', '--command=sh', APP, '-c', 'echo ready; exec sleep 60']
    proc = subprocess.Popen([FLATPAK] + args, cwd=home, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else '(nothing in 60s)\n'
        if not ready:
            proc.kill()
        if line != 'ready\n':
            proc.wait(timeout=30)
            expect(subprocess.CompletedProcess(args, proc.returncode, line,
                                               proc.stderr.read()),
                   0, installation, bwrap, args)
        for kind, ref_id in (('runtime', RUNTIME), ('app', APP)):
            ref = os.path.join(installation.deploy(kind, ref_id), '.ref')
            lock, _ = _ref_lock(ref)
            assert lock == fcntl.F_RDLCK, '%s is not locked' % ref

        ps = flatpak(installation, home, bwrap,
                     ['ps', '--columns=instance,application,pid,child-pid'])
        assert ps.returncode == 0, ps.stderr
        rows = [line.split('\t') for line in ps.stdout.splitlines()]
        assert len(rows) == 1 and rows[0][1] == APP, ps.stdout
        instance, _, pid, child_pid = rows[0]
        assert int(pid) == proc.pid  # flatpak exec()s bwrap in place
        with open('/proc/%s/status' % child_pid) as f:
            nspid = [l for l in f if l.startswith('NSpid:')][0].split()
        assert nspid[-1] == '1', 'child-pid is not the sandbox pid 1: %r' % nspid

        entered = flatpak(installation, home, bwrap, [
            'enter', instance, 'sh', '-c',
            'echo "$(id -u) $(sed -n "s/^name=//p" /.flatpak-info)"'])
        assert (entered.returncode, entered.stdout) == (
            0, '%d %s\n' % (os.getuid(), APP)), entered.stderr

        killed = flatpak(installation, home, bwrap, ['kill', instance])
        assert killed.returncode == 0, killed.stderr
        assert proc.wait(timeout=30) == 128 + signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.skipif(shutil.which('update-desktop-database', path=PATH) is None,
                    reason='update-desktop-database (desktop-file-utils) '
                    'is not installed')
def test_install_triggers(installation, bwrap):
    """`flatpak install` runs its triggers through bwrap with a plain argv
    (--ro-bind / / --proc --dev --bind DIR DIR -- TRIGGER DIR): the
    desktop-database trigger writes mimeinfo.cache for the app's .desktop."""
    where = installation.new_dir('install-')
    user_dir = os.path.join(where, 'flatpak')
    env = flatpak_env(installation, where, bwrap, FLATPAK_USER_DIR=user_dir,
                      FLATPAK_SYSTEM_HELPER_ON_SESSION='1')
    for args in (['--user', 'remote-add', '--no-gpg-verify', 'local',
                  installation.repo],
                 ['--user', 'install', '-y', '--noninteractive', 'local',
                  'runtime/%s/%s/%s' % (RUNTIME, installation.arch, BRANCH),
                  'app/%s/%s/%s' % (APP, installation.arch, BRANCH)]):
        result = flatpak(installation, where, bwrap, args, env=env,
                         timeout=120)
        assert result.returncode == 0, result.stderr
    cache = os.path.join(user_dir, 'exports', 'share', 'applications',
                         'mimeinfo.cache')
    assert os.path.exists(cache), 'the desktop-database trigger did not run'


def _normalize(text, home, installation, bwrap):
    text = text.replace(home, '$HOME').replace(installation.top, '$TOP')
    text = text.replace(bwrap, '$BWRAP')
    text = re.sub(r'(pipe|socket):\[[0-9]+\]', r'\1', text)
    return re.sub(r'/run/flatpak/\.flatpak/[0-9]+', '/run/flatpak/.flatpak/N',
                  text)


# What the app sees, printed so that Debian's bwrap and ours can be compared
# line by line (after _normalize).
SIDE_BY_SIDE = {
    # Mount points in order, per-mount options, fs type, source and
    # superblock options (not the mount root: bindfile names are random).
    'mounts': r"""
while read -r _ _ _ _ mnt opts rest; do
  echo "$mnt $opts ${rest#*- }"
done < /proc/self/mountinfo""",
    # Modes of everything bwrap itself created on the sandbox's root tmpfs
    # (missing parents included).
    'tree': r"""
find / -xdev ! -type l -exec stat -c '%n %a %F' {} + | sort""",
    'environment': 'env | sort',
    'process': r"""
grep -E '^(Uid|Gid|Groups|NSpid|NoNewPrivs|Seccomp|Cap[A-Za-z]+):' \
  /proc/self/status
cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups
tr '\0' ' ' < /proc/1/cmdline; echo
echo "pid=$$ pwd=$(pwd) umask=$(umask)"
if [ "$(stat -L -c %i /run/.userns)" = "$(stat -L -c %i /proc/self/ns/user)" ]
then echo "/run/.userns: the app's user namespace"
else echo "/run/.userns: another user namespace"
fi
for f in /proc/$$/fd/*; do echo "fd ${f##*/} -> $(readlink "$f")"; done""",
}


@pytest.mark.skipif(SYSTEM_BWRAP is None,
                    reason='Debian bubblewrap is not installed')
@pytest.mark.parametrize('probe', sorted(SIDE_BY_SIDE))
def test_same_sandbox_as_system_bwrap(installation, probe):
    """Side by side: the sandbox Flatpak builds with our bwrap is the one
    Debian's bwrap builds from the same arguments."""
    seen = {}
    for name, prog in (('system', SYSTEM_BWRAP), ('ours', BWRAP)):
        home = new_home(installation)
        out = run_sh(installation, home, prog, SIDE_BY_SIDE[probe])
        seen[name] = _normalize(out, home, installation, prog).splitlines()
    assert seen['ours'] == seen['system'], '\n'.join(difflib.unified_diff(
        seen['system'], seen['ours'], 'Debian bwrap', 'our bwrap', lineterm=''))
