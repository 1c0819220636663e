"""A pytest plugin for CI: a skipped test that needs a required service fails the run.

Tests that need PostgreSQL, the browser or the S3 server carry a marker and skip when the
service is missing on a developer's machine; in CI, `--require MARKER` turns such a skip
into a failure, so a green run means those parts really ran.
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


_skipped_required: list[str] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    required = set(item.config.getoption("--require"))
    expected_failure = hasattr(report, "wasxfail")  # ran, and failed as recorded: not a skip
    if (
        report.skipped
        and not expected_failure
        and any(item.get_closest_marker(name) for name in required)
    ):
        _skipped_required.append(f"{item.nodeid}: {report.longrepr}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped_required:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    if _skipped_required:
        terminalreporter.section("required tests that were skipped")
        for line in _skipped_required:
            terminalreporter.line(line)
