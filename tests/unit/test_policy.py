"""The policy file: packaged defaults load, and a broken file fails with a message that names the field."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from copilot.core.errors import ConfigError
from copilot.core.policy import DEFAULT_POLICY_PATH, Mode, Role, load_policy, parse_policy


def _raw() -> dict:
    return json.loads(DEFAULT_POLICY_PATH.read_text())


def test_packaged_policy_carries_design_defaults() -> None:
    policy = load_policy()
    assert policy.payment_retry.max_retries_per_window == 2
    assert policy.payment_retry.window_hours == 24 and policy.payment_retry.min_gap_minutes == 60
    assert policy.refund.agent_limit == Decimal("100.00") and policy.refund.finance_limit == Decimal("500.00")
    assert policy.customer_message.max_words == 90 and policy.customer_message.asks == 1
    assert policy.fraud_release.approver is Role.lead and policy.fraud_release.escalate_to is Role.risk
    assert {"fraud", "chargeback", "3pl", "risk score"} <= set(policy.customer_message.internal_words)
    assert all(policy.mode_of(rule) is Mode.active for rule in ("refund", "identity", "automation"))


def test_unknown_key_is_rejected_with_its_location() -> None:
    raw = _raw()
    raw["refund"]["agent_limt"] = "50"
    with pytest.raises(ConfigError, match=r"refund\.agent_limt"):
        parse_policy(json.dumps(raw))


def test_finance_limit_below_agent_limit_is_rejected() -> None:
    raw = _raw()
    raw["refund"]["finance_limit"] = "50.00"
    with pytest.raises(ConfigError, match="finance_limit must be at least"):
        parse_policy(json.dumps(raw))


def test_a_decline_code_cannot_be_both_soft_and_hard() -> None:
    raw = _raw()
    raw["payment_retry"]["soft_declines"].append("stolen_card")
    with pytest.raises(ConfigError, match="stolen_card"):
        parse_policy(json.dumps(raw))


def test_unknown_mode_is_rejected() -> None:
    raw = _raw()
    raw["identity"]["mode"] = "shadow"
    with pytest.raises(ConfigError, match=r"identity\.mode"):
        parse_policy(json.dumps(raw))


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read policy file"):
        load_policy(tmp_path / "nope.json")


def test_policy_file_on_disk_overrides_defaults(tmp_path: Path) -> None:
    raw = _raw()
    raw["refund"]["mode"] = "monitor"
    raw["refund"]["agent_limit"] = "25.00"
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(raw))
    policy = load_policy(path)
    assert policy.refund.agent_limit == Decimal("25.00") and policy.mode_of("refund") is Mode.monitor


def test_mode_of_unknown_rule_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no policy section"):
        load_policy().mode_of("version")


def test_the_sla_at_risk_mark_comes_from_the_policy_and_nowhere_else():
    from pathlib import Path

    import copilot
    from copilot.cases import sla, sla_scheduler
    from copilot.cases.sla import SLA_AT_RISK

    assert load_policy().sla.at_risk_fraction == SLA_AT_RISK == 0.75
    assert sla.SLA_STATE_SQL.count(f"* {SLA_AT_RISK!r}") == 2
    assert f"* {SLA_AT_RISK!r}" in sla_scheduler._MARK_DUE  # noqa: SLF001 - the SQL is what carries the mark
    source = Path(copilot.__file__).parent
    assert [p.name for p in source.rglob("*.py") if "0.75" in p.read_text()] == []
    raw = json.loads(DEFAULT_POLICY_PATH.read_text())
    raw["sla"]["at_risk_fraction"] = 1.2
    with pytest.raises(ConfigError, match="sla.at_risk_fraction"):
        parse_policy(json.dumps(raw))
