#!/usr/bin/python3
"""The cost of the default seccomp policy, side by side with no filter.

    bench/seccomp-bench.py [--sandbox PATH] [--runs N] [--iterations N] [--no-build]

Runs two workloads inside the sandbox in three modes, taking turns (the order
rotates every round): `--seccomp-profile none`; a one-instruction "allow
everything" program given with --seccomp (the fixed cost of having any filter
at all); and the default policy.  Prints the results and the ratios to no
filter (1.00 means free):

  1. a syscall-heavy loop (seccomp-syscalls.c): nanoseconds per call for
     getppid, ioctl(FIONREAD), read(/dev/zero) and close(-1), best of the
     runs (other load on the machine only ever adds time);
  2. a real build: `meson setup` + `ninja` of this project's last commit
     (`git archive HEAD`), on a tmpfs inside the sandbox, median of the runs:
     wall-clock seconds, and CPU seconds (user + system of the whole process
     tree, from wait4's rusage), which other load on the machine disturbs
     far less than the wall clock.

Not part of the test suite.  Needs gcc, and meson/ninja/git for the build.
"""

import argparse
import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

MODES = ['none', 'allow-all', 'default']

# struct sock_filter { BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW }
ALLOW_ALL = struct.pack('<HBBI', 0x06, 0, 0, 0x7fff0000)

ROOT = ['--ro-bind', '/usr', '/usr', '--proc', '/proc', '--dev', '/dev',
        '--tmpfs', '/tmp', '--setenv', 'HOME', '/tmp', '--chdir', '/tmp']


def newest_sandbox():
    best = None
    for entry in os.listdir(TOP):
        cand = os.path.join(TOP, entry, 'src', 'sandbox')
        if entry.startswith('build') and os.access(cand, os.X_OK):
            if best is None or os.path.getmtime(cand) > os.path.getmtime(best):
                best = cand
    return best


def run_inside(sandbox, mode, work, opts, command, timeout):
    """The command's output, and the CPU seconds of the whole tree."""
    fds = []
    if mode == 'none':
        opts = ['--seccomp-profile', 'none'] + opts
    elif mode == 'allow-all':
        fds = [os.open(os.path.join(work, 'allow-all.bpf'), os.O_RDONLY)]
        opts = ['--seccomp', str(fds[0])] + opts
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        result = subprocess.run([sandbox] + ROOT + opts + command, timeout=timeout,
                                pass_fds=fds, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    finally:
        for fd in fds:
            os.close(fd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit('seccomp-bench: %s failed (exit %d):\n%s' % (
            ' '.join(command), result.returncode, result.stderr))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result.stdout, cpu


def rounds(runs):
    """The modes in alternating order, `runs` times each."""
    for i in range(runs):
        yield from MODES[i % len(MODES):] + MODES[:i % len(MODES)]


def micro(sandbox, work, iterations, runs):
    """{mode: {call: best ns}}"""
    exe = os.path.join(work, 'seccomp-syscalls')
    subprocess.run(['gcc', '-O2', '-o', exe, os.path.join(HERE, 'seccomp-syscalls.c')],
                   check=True)
    samples = {mode: {} for mode in MODES}
    for mode in rounds(runs):
        out, _ = run_inside(sandbox, mode, work, ['--ro-bind', work, '/bench'],
                            ['/bench/seccomp-syscalls', str(iterations)], timeout=600)
        for line in out.splitlines():
            call, ns = line.split()
            samples[mode].setdefault(call, []).append(float(ns))
    return {mode: {call: min(v) for call, v in calls.items()}
            for mode, calls in samples.items()}


BUILD = 'meson setup /tmp/build /project >/dev/null && ninja -C /tmp/build >/dev/null'


def build(sandbox, work, runs):
    """({mode: median wall seconds}, {mode: median CPU seconds}) for a meson
    + ninja build of HEAD."""
    for tool in ('git', 'meson', 'ninja'):
        if shutil.which(tool) is None:
            print('seccomp-bench: no %s, skipping the build' % tool, file=sys.stderr)
            return None
    project = os.path.join(work, 'project')
    os.mkdir(project)
    archive = subprocess.run(['git', '-C', TOP, 'archive', 'HEAD'], check=True,
                             stdout=subprocess.PIPE).stdout
    subprocess.run(['tar', '-x', '-C', project], input=archive, check=True)
    wall = {mode: [] for mode in MODES}
    cpu = {mode: [] for mode in MODES}
    for mode in rounds(runs):
        start = time.monotonic()
        _, seconds = run_inside(sandbox, mode, work, ['--ro-bind', project, '/project'],
                                ['sh', '-c', BUILD], timeout=1800)
        wall[mode].append(time.monotonic() - start)
        cpu[mode].append(seconds)
    return ({mode: statistics.median(v) for mode, v in wall.items()},
            {mode: statistics.median(v) for mode, v in cpu.items()},
            count_syscalls(sandbox, work, project))


def count_syscalls(sandbox, work, project):
    """The number of system calls the build makes (one more untimed run,
    counted by perf's raw_syscalls:sys_enter tracepoint), or None where
    perf cannot count it (not root, no perf)."""
    if shutil.which('perf') is None:
        return None
    out = os.path.join(work, 'perf.csv')
    argv = ['perf', 'stat', '-x', ',', '-o', out, '-e', 'raw_syscalls:sys_enter', '--',
            sandbox, '--seccomp-profile', 'none'] + ROOT + ['--ro-bind', project, '/project',
                                                            'sh', '-c', BUILD]
    if subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        return None
    with open(out) as f:
        for line in f:
            fields = line.split(',')
            if len(fields) > 2 and fields[2] == 'raw_syscalls:sys_enter' and fields[0].isdigit():
                return int(fields[0])
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sandbox', default=newest_sandbox(),
                        help='the sandbox binary (default: the newest build*/src/sandbox)')
    parser.add_argument('--runs', type=int, default=15, help='loop runs per mode')
    parser.add_argument('--build-runs', type=int, default=3, help='builds per mode')
    parser.add_argument('--iterations', type=int, default=500000,
                        help='calls per measurement in the loop')
    parser.add_argument('--no-build', action='store_true', help='skip the build workload')
    args = parser.parse_args()
    if not args.sandbox:
        sys.exit('seccomp-bench: no sandbox binary: build first or pass --sandbox')
    if shutil.which('gcc') is None:
        sys.exit('seccomp-bench: gcc is needed for the syscall loop')

    work = tempfile.mkdtemp(prefix='seccomp-bench-')
    os.chmod(work, 0o755)
    with open(os.path.join(work, 'allow-all.bpf'), 'wb') as f:
        f.write(ALLOW_ALL)
    try:
        loop = micro(args.sandbox, work, args.iterations, args.runs)
        built = None if args.no_build else build(args.sandbox, work, args.build_runs)
    finally:
        shutil.rmtree(work)

    print('seccomp cost: %s (loop: best of %d runs; build: median of %d)' % (
        args.sandbox, args.runs, args.build_runs))
    print('%-20s %10s %10s %10s %10s %10s' % ('', 'no filter', 'allow-all', 'default',
                                              'allow-all', 'default'))
    print('%-20s %10s %10s %10s %10s %10s' % ('', '', '', '', '/ none', '/ none'))
    rows = [(call + ' (ns/call)', {m: loop[m][call] for m in MODES}, ' %10.1f')
            for call in loop['none']]
    if built is not None:
        rows.append(('build, wall (s)', built[0], ' %10.2f'))
        rows.append(('build, CPU (s)', built[1], ' %10.2f'))
    for name, values, fmt in rows:
        base = values['none']
        print('%-20s' % name + ''.join(fmt % values[m] for m in MODES) +
              ' %10.3f %10.3f' % (values['allow-all'] / base, values['default'] / base))
    if built is not None and built[2] is not None:
        # Load-independent: how many calls the build makes, times the most
        # the default policy adds to any call of the loop.
        extra_ns = max(loop['default'][call] - loop['none'][call] for call in loop['none'])
        seconds = built[2] * max(extra_ns, 0) / 1e9
        print('estimate: %d syscalls in the build x %.1f ns at most per call = %.3f s, '
              '%.2f%% of its CPU time' % (built[2], extra_ns, seconds, 100 * seconds / built[1]['none']))

if __name__ == '__main__':
    main()
