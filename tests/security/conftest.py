"""Print what the security tests checked (cells of the access matrix, unclassified routes)."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    try:
        from tests.security.test_access_matrix import STATS, TIMES, UNCLASSIFIED
    except Exception:  # noqa: BLE001 - the matrix module did not run
        return
    if not STATS:
        return
    tr = terminalreporter
    tr.section("access-control matrix")
    tr.write_line(
        f"cells checked (route x role x scope x method): {STATS['cells']}  "
        f"requests sent: {STATS['requests']} (one per Wagtail permission class)  "
        f"classified routes: {STATS['routes']}  routes without a row: {STATS['unclassified_routes']}"
    )
    tr.write_line(
        "outcomes: "
        + ", ".join(
            f"{k}={v}"
            for k, v in sorted(STATS.items())
            if k not in {"cells", "routes", "unclassified_routes", "requests"}
        )
    )
    if config.getoption("verbose") > 0:
        tr.write_line(
            "slowest routes (s): "
            + ", ".join(f"{k}={v:.1f}" for k, v in TIMES.most_common(25))
        )
    if UNCLASSIFIED:
        tr.write_line(
            f"unclassified routes ({len(UNCLASSIFIED)}), add rows to tests/security/policy.py (these fail the test):"
        )
        for line in UNCLASSIFIED:
            tr.write_line(f"  {line}")
