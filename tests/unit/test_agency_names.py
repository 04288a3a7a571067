"""Which name an agency goes by: the configuration, else the log, else its code."""

from __future__ import annotations

from ledger.config import AgencySettings
from ledger.projections.agencies import agency_named

RECORDED = {"jyj": ("镇海区教育局", {"本年新收政府信息公开申请数量": "本年新收到"})}


def test_the_configuration_overrides_the_log() -> None:
    """A configured agency is named and labelled as configured, whatever the log says."""
    configured = {"jyj": AgencySettings(name="宁波市镇海区教育局", labels={"总计": "合计"})}
    assert agency_named("jyj", configured, RECORDED) == ("宁波市镇海区教育局", {"总计": "合计"})


def test_the_log_names_an_unconfigured_agency() -> None:
    """Without configuration, the latest registration in the log gives the name and labels."""
    assert agency_named("jyj", {}, RECORDED) == RECORDED["jyj"]


def test_an_unknown_agency_is_named_by_its_code() -> None:
    """An agency known to neither is named by its code, with no local labels."""
    assert agency_named("zfb", {}, RECORDED) == ("zfb", {})
