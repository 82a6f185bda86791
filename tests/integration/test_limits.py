"""Resource limits: --rlimit and --timeout everywhere; --memory, --pids and
--cpus through a cgroup, as root (this host's v1 hierarchies), as the plain
user in a cgroup that root delegated for the test, and as the plain user
without one (refused in one line, nothing runs)."""

import json
import os
import shutil
import subprocess
import time

import pytest

from sbtest import IS_ROOT, SANDBOX, SB, HostState, USR, ok, wait_for
from sbouter import backend, backends  # noqa: F401  (fixtures)

ACCOUNT = 'sandbox-test'
V1_ROOT = '/sys/fs/cgroup'
CONTROLLERS = ('memory', 'pids', 'cpu', 'cpuacct')


def own_v1_dirs():
    """controller -> this process's cgroup directory in its v1 hierarchy."""
    dirs = {}
    with open('/proc/self/cgroup') as f:
        for line in f:
            _, names, path = line.rstrip('\n').split(':', 2)
            for name in names.split(','):
                if name in CONTROLLERS and os.path.isdir(os.path.join(V1_ROOT, name)):
                    dirs[name] = os.path.join(V1_ROOT, name) + path.rstrip('/')
    return dirs


def usable_v1():
    dirs = own_v1_dirs()
    return all(c in dirs and os.access(dirs[c], os.W_OK) for c in ('memory', 'pids', 'cpu'))


def ours_left(dirs):
    """Cgroups named as ours below DIRS (the tool names them sandbox-PID-START)."""
    return sorted(os.path.join(d, e) for d in dirs.values() for e in os.listdir(d)
                  if e.startswith('sandbox-'))


class Delegated:
    """A cgroup in each v1 hierarchy, made under this test's own cgroup and
    given to the plain account, which then runs the tool in it."""

    def __init__(self):
        self.dirs = {}
        for controller, parent in own_v1_dirs().items():
            path = os.path.join(parent, 'sbtest-delegated-%d' % os.getpid())
            os.mkdir(path)
            self.dirs[controller] = path
            for entry in ('', 'cgroup.procs', 'tasks'):
                shutil.chown(os.path.join(path, entry), ACCOUNT, ACCOUNT)

    def command(self, args):
        """ARGS run as the account, from inside the delegated cgroups."""
        join = ' '.join('echo $$ > %s/cgroup.procs;' % d for d in self.dirs.values())
        return ['sh', '-c', join + ' exec setpriv --reuid=%s --regid=%s --init-groups "$@"'
                % (ACCOUNT, ACCOUNT), 'sh'] + args

    def remove(self):
        for path in self.dirs.values():
            for attempt in range(100):
                try:
                    os.rmdir(path)
                    break
                except OSError:
                    time.sleep(0.02)
            else:
                os.rmdir(path)


@pytest.fixture(params=['root', 'delegated'])
def where(request):
    """Where the cgroup comes from: root's v1 hierarchies, or a cgroup that
    root delegated to the plain account."""
    if not IS_ROOT:
        pytest.skip('as the plain user: only the refusal is tested (test_refused_without_cgroup)')
    if not usable_v1():
        pytest.skip('no writable cgroup v1 memory, pids and cpu hierarchies here')
    if request.param == 'root':
        yield None
        return
    if shutil.which('setpriv') is None:
        pytest.skip('setpriv (util-linux) is missing')
    delegated = Delegated()
    try:
        yield delegated
    finally:
        delegated.remove()


def run_limited(where, args, timeout=60):
    """The tool with ARGS (root first), in WHERE; returns the process and the
    exit object of --json-status-fd."""
    read_end, write_end = os.pipe()
    argv = [SANDBOX] + USR + ['--json-status-fd', str(write_end)] + args
    if where is not None:
        argv = where.command(argv)
    try:
        result = subprocess.run(argv, pass_fds=(write_end,), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, timeout=timeout)
    finally:
        os.close(write_end)
    with os.fdopen(read_end) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return result, (lines[-1] if lines and 'exit-code' in lines[-1] else None)


def assert_nothing_left(before, dirs):
    before.assert_unchanged()
    assert ours_left(dirs) == []


HUNGRY = "x = b'x' * (300 << 20)"
# Each child lives until the parent is gone (end of file on the pipe), so
# that all of them count at once.
FORKS = '''
import os
parent_gone, parent_alive = os.pipe()
made = 0
for i in range(50):
    try:
        pid = os.fork()
    except OSError as e:
        print(made, e.errno)
        break
    if pid == 0:
        os.close(parent_alive)
        os.read(parent_gone, 1)
        os._exit(0)
    made += 1
else:
    print(made, 0)
'''


def test_memory_kills_the_hungry_program(where):
    before = HostState()
    r, status = run_limited(where, ['--memory', '100M', 'python3', '-c', HUNGRY])
    assert r.returncode == 137, r.stderr
    assert status['oom-killed'] is True, status
    assert 0 < status['memory-peak'] <= 100 << 20, status
    assert r.stderr.strip().splitlines()[-1] == (
        'sandbox: memory limit 100M reached; the kernel killed a process of the sandbox')
    assert_nothing_left(before, own_v1_dirs())


def test_memory_leaves_a_frugal_program_alone(where):
    r, status = run_limited(where, ['--memory', '100M', 'python3', '-c', "x = b'x' * (20 << 20)"])
    assert r.returncode == 0, r.stderr
    assert 'oom-killed' not in status
    assert status['memory-peak'] >= 20 << 20


def test_pids_stops_a_fork_bomb(where):
    before = HostState()
    r, status = run_limited(where, ['--pids', '20', 'python3', '-c', FORKS])
    made, errno = (int(x) for x in ok(r).split())
    # pid 1 and python itself count: 18 children at most, then EAGAIN.
    assert made == 18 and errno == 11, r.stdout
    assert_nothing_left(before, own_v1_dirs())


def test_cpus_bounds_cpu_time(where):
    r, status = run_limited(where, ['--cpus', '0.25', 'timeout', '2',
                                    'sh', '-c', 'while :; do :; done'])
    assert r.returncode == 124, r.stderr
    # A quarter of one CPU over 2 s is 0.5 s; unlimited it would be 2 s.
    assert 0.3e6 < status['cpu-usage-us'] < 0.8e6, status


def test_timeout_kills_what_ignores_sigterm(where):
    before = HostState()
    start = time.monotonic()
    r, status = run_limited(where, ['--timeout', '0.5', '--kill-after', '0.5', '--pids', '10',
                                    'sh', '-c', 'trap "" TERM; sleep 30 & sleep 30'])
    assert time.monotonic() - start < 5
    assert r.returncode == 137, r.stderr
    assert status['timed-out'] is True
    assert_nothing_left(before, own_v1_dirs())


def test_refused_without_cgroup(tmp_path):
    if IS_ROOT or usable_v1():
        pytest.skip('this user has a writable cgroup: the refusal cannot be seen')
    before = HostState()
    marker = tmp_path / 'ran'
    for option, value in [('--memory', '100M'), ('--pids', '10'), ('--cpus', '0.5')]:
        r = SB.run(USR + ['--bind', tmp_path, '/out', option, value, 'touch', '/out/ran'])
        assert r.returncode == 1
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith('sandbox: %s needs a cgroup' % option), r.stderr
        assert 'delegated' in lines[0] and '--rlimit' in lines[0]
        assert not marker.exists()
    before.assert_unchanged()


def test_rlimit_seen_inside(tool):
    out = ok(tool.sh('ulimit -Sn; ulimit -Hn; ulimit -c; ulimit -Hc; ulimit -s; cat /proc/1/limits',
                     ['--unshare-pid', '--rlimit', 'nofile=64:128', '--rlimit', 'core=0',
                      '--rlimit', 'stack=4M:unlimited']))
    lines = out.splitlines()
    assert lines[:5] == ['64', '128', '0', '0', '4096'], out
    # pid 1 lives under them too.
    files = [l for l in lines if l.startswith('Max open files')][0].split()
    assert files[3:5] == ['64', '128'], files


def test_timeout_alone(tool):
    # bwrap's default shares the pid namespace: nothing then reaches the
    # command's children (the man page says so).
    before = HostState()
    start = time.monotonic()
    r = tool.sh('sleep 30; true', ['--unshare-pid', '--timeout', '0.3'])
    assert r.returncode == 124, r.stderr
    assert time.monotonic() - start < 3
    if tool is SB:
        assert r.stderr == 'sandbox: timeout of 0.3 seconds reached; the sandbox was ended with SIGTERM\n'
    else:
        assert r.stderr == ''
    before.assert_unchanged()


def test_command_within_its_timeout(tool):
    r = tool.sh('exit 3', ['--timeout', '10'])
    assert r.returncode == 3 and r.stderr == ''


@pytest.mark.parametrize('args, message', [
    (['--rlimit', 'files=10'], '--rlimit files=10: unknown limit "files"'),
    (['--rlimit', 'nofile=ten'], '--rlimit nofile=ten: a value is a number'),
    (['--rlimit', 'nofile=20:10'], '--rlimit nofile=20:10: the soft limit is above'),
    (['--memory', '0'], '--memory 0: expected a non-zero size'),
    (['--pids', '-1'], '--pids -1: expected a positive whole number'),
    (['--cpus', 'half'], '--cpus half: expected a number of CPUs'),
    (['--timeout', '1m'], '--timeout 1m: expected a positive number of seconds'),
    (['--kill-after', '-1'], '--kill-after -1: expected a non-negative number'),
])
def test_bad_values_one_line(tool, args, message):
    before = HostState()
    r = tool.run(tool.usr + args + ['true'])
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith('%s %s' % (tool.prefix, message)), r.stderr
    before.assert_unchanged()


def test_raising_a_hard_limit_is_refused_unprivileged(tool):
    if IS_ROOT:
        pytest.skip('root in a user namespace keeps no CAP_SYS_RESOURCE either, but may have '
                    'raised its own limits')
    r = tool.sh('true', ['--rlimit', 'nofile=unlimited'])
    assert r.returncode == 1
    assert 'hard limit cannot be raised' in r.stderr and len(r.stderr.splitlines()) == 1


def running(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def test_next_run_removes_what_a_killed_tool_left(where):
    dirs = own_v1_dirs()
    argv = [SANDBOX] + USR + ['--memory', '100M', 'sleep', '30']
    if where is not None:
        argv = where.command(argv)
    tool = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Through setpriv the shell execs the tool: the pid is the tool's.
    name = 'sandbox-%d-' % tool.pid
    memory = where.dirs['memory'] if where is not None else dirs['memory']
    deadline = time.monotonic() + 10
    while not any(e.startswith(name) for e in os.listdir(memory)):
        assert time.monotonic() < deadline, 'no cgroup appeared'
        time.sleep(0.02)
    left = [os.path.join(memory, e) for e in os.listdir(memory) if e.startswith(name)]
    assert len(left) == 1
    procs = os.path.join(left[0], 'cgroup.procs')
    assert wait_for(lambda: open(procs).read() != '', timeout=10), 'nothing joined the cgroup'
    members = [int(p) for p in open(procs).read().split()]
    tool.kill()
    tool.wait()
    # The sandbox dies with the tool (a moment later); its cgroup stays
    # until a next run.
    assert wait_for(lambda: not any(running(p) for p in members),
                    timeout=10), 'the sandbox outlived its tool'
    r, status = run_limited(where, ['--memory', '100M', 'true'])
    assert r.returncode == 0, r.stderr
    assert not any(e.startswith(name) for e in os.listdir(memory))


def test_limits_where_clone3_is_hidden(backend):
    """Inside an outer sandbox that hides clone3 (sbouter), clone cannot put
    the child into a v2 cgroup (CLONE_INTO_CGROUP): it joins the cgroup's
    cgroup.procs itself before it runs anything, as on v1.  On this hybrid
    host the cgroup is root's v1 one, so what runs for real is the join
    through the fds after the clone fallback; the v2 case differs only in
    which file is written."""
    if not IS_ROOT or not usable_v1():
        pytest.skip('needs root\'s writable cgroup v1 hierarchies (the plain user has none here)')
    r = backend.sb.run(USR + ['--pids', '20', 'python3', '-c', FORKS])
    if r.returncode != 0 and 'cgroup' in r.stderr and backend.legacy:
        pytest.skip('the outer sandbox cannot write the host\'s cgroups: ' + r.stderr.strip())
    made, errno = (int(x) for x in ok(r).split())
    assert made == 18 and errno == 11, r.stdout
