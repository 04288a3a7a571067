"""The in-process runner prints what the real process prints, so the other tests may rely on it.

``tests.e2e.cli_runner.LedgerCli`` runs most commands in-process through
``ledger.cli.main`` — the same entry point the installed script calls — because a new
Python process costs ~0.3 s. These tests run the same step both ways and compare exit
status, standard output and standard error to the letter.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli_runner import LedgerCli


def test_in_process_confirmation_matches_the_real_process(tmp_path: Path) -> None:
    """A step run in-process prints the same confirmation line as the same step run as a process."""
    inproc = LedgerCli(tmp_path / "a" / "desk.db", "2020-03-31")
    real = LedgerCli(tmp_path / "b" / "desk.db", "2020-03-31")
    line = "record receive R-1 --date 2020-03-02 --channel in-person --applicant 自然人"
    a, b = inproc(line), real.process(line)
    assert (a.code, a.out, a.notes) == (b.code, b.out, b.notes)
    assert a.err.startswith("command id: ")
    assert b.err.startswith("command id: ")
    assert a.out == "R-1: received 2020-03-02 (in-person, natural); due 2020-03-30\n"


def test_in_process_refusal_matches_the_real_process(tmp_path: Path) -> None:
    """A refusal run in-process gives the same exit status and stderr line as the real process."""
    desk = LedgerCli(tmp_path / "desk.db", "2020-03-31")
    line = "record decide NOPE --date 2020-03-05 --outcome disclosed"
    a, b = desk(line), desk.process(line)
    assert (a.code, a.out, a.err) == (b.code, b.out, b.err)
    assert a.code == 1
    assert a.err == "ledger: request NOPE: no such request; `ledger list` shows the requests\n"
