"""pytest plugin loaded by run-pytest (-p meson_exit): pytest's exit status
turned into what meson test reads.

meson counts one result per test file: 0 is OK, 77 is SKIP, anything else
FAIL.  pytest exits 0 when every case skipped, and 5 when it collected
nothing, which meson would report as OK and as FAIL; here:
  - every case skipped (none ran, none failed): 77;
  - nothing collected because the module skipped itself, or because -k/-m
    deselected every case: 77;
  - nothing collected otherwise (a file without a test): 5, a failure.
A case that ran means its body ran: an xfail whose body failed ran too.
"""

import pytest

MESON_SKIP = 77


class MesonExit:
    def __init__(self, config):
        self.config = config
        self.ran = 0
        self.skipped = 0
        self.module_skipped = False
        self.deselected = 0
        self.verdict = None

    def pytest_runtest_logreport(self, report):
        plain_skip = report.skipped and not hasattr(report, 'wasxfail')
        if report.when == 'call' and not plain_skip:
            self.ran += 1
        elif plain_skip and report.when in ('setup', 'call'):
            self.skipped += 1

    def pytest_collectreport(self, report):
        if report.skipped:
            self.module_skipped = True

    def pytest_deselected(self, items):
        self.deselected += len(items)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        if exitstatus == pytest.ExitCode.OK and self.ran == 0 and self.skipped:
            self.verdict = 'every case skipped: SKIP for meson'
            session.exitstatus = MESON_SKIP
        elif exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
            if self.module_skipped:
                self.verdict = 'the file skipped itself: SKIP for meson'
                session.exitstatus = MESON_SKIP
            elif self.deselected:
                self.verdict = 'no case matches the selection (-k/-m): SKIP for meson'
                session.exitstatus = MESON_SKIP
            else:
                self.verdict = 'no test case in this file: FAIL for meson'

    # Called after pytest_sessionfinish, at the end of the report.
    def pytest_terminal_summary(self, terminalreporter):
        if self.verdict:
            terminalreporter.write_line('run-pytest: ' + self.verdict)


def pytest_configure(config):
    config.pluginmanager.register(MesonExit(config), 'meson_exit_status')
