"""pytest glue shared by the integration and security suites: hooks and
fixtures built on sbtest.  Each conftest.py imports it."""

import os
import signal
import subprocess

import pytest

import sbtest


def pytest_report_header(config):
    return ['sandbox: %s' % sbtest.SANDBOX, 'bwrap link: %s' % sbtest.BWRAP,
            'system bwrap: %s' % sbtest.SYSTEM_BWRAP,
            'uid: %d' % os.geteuid()]


def pytest_sessionstart(session):
    # A suite started as a background job of a shell inherits SIGQUIT (and
    # SIGINT) ignored, and a shell in the sandbox cannot trap an ignored
    # signal: the signal tests would fail for the caller's sake.
    for sig in (signal.SIGQUIT, signal.SIGINT):
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)
    for name, path in (('SANDBOX', sbtest.SANDBOX),
                       ('SANDBOX_BWRAP', sbtest.BWRAP)):
        if not path or not os.access(path, os.X_OK):
            raise pytest.UsageError(
                '%s=%r is not an executable: build first or set %s' %
                (name, path, name))


_userns = None


def userns_works():
    """True when this account may create a user namespace (probed once)."""
    global _userns
    if _userns is None:
        try:
            _userns = subprocess.run(
                ['unshare', '--user', '--map-root-user', 'true'],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _userns = False
    return _userns


@pytest.fixture(autouse=True)
def _needs_userns():
    if not sbtest.IS_ROOT and not userns_works():
        pytest.skip('unprivileged user namespaces are refused on this host '
                    '(kernel.apparmor_restrict_unprivileged_userns, '
                    'user.max_user_namespaces or a container policy)')


@pytest.fixture(params=sbtest.PERSONALITIES, ids=lambda p: p.name)
def tool(request):
    """Each test using it runs under both personalities (sandbox, bwrap)."""
    return request.param


@pytest.fixture
def host_state():
    """Snapshot of the host before the test; the test calls
    host_state.assert_unchanged() after running the tool."""
    return sbtest.HostState()


@pytest.fixture
def system_bwrap():
    if sbtest.SYSTEM_BWRAP is None:
        pytest.skip('/usr/bin/bwrap is missing (apt-get install bubblewrap)')
    return sbtest.Personality('system-bwrap', sbtest.SYSTEM_BWRAP,
                              sbtest.BWRAP_USR, 'bwrap:')
