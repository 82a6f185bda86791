"""The time namespace: --unshare-time, --monotonic-offset, --boottime-offset,
seen from inside through /proc/uptime and clock_gettime, and in --info-fd."""

import json
import os
import time

import pytest

from sbtest import BW, SB, ok

HAS_TIMENS = os.path.exists('/proc/self/ns/time')
pytestmark = pytest.mark.skipif(not HAS_TIMENS, reason='the kernel has no time namespaces '
                                '(Linux 5.6 and later)')

DAY = 86400
CLOCKS = ('cat /proc/uptime; python3 -c "import time; '
          'print(time.clock_gettime(time.CLOCK_MONOTONIC), '
          'time.clock_gettime(time.CLOCK_BOOTTIME))"; readlink /proc/self/ns/time')


def inside(tool, opts):
    before = (time.clock_gettime(time.CLOCK_MONOTONIC), time.clock_gettime(time.CLOCK_BOOTTIME))
    out = ok(tool.sh(CLOCKS, opts + (['--unshare-user'] if tool is BW else [])))
    after = (time.clock_gettime(time.CLOCK_MONOTONIC), time.clock_gettime(time.CLOCK_BOOTTIME))
    uptime_line, clocks_line, ns = out.splitlines()
    uptime = float(uptime_line.split()[0])
    monotonic, boottime = (float(x) for x in clocks_line.split())
    return before, after, uptime, monotonic, boottime, ns


def between(value, low, high):
    # /proc/uptime has two decimals.
    return low - 0.02 <= value <= high + 0.02


def test_offsets(tool):
    before, after, uptime, monotonic, boottime, ns = inside(
        tool, ['--monotonic-offset', str(DAY), '--boottime-offset', '-1.5'])
    assert between(monotonic, before[0] + DAY, after[0] + DAY)
    assert between(boottime, before[1] - 1.5, after[1] - 1.5)
    assert between(uptime, before[1] - 1.5, after[1] - 1.5)
    assert ns != os.readlink('/proc/self/ns/time')


def test_unshare_time_without_offsets(tool):
    before, after, uptime, monotonic, _, ns = inside(tool, ['--unshare-time'])
    assert between(monotonic, before[0], after[0])
    assert ns != os.readlink('/proc/self/ns/time')


def test_not_by_default(tool):
    _, _, _, _, _, ns = inside(tool, ['--unshare-all'] if tool is BW else [])
    assert ns == os.readlink('/proc/self/ns/time')


def test_info_fd_reports_it():
    r, w = os.pipe()
    result = SB.sh('readlink /proc/self/ns/time', ['--unshare-time', '--info-fd', str(w)],
                   pass_fds=(w,))
    os.close(w)
    with os.fdopen(r) as f:
        info = json.load(f)
    ns = ok(result).strip()
    assert ns == 'time:[%d]' % info['time-namespace']


def test_negative_clock_refused(host_state):
    result = SB.sh('true', ['--monotonic-offset', '-%d' % (100 * 365 * DAY)])
    assert result.returncode == 1
    assert result.stderr == ('sandbox: --monotonic-offset, --boottime-offset: the clock in the '
                             'sandbox would go below 0: Numerical result out of range\n')
    host_state.assert_unchanged()


def test_bad_seconds_refused():
    result = SB.sh('true', ['--boottime-offset', 'tomorrow'])
    assert result.returncode == 1
    assert result.stderr.startswith('sandbox: --boottime-offset tomorrow: expected seconds')
