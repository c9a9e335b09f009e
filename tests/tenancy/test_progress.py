"""Progress (a bar on a terminal, plain lines otherwise), the result table, and the selection rules."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from django.core.management.base import OutputWrapper

from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.fleet import MigrationUnit, Selection, UnitResult
from drcp_multi.tenancy.progress import Progress, command_stream, result_table

ACME = MigrationUnit(alias="acme", tenant="acme", tenants=("acme",))
SHARED = MigrationUnit(alias="default", tenant=None, tenants=("globex", "initech"))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(command_stream(OutputWrapper(out)), 2)
    progress(UnitResult(ACME, "migrated", ["notes.0001_initial", "notes.0002_note_done"]))
    progress(UnitResult(SHARED, "failed", error="DatabaseError: ORA-00955: name is already used\nmore"))
    assert out.getvalue().splitlines() == [
        "[1/2] acme: migrated (2 migrations)",
        "[2/2] default (2 tenants): failed: DatabaseError: ORA-00955: name is already used",
    ]


def test_one_bar_redrawn_on_a_terminal() -> None:
    out = Terminal()
    progress = Progress(command_stream(OutputWrapper(out)), 2)
    progress(UnitResult(ACME, "migrated"))
    progress(UnitResult(SHARED, "up-to-date"))
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, redrawn with "\r"
    assert text.split("\r")[-1].startswith("[" + "#" * 30 + "] 2/2 migrated 1 up-to-date 1")


def test_table_has_a_row_per_tenant() -> None:
    table = result_table([UnitResult(ACME, "migrated", ["a.1"], 1.234), UnitResult(SHARED, "up-to-date")])
    assert table.splitlines() == [
        "TENANT                   ALIAS    STATUS      APPLIED  SECONDS  ERROR",
        "acme                     acme     migrated    1        1.23",
        "globex (shared schema)   default  up-to-date  0        0.00",
        "initech (shared schema)  default  up-to-date  0        0.00",
    ]


def test_unit_results_cross_processes_as_plain_data() -> None:
    result = UnitResult(SHARED, "failed", error="x", pid=7)
    data: dict[str, Any] = result.to_dict()
    assert data["unit"] == {"alias": "default", "tenant": None, "tenants": ["globex", "initech"]}
    assert UnitResult.from_dict(data) == result


def test_selection_by_name_pattern_and_creation_date() -> None:
    tenants = [
        Tenant("acme", "acme", "T_acme", created=datetime(2026, 1, 5)),
        Tenant("eu_one", "eu_one", "T_eu_one", created=datetime(2026, 11, 2)),
        Tenant("eu_two", "eu_two", "T_eu_two"),
        Tenant("off", "off", "T_off", enabled=False),
    ]
    names = lambda selection: [t.name for t in selection.select(tenants)]  # noqa: E731
    assert names(Selection()) == ["acme", "eu_one", "eu_two"]  # disabled ones are left out
    assert names(Selection(patterns=["eu_*"])) == ["eu_one", "eu_two"]
    assert names(Selection(names=["acme"], patterns=["eu_t*"])) == ["acme", "eu_two"]
    assert names(Selection(since=datetime(2026, 6, 1))) == ["eu_one"]  # unknown dates are not "since"
