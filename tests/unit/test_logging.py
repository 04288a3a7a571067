"""Logs: JSON lines for jobs, readable text at a terminal, secrets masked either way."""

from __future__ import annotations

import json

import pytest
import structlog

from ledger.logging import configure_logging


@pytest.fixture(autouse=True)
def _reset() -> object:
    yield
    structlog.reset_defaults()


def test_json_lines_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    """With --log-format json every log line is one JSON object on standard error."""
    configure_logging("json")
    structlog.get_logger("t").info("reminder", kind="overdue", password="hunter2")
    line = capsys.readouterr().err.strip()
    record = json.loads(line)
    assert record["event"] == "reminder"
    assert record["level"] == "info"
    assert record["password"] != "hunter2"
    assert "timestamp" in record


def test_json_when_standard_error_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """The automatic format writes JSON lines when standard error is not a terminal."""
    configure_logging("auto")
    structlog.get_logger("t").warning("year-not-closed", year=2025)
    assert json.loads(capsys.readouterr().err)["year"] == 2025


def test_readable_text_for_a_person(capsys: pytest.CaptureFixture[str]) -> None:
    """The console format is one readable line, not JSON, and hides secrets too."""
    configure_logging("console")
    structlog.get_logger("t").info("sent", url="https://qyapi.weixin.qq.com/send?key=SECRET")
    out = capsys.readouterr().err
    assert "sent" in out
    assert "SECRET" not in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
