"""The crash and fault tests run the debug build of `capacity` (CAPACITY_BIN overrides it) and
print their figures (kills, events checked, failures injected) after the test summary."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ledgerkit as lk  # noqa: E402

FIGURES = []


def pytest_sessionstart(session):
    if not os.access(lk.BINARY, os.X_OK):
        raise pytest.UsageError(f"no capacity binary at {lk.BINARY} (run swift build, or set CAPACITY_BIN)")


@pytest.fixture
def figures():
    """Append a line here to have it printed after the run."""
    return FIGURES


def pytest_terminal_summary(terminalreporter):
    for line in FIGURES:
        terminalreporter.write_line(line)
