"""The django-suite runner's bookkeeping: the expected-failure list and what makes the run fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.django_suite import run


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "expected.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_committed_list_parses_and_every_entry_has_a_reason() -> None:
    entries = run.read_expected()
    assert entries, "the committed list is empty"
    for entry in entries:
        assert entry.reason.startswith(("by design", "limit")), entry
        assert run.module_of(entry.test_id) in run.MODULES, entry


def test_malformed_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "# comment\n\nbogus a.b.c reason\n")
    with pytest.raises(SystemExit, match=r"expected.txt:3"):
        run.read_expected(path)


def test_unlisted_failure_and_listed_pass_both_fail_the_run(tmp_path: Path) -> None:
    listing = "drcp basic.tests.A.test_listed by design: x\nboth basic.tests.A.test_fixed limit: y\n"
    expected = run.read_expected(write(tmp_path, listing))
    outcomes = {
        "basic.tests.A.test_listed": ["fail", "trace"],  # listed for drcp: expected
        "basic.tests.A.test_fixed": ["ok", ""],  # listed but passes: stale
        "basic.tests.A.test_new": ["error", "boom"],  # not listed: unexpected
        "setUpClass (basic.tests.B)": ["error", "db"],
        "basic.tests.A.test_skipped": ["skip", "no feature"],
    }
    unexpected, stale, table = run.report("drcp", outcomes, expected)
    assert [u.splitlines()[0] for u in unexpected] == [
        "ERROR: basic.tests.A.test_new",
        "ERROR: setUpClass (basic.tests.B)",
    ]
    assert stale == ["basic.tests.A.test_fixed"]
    assert "basic" in table
    # The drcp-only entry does not excuse the same failure on Django's own backend.
    unexpected, _, _ = run.report("django", outcomes, expected)
    assert "FAIL: basic.tests.A.test_listed" in [u.splitlines()[0] for u in unexpected]


def test_module_of_uses_the_longest_label() -> None:
    assert run.module_of("migrations.test_operations.OperationTests.test_x") == "migrations.test_operations"
    assert run.module_of("setUpClass (schema.tests.SchemaTests)") == "schema"
