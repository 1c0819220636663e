"""A pytest plugin for CI: a skipped test that needs a required service fails the run.

Tests that need PostgreSQL, the browser or the S3 server carry a marker and skip when the
service is missing on a developer's machine; in CI, `--require MARKER` turns such a skip
into a failure, so a green run means those parts really ran.

The check reads the reports, not the items, because with pytest-xdist the items live in the
workers while the reports reach the process that decides the exit status.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require",
        action="append",
        default=[],
        metavar="MARKER",
        help="fail the run when a test with this marker is skipped",
    )


class RequiredServices:
    """Collects the skipped reports of tests carrying a required marker."""

    def __init__(self, required: set[str]) -> None:
        self.required = required
        self.skipped: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        expected_failure = hasattr(report, "wasxfail")  # ran, and failed as recorded: not a skip
        if (
            report.skipped
            and not expected_failure
            and any(name in report.keywords for name in self.required)
        ):
            self.skipped.append(f"{report.nodeid}: {report.longrepr}")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.skipped:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.skipped:
            terminalreporter.section("required tests that were skipped")
            for line in self.skipped:
                terminalreporter.line(line)


def pytest_configure(config: pytest.Config) -> None:
    required = set(config.getoption("--require"))
    if required:
        config.pluginmanager.register(RequiredServices(required), "required-services")
