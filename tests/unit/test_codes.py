"""The one table of codes: the editions, the event model, the CLI and the parsers use it."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import ledger
from ledger import codes
from ledger.cli.record import record
from ledger.codes import CodeTable, applicant_code, channel_code, outcome_code
from ledger.errors import InvalidInput
from ledger.events import annual as annual_events
from ledger.events import requests as events
from ledger.projections.annual import document_figures
from ledger.report import editions
from ledger.report.model import APPLICANTS, CHANNELS, OUTCOMES, Table4Group

TABLES = {
    "channel": codes.CHANNELS,
    "applicant": codes.APPLICANTS,
    "outcome": codes.OUTCOMES,
    "case kind": codes.CASE_KINDS,
    "case outcome": codes.CASE_OUTCOMES,
    "document kind": codes.DOCUMENT_KINDS,
}
PARSERS = {
    "channel": channel_code,
    "applicant": applicant_code,
    "outcome": outcome_code,
    "case kind": codes.CASE_KINDS.parse,
    "case outcome": codes.CASE_OUTCOMES.parse,
    "document kind": codes.DOCUMENT_KINDS.parse,
}
SOURCE = Path(ledger.__file__).parent


def _unambiguous(table: CodeTable) -> list[tuple[str, str]]:
    """(name, code) for every name of every code that means that code alone."""
    names = table.names()
    return [(n, e.code) for e in table.entries for n in e.names() if len(names[n]) == 1]


@pytest.mark.parametrize("kind", TABLES)
def test_every_name_of_every_code_parses_to_it(kind: str) -> None:
    """The code, its Chinese name and each alias all parse to that code (spaces ignored)."""
    for name, code in _unambiguous(TABLES[kind]):
        assert PARSERS[kind](f" {name} ") == code


@pytest.mark.parametrize("kind", TABLES)
def test_a_name_is_shared_only_by_a_group(kind: str) -> None:
    """No two codes share a name by accident: only a group's name means several codes."""
    table = TABLES[kind]
    groups = {g.label for g in table.groups}
    assert {n for n, found in table.names().items() if len(found) > 1} <= groups
    assert all(len(table.in_group(g.code)) > 1 for g in table.groups)


@given(st.sampled_from(_unambiguous(codes.OUTCOMES)), st.sampled_from(codes.SEPARATORS))
def test_a_reason_may_follow_its_group_name(pair: tuple[str, str], sep: str) -> None:
    """不予公开-国家秘密, 无法提供：本机关不掌握 …: a group name and a member's name parse."""
    name, code = pair
    entry = next(e for e in codes.OUTCOMES.entries if e.code == code)
    group = next((g for g in codes.OUTCOMES.groups if g.code == entry.group), None)
    if group is not None:
        assert outcome_code(f"{group.label}{sep}{name}") == code


@pytest.mark.parametrize(
    "name", ["1.属于国家秘密", "（三）不予公开 1.属于国家秘密", "（一）予以公开"]
)
def test_a_numbered_row_label_parses(name: str) -> None:
    """A row label copied from the 2021 table, numbers and all, parses to its outcome."""
    assert outcome_code(name) in ("withheld.state-secret", "disclosed")


@pytest.mark.parametrize(
    ("kind", "name", "candidates"),
    [
        ("outcome", "不予公开", codes.OUTCOMES.in_group("withheld")),
        ("outcome", "其他处理", codes.OUTCOMES.in_group("other")),
        ("applicant", "法人或其他组织", codes.APPLICANTS.in_group("organisation")),
        ("case kind", "行政诉讼", codes.CASE_KINDS.in_group("litigation")),
    ],
)
def test_an_ambiguous_name_is_refused_listing_the_candidates(
    kind: str, name: str, candidates: tuple[str, ...]
) -> None:
    """A group's name alone is refused in one line that names the field and every candidate."""
    with pytest.raises(InvalidInput) as refusal:
        PARSERS[kind](name)
    message = str(refusal.value)
    assert "\n" not in message
    assert message.startswith(f"{TABLES[kind].field}: {name!r} is ambiguous")
    assert all(code in message for code in candidates)
    others = set(TABLES[kind].codes) - set(candidates)
    assert not any(f" {code} (" in message for code in others)


@pytest.mark.parametrize("kind", TABLES)
def test_an_unknown_name_is_refused_listing_what_is_allowed(kind: str) -> None:
    """An unknown value is refused in one line naming the field and every code with its name."""
    with pytest.raises(InvalidInput) as refusal:
        PARSERS[kind]("鸽子", "FIELD")
    message = str(refusal.value)
    assert "\n" not in message
    assert message.startswith("FIELD: '鸽子' is not ")
    assert all(f"{e.code} ({e.label})" in message for e in TABLES[kind].entries)


def test_the_event_model_types_are_the_tables() -> None:
    """The Literal types of a recorded receipt hold exactly the codes of the tables, in order."""
    assert typing.get_args(events.Channel) == codes.CHANNELS.codes
    assert typing.get_args(events.Applicant) == codes.APPLICANTS.codes
    assert typing.get_args(events.Outcome) == codes.OUTCOMES.codes
    assert typing.get_args(annual_events.CaseKind) == codes.CASE_KINDS.codes
    assert typing.get_args(annual_events.CaseOutcome) == codes.CASE_OUTCOMES.codes
    assert typing.get_args(annual_events.DocumentKind) == codes.DOCUMENT_KINDS.codes


def test_the_report_model_counts_the_tables_codes() -> None:
    """The report model is keyed by the same codes, in the same order."""
    assert (
        codes.CHANNELS.codes,
        codes.APPLICANTS.codes,
        codes.OUTCOMES.codes,
    ) == (CHANNELS, APPLICANTS, OUTCOMES)


@pytest.mark.parametrize("name", editions.EDITIONS)
def test_every_outcome_has_one_row_in_each_edition_and_nothing_else(name: str) -> None:
    """Each edition's table 3 counts every outcome code exactly once and no other code."""
    counted = [code for row in editions.edition(name).table3 for code in row.codes]
    assert sorted(counted) == sorted(codes.OUTCOMES.codes)
    groups = {g.code: g.label for g in codes.OUTCOMES.groups}
    for entry in codes.OUTCOMES.entries:
        row = editions.edition(name).row_for(entry.code)
        named = entry.label if len(row.codes) == 1 else groups[entry.group]
        assert named in row.label


def test_the_2021_rows_are_the_outcomes_in_order_with_their_names() -> None:
    """The 2021 table 3 has one row per outcome, in the table's order, labelled with its name."""
    rows = [r for r in editions.edition("2021").table3 if r.part == "decided"]
    assert [r.codes for r in rows] == [(c,) for c in codes.OUTCOMES.codes]
    assert all(codes.OUTCOMES.labels()[r.key] in r.label for r in rows)


def test_the_2019_edition_counts_the_other_group_in_one_row() -> None:
    """The 2019 table 3 counts the whole （六）其他处理 group in one row named for the group."""
    row = editions.edition("2019").row_for("other")
    assert row.codes == codes.OUTCOMES.in_group("other")
    assert codes.OUTCOMES.groups[-1].label in row.label


def test_the_applicant_columns_are_the_applicant_table() -> None:
    """Table 3's columns are the applicant categories with their names; 法人或其他组织 spans a group."""
    assert tuple(codes.APPLICANTS.labels().items()) == editions.APPLICANT_COLUMNS
    assert codes.APPLICANTS.in_group("organisation") == editions.ORGANISATION_CODES
    assert codes.CHANNELS.labels() == editions.CHANNEL_LABELS


def test_table4_is_keyed_by_the_case_tables() -> None:
    """Table 4's groups are the case kinds and its columns start with the case outcomes."""
    kinds = list(codes.CASE_KINDS.labels().values())
    assert [label for _, label in editions.TABLE4_GROUPS] == kinds
    columns = dict(editions.TABLE4_COLUMNS)
    assert all(columns[code] == label for code, label in codes.CASE_OUTCOMES.labels().items())
    assert list(Table4Group().values()) == list(columns)


@pytest.mark.parametrize(
    ("args", "table"),
    [(["receive", "--help"], codes.CHANNELS), (["receive", "--help"], codes.APPLICANTS),
     (["decide", "--help"], codes.OUTCOMES), (["case", "--help"], codes.CASE_KINDS),
     (["case-end", "--help"], codes.CASE_OUTCOMES), (["document", "--help"], codes.DOCUMENT_KINDS)],
)  # fmt: skip
def test_the_cli_help_lists_every_code_with_its_name(args: list[str], table: CodeTable) -> None:
    """`ledger record receive|decide --help` shows every code of the table and its name (the
    help as the root command shows it: localized, its placeholders filled)."""
    from ledger.helptext import localize

    shown = CliRunner().invoke(localize(record), args, terminal_width=200)
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    for entry in table.entries:
        assert entry.code in text
        assert entry.label in text


def _literal_lists(path: Path) -> list[tuple[int, str, list[str]]]:
    """Tuple, list, set and dict literals in ``path`` holding two or more codes of one table."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
        if not isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict) or items is None:
            continue
        words = [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]
        for kind, table in TABLES.items():
            spelled = [w for w in words if w in table.codes]
            if len(spelled) >= 2:
                found.append((node.lineno, kind, spelled))
    return found


def _chinese_names(path: Path) -> set[str]:
    """String literals in ``path`` that are a Chinese name of a channel, applicant or outcome."""
    names = {n for t in TABLES.values() for e in t.entries for n in (e.label, *e.aliases)}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in names}


ALLOWED = {
    "codes.py": "the table itself",
    "events/requests.py": "the Literal types, held equal to the tables above",
    "events/annual.py": "the Literal types, held equal to the tables above",
    "demo.py": "a scripted scenario: its requests name the codes a clerk would type",
}


def test_no_other_module_spells_a_list_of_codes_or_their_names() -> None:
    """Outside ledger.codes no module lists codes or spells a code's Chinese name.

    (The official labels of table 3, which carry the outcome names inside their own
    wording, live in report/editions.py; that is checked by the edition tests above.)
    """
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        where = path.relative_to(SOURCE).as_posix()
        if where in ALLOWED:
            continue
        offenders += [(where, *hit) for hit in _literal_lists(path)]
        if where != "report/editions.py":  # the official labels, one table per edition
            offenders += [(where, name) for name in sorted(_chinese_names(path))]
    assert offenders == []


def test_every_document_figure_of_either_edition_is_counted() -> None:
    """The projection counts exactly the 第二十条第（一）项 figures the editions print."""
    assert set(document_figures([], 2021)) == editions.DOCUMENT_FIGURES
    for name in editions.EDITIONS:
        keys = editions.edition(name).table2_keys()
        assert all(keys[kind] <= editions.DOCUMENT_FIGURES for kind in codes.DOCUMENT_KINDS.codes)
