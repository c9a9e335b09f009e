"""The oracledb-suite runner's bookkeeping: the expected-failure list, JUnit parsing, what fails the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oracledb_suite import run


def test_committed_list_parses_and_names_files_that_run() -> None:
    entries = run.read_expected()
    assert entries, "the committed list is empty"
    for entry in entries:
        assert entry.test_id.split("::")[0] in run.FILES, entry


def test_malformed_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "expected.txt"
    path.write_text("# comment\n\npool/test_1000_pool.py::test_pool_1003 because\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"expected.txt:3"):
        run.read_expected(path)


def test_outcomes_from_junit_and_a_run_that_must_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        """<testsuites><testsuite>
        <testcase classname="tests.pool.test_1000_pool" name="test_ok"/>
        <testcase classname="tests.pool.test_1000_pool" name="test_listed">
          <failure message="ORA-00942: x"/></testcase>
        <testcase classname="tests.pool.test_1000_pool" name="test_fixed"/>
        <testcase classname="tests.pool.test_1000_pool" name="test_new"><error message="boom"/></testcase>
        <testcase classname="tests.pool.test_1000_pool" name="test_skip">
          <skipped message="not supported with DRCP"/></testcase>
        </testsuite></testsuites>""",
        encoding="utf-8",
    )
    outcomes = run.outcomes_of(junit)
    file = "pool/test_1000_pool.py"
    assert outcomes[f"{file}::test_ok"] == ("ok", "")
    assert outcomes[f"{file}::test_listed"] == ("fail", "ORA-00942: x")
    assert outcomes[f"{file}::test_skip"][0] == "skip"
    expected = [
        run.Expected(f"{file}::test_listed", "limit: x"),
        run.Expected(f"{file}::test_fixed", "limit: y"),
    ]
    assert run.report(outcomes, expected, [file]) == 1
    printed = capsys.readouterr().out
    assert f"UNEXPECTED {file}::test_new" in printed and f"LISTED BUT OK {file}::test_fixed" in printed
    only_listed = {k: v for k, v in outcomes.items() if not k.endswith(("test_new", "test_fixed"))}
    assert run.report(only_listed, expected[:1], [file]) == 0
