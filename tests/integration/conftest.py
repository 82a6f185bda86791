"""pytest glue for the integration tests (shared with tests/security)."""

from sbfixtures import (  # noqa: F401  (pytest finds hooks and fixtures here)
    _needs_userns, host_state, pytest_report_header, pytest_sessionstart,
    system_bwrap, tool)
