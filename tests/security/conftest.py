"""pytest glue for the attack suite.

The suite reuses the integration tests' helpers (sbtest.py).  meson copies
sbtest.py next to these files in the build tree, so that run-pytest finds
everything in one readable directory; run by hand from the source tree,
the integration directory is put on the import path instead.
"""

import os
import subprocess
import sys

import pytest

_here = os.path.dirname(os.path.abspath(__file__))
if not os.path.exists(os.path.join(_here, 'sbtest.py')):
    sys.path.insert(0, os.path.join(os.path.dirname(_here), 'integration'))

import sbtest  # noqa: E402


def pytest_report_header(config):
    return ['sandbox: %s' % sbtest.SANDBOX, 'bwrap link: %s' % sbtest.BWRAP,
            'uid: %d' % os.geteuid()]


def pytest_sessionstart(session):
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
        pytest.skip('unprivileged user namespaces are refused on this host')


@pytest.fixture(params=sbtest.PERSONALITIES, ids=lambda p: p.name)
def tool(request):
    """Each test using it runs under both personalities (sandbox, bwrap)."""
    return request.param


@pytest.fixture
def host_state():
    return sbtest.HostState()
