"""The configuration file's typed model: one-line refusals, unknown keys, the generated docs."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from ledger.config import Config, JobSettings, load_config, parse_config
from ledger.config_doc import EXAMPLE, SECTIONS, render
from ledger.errors import InvalidInput

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
SOURCE = "--config /x/ledger.toml"

EMAIL = {
    "type": "email",
    "name": "office",
    "host": "smtp.example.gov.cn",
    "port": 587,
    "starttls": True,
    "user": "ledger",
    "password_env": "LEDGER_SMTP_PASSWORD",
    "sender": "ledger@example.gov.cn",
    "to": ["head@example.gov.cn"],
}
WECOM = {"type": "webhook", "name": "wecom-group", "url_env": "LEDGER_WECOM_URL", "format": "wecom"}
OFFICIAL = "一、本年新收政府信息公开申请数量"


def refusal(raw: dict[str, Any]) -> str:
    """The one-line message a configuration is refused with."""
    with pytest.raises(InvalidInput) as refused:
        parse_config(raw, SOURCE)
    message = str(refused.value)
    assert "\n" not in message
    return message.removeprefix(f"{SOURCE}: ")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"agencies": {"zjj": {"name": "x", "level": "city"}}},
            "agencies.zjj.level: 'city' is not allowed; use department or government",
        ),
        (
            {"agencies": {"zjj": {"level": "government"}}},
            "agencies.zjj.name: missing; it is required",
        ),
        (
            {"agencies": {"zjj": {"name": ""}}},
            "agencies.zjj.name: '' is not allowed; use a non-empty string, e.g. 宁波市镇海区教育局",
        ),
        ({"agencies": {"zjj": "教育局"}}, "agencies.zjj: '教育局' is not allowed; use a table"),
        (
            {"agencies": {"zjj": {"name": "x", "labels": {"一、新收申请": "y"}}}},
            "agencies.zjj.labels.一、新收申请: not an official label; use the label exactly as "
            "the format prints it (docs/report-formats.md)",
        ),
        (
            {"agencies": {"zjj": {"name": "x", "labels": {OFFICIAL: 3}}}},
            "agencies.zjj.labels: 3 is not allowed; use a table of official label = local label, "
            "both strings",
        ),
        (
            {"db": "mysql://h/db"},
            "db: 'mysql' databases are not supported; use sqlite:///PATH, "
            "postgresql://USER@HOST:PORT/DB, or a file path",
        ),
        ({"agency": 7}, "agency: 7 is not allowed; use a registered agency code"),
        (
            {"scheduler": {"time": "2am"}},
            "scheduler.time: '2am' is not allowed; use HH:MM (Asia/Shanghai), e.g. 02:00",
        ),
        (
            {"scheduler": {"close_lapsed": "yes"}},
            "scheduler.close_lapsed: 'yes' is not allowed; use true or false",
        ),
        (
            {"scheduler": {"within": -1}},
            "scheduler.within: -1 is not allowed; use working days from 0 to 60",
        ),
        (
            {"scheduler": {"within": True}},
            "scheduler.within: True is not allowed; use working days from 0 to 60",
        ),
        (
            {"scheduler": {"agency": " "}},
            "scheduler.agency: ' ' is not allowed; use an agency code",
        ),
        ({"scheduler": 3}, "scheduler: 3 is not allowed; use a [scheduler] table"),
        (
            {"notifiers": [EMAIL | {"port": "587"}]},
            "notifiers.office.port: '587' is not allowed; use a whole number from 1 to 65535",
        ),
        (
            {"notifiers": [EMAIL | {"ssl": True}]},
            "notifiers.office.starttls: not allowed together with ssl = true; choose one",
        ),
        (
            {"notifiers": [EMAIL | {"starttls": False}]},
            "notifiers.office.user: logging in without TLS sends the password in clear; set "
            "starttls = true or ssl = true (or plaintext_auth = true for a trusted local relay)",
        ),
        (
            {"notifiers": [{k: v for k, v in EMAIL.items() if k != "user"}]},
            "notifiers.office.user: user and password_env go together; set both or neither",
        ),
        (
            {"notifiers": [EMAIL | {"password_env": "LEDGER-PASSWORD"}]},
            "notifiers.office.password_env: 'LEDGER-PASSWORD' is not allowed; use an environment "
            "variable name, e.g. LEDGER_SMTP_PASSWORD",
        ),
        (
            {"notifiers": [EMAIL | {"to": []}]},
            'notifiers.office.to: [] is not allowed; use a list of one or more email addresses, e.g. ["a@b.cn"]',
        ),
        (
            {"notifiers": [EMAIL | {"to": ["head.example.gov.cn"]}]},
            "notifiers.office.to: 'head.example.gov.cn' is not allowed; use a list of one or more "
            'email addresses, e.g. ["a@b.cn"]',
        ),
        (
            {"notifiers": [EMAIL | {"cafile": "/nonexistent/ca.pem"}]},
            "notifiers.office.cafile: '/nonexistent/ca.pem' is not allowed; use the path of an existing file",
        ),
        (
            {"notifiers": [{k: v for k, v in EMAIL.items() if k != "host"}]},
            "notifiers.office.host: missing; it is required",
        ),
        (
            {"notifiers": [{k: v for k, v in EMAIL.items() if k != "name"}]},
            "notifiers.#1.name: missing; it is required",
        ),
        (
            {"notifiers": [EMAIL | {"name": "office\nhead"}]},
            "notifiers.#1.name: 'office\\nhead' is not allowed; use letters, digits, '.', '-', '_' "
            "(up to 64); unique; not log",
        ),
        (
            {"notifiers": [EMAIL | {"name": "log"}]},
            "notifiers.log.name: 'log' is already taken; each notifier needs its own name",
        ),
        (
            {"notifiers": [EMAIL, EMAIL]},
            "notifiers.office.name: 'office' is already taken; each notifier needs its own name",
        ),
        (
            {"notifiers": [EMAIL | {"type": "sms"}]},
            "notifiers.office.type: 'sms' is not allowed; use email or webhook",
        ),
        (
            {"notifiers": [{k: v for k, v in EMAIL.items() if k != "type"}]},
            "notifiers.office.type: missing; use email or webhook",
        ),
        (
            {"notifiers": [{"type": "log"}]},
            "notifiers.#1.type: the log notifier is always on; remove this table",
        ),
        (
            {"notifiers": [WECOM | {"format": "slack"}]},
            "notifiers.wecom-group.format: 'slack' is not allowed; use one of json, wecom, dingtalk",
        ),
        (
            {"notifiers": [WECOM | {"url": "https://x.cn/send?key=1"}]},
            "notifiers.wecom-group.url: set exactly one of url and url_env",
        ),
        (
            {"notifiers": [WECOM | {"secret_env": "LEDGER_DING_SECRET"}]},
            "notifiers.wecom-group.secret_env: only applies to format dingtalk (signed robots)",
        ),
        (
            {"notifiers": [WECOM | {"format": "json", "msgtype": "text"}]},
            "notifiers.wecom-group.msgtype: only applies to format wecom or dingtalk",
        ),
        (
            {"notifiers": [WECOM | {"timeout": 0}]},
            "notifiers.wecom-group.timeout: 0 is not allowed; use a number from 1 to 600",
        ),
        (
            {"notifiers": [{"type": "webhook", "name": "w", "url": "ftp://x.cn/a?key=zzz"}]},
            "notifiers.w.url: 'ftp://x.cn/a?***' is not allowed; use an http(s) URL",
        ),
    ],
)
def test_a_bad_value_is_refused_in_one_line_naming_the_key(
    raw: dict[str, Any], expected: str
) -> None:
    """Each bad value is refused with one line: the key's dotted path, the value, what is allowed."""
    assert refusal(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"agencis": {}},
            "agencis: unknown key; allowed: db, lang, agency, backdate_days, agencies, notifiers, "
            "scheduler, notices, web, lock_timeout",
        ),
        (
            {"agencies": {"zjj": {"name": "x", "lable": {}}}},
            "agencies.zjj.lable: unknown key; allowed: name, labels, level",
        ),
        (
            {"scheduler": {"tiem": "02:00"}},
            "scheduler.tiem: unknown key; allowed: time, within, close_lapsed, close_year, agency, anchor_file, anchor_notifiers",
        ),
        (
            {"notifiers": [EMAIL | {"starttsl": True}]},
            "notifiers.office.starttsl: unknown key; allowed: name, type, host, port, ssl, starttls, cafile, user, password_env, plaintext_auth, sender, to, timeout",
        ),
        (
            {"notifiers": [WECOM | {"chat": "x"}]},
            "notifiers.wecom-group.chat: unknown key; allowed: name, type, url, url_env, format, msgtype, secret_env, timeout",
        ),
    ],
)
def test_an_unknown_key_is_refused_by_name(raw: dict[str, Any], expected: str) -> None:
    """A misspelt key is refused by name, with the keys its table allows, instead of doing nothing."""
    assert refusal(raw) == expected


def test_a_secret_written_in_the_file_is_refused_without_repeating_it() -> None:
    """An inline password is refused, pointing to password_env, and never echoed."""
    for raw in (
        {"notifiers": [EMAIL | {"password": "hunter2"}]},
        {"notifiers": EMAIL | {"password": "hunter2"}},
    ):
        message = refusal(raw)
        assert "hunter2" not in message
    assert refusal({"notifiers": [EMAIL | {"password": "hunter2"}]}) == (
        "notifiers.office.password: secrets are not read from the config file; "
        "set password_env to the name of an environment variable"
    )
    assert refusal({"notifiers": EMAIL}) == (
        "notifiers: a table is not allowed; use [[notifiers]] tables, each with type = email or webhook"
    )


def test_no_file_and_an_empty_file_give_the_defaults() -> None:
    """Everything has a default: the nightly job at 02:00, three working days' warning, no notifiers."""
    assert parse_config({}) == Config()
    assert Config().scheduler == JobSettings(time=dt.time(2, 0), within=3)
    assert Config().agency is None
    assert Config().notifiers == []
    assert Config().db is None


def test_load_config_names_the_file_in_every_refusal(tmp_path: Path) -> None:
    """A missing file, broken TOML and a bad value each name the file in one line."""
    path = tmp_path / "ledger.toml"
    with pytest.raises(InvalidInput, match=r"^--config: .*ledger.toml does not exist$"):
        load_config(str(path))
    path.write_text("agency = \n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"^--config: .*ledger.toml is not valid TOML"):
        load_config(str(path))
    path.write_text('[scheduler]\ntime = "25:00"\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        load_config(str(path))
    assert str(refused.value) == (
        f"--config {path}: scheduler.time: '25:00' is not allowed; use HH:MM (Asia/Shanghai), e.g. 02:00"
    )


@given(st.times())
def test_every_time_of_day_written_hh_mm_is_read_back(moment: dt.time) -> None:
    """Any HH:MM is the job's time, to the minute; the same time with seconds is refused."""
    minute = moment.replace(second=0, microsecond=0)
    assert parse_config({"scheduler": {"time": f"{minute:%H:%M}"}}).scheduler.time == minute
    with pytest.raises(InvalidInput, match=r"^config: scheduler\.time: "):
        parse_config({"scheduler": {"time": f"{minute:%H:%M:%S}"}})


def test_the_documented_example_loads() -> None:
    """The example file in docs/configuration.md is a valid configuration, read as written."""
    text = DOC.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    assert example == EXAMPLE
    config = parse_config(tomllib.loads(example))
    assert config.agency == "zhjyj"
    assert config.agencies["zhjyj"].labels == {OFFICIAL: "一、本年新收到政府信息公开申请数量"}
    assert config.agency_levels() == {"zhjyj": "department", "zhzf": "government"}
    assert [n.name for n in config.notifiers] == ["office", "dingtalk-group"]
    assert config.scheduler.close_lapsed
    assert config.scheduler.within == 5


def test_the_committed_document_is_the_generated_one() -> None:
    """docs/configuration.md is regenerated from the model (python -m ledger.config_doc)."""
    assert DOC.read_text(encoding="utf-8") == render()


def test_every_key_of_the_model_is_documented_in_its_section() -> None:
    """A key added to any table of the model fails this test until the document describes it."""
    text = DOC.read_text(encoding="utf-8")
    for heading, model, _ in SECTIONS:
        section = text.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
        documented = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
        assert documented == set(model.model_fields), heading


def _tables(annotation: Any) -> set[type[BaseModel]]:
    """Every model class an annotation holds, however nested (dicts, lists, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found = {annotation}
        for info in annotation.model_fields.values():
            found |= _tables(info.annotation)
        return found
    return set().union(*(_tables(arg) for arg in get_args(annotation)))


def test_every_table_of_the_model_has_a_section() -> None:
    """A new kind of table (a new notifier type…) fails this test until the document has a section for it."""
    assert _tables(Config) == {model for _, model, _ in SECTIONS}
