"""Suite-wide reporting: the notebook environment's differences from its pins."""

from __future__ import annotations

KEY = "notebook_version_differences"  # recorded by tests/test_notebooks.py


def pytest_terminal_summary(terminalreporter) -> None:
    for report in terminalreporter.stats.get("passed", []):
        lines = dict(getattr(report, "user_properties", ())).get(KEY)
        if lines is None:
            continue
        terminalreporter.section("notebook environment against notebooks/requirements.lock")
        if not lines:
            terminalreporter.write_line("installed versions match the pins")
        for line in lines:
            terminalreporter.write_line(line)
