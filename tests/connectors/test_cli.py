"""`copilot connectors list | check | report` as a store would run them."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from tests.connectors.conftest import Vendors, set_modes
from tests.connectors.test_shopify import approve, new_case

runner = CliRunner()


def test_list_shows_modes_and_which_credentials_are_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_SHOPIFY_MODE", "shadow")
    monkeypatch.setenv("COPILOT_SHOPIFY_SHOP", "example.myshopify.com")
    monkeypatch.setenv("COPILOT_SHOPIFY_ACCESS_TOKEN", "shpat_secret_value")
    monkeypatch.setenv("COPILOT_STRIPE_MODE", "live")
    monkeypatch.delenv("COPILOT_STRIPE_API_KEY", raising=False)
    result = runner.invoke(app, ["connectors", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 3}
    assert "shadow" in lines["shopify"] and " set " in lines["shopify"]
    assert "live" in lines["stripe"] and "not set" in lines["stripe"] and "COPILOT_STRIPE_API_KEY" in lines["stripe"]
    assert "shpat_secret_value" not in result.output


def test_check_reads_once_from_each_system(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                           vendors: Vendors) -> None:
    set_modes(monkeypatch, contract_server[0], shopify="live", stripe="live")
    shop = runner.invoke(app, ["connectors", "check", "shopify"])
    assert shop.exit_code == 0, shop.output
    assert "shopify: ok, shop Test shop (test-shop.myshopify.com), Admin API 2025-01" in shop.output
    assert [r["query"].split("{")[0].strip() for r in vendors.shopify.requests] == ["query Shop"]
    psp = runner.invoke(app, ["connectors", "check", "stripe"])
    assert psp.exit_code == 0, psp.output
    assert vendors.stripe.requests == [("GET", "/v1/refunds/re_connectivity_check", {}, None)]


CHECKED = {"easypost": ("easypost: ok, key accepted by", "/v2/trackers/trk_0"),
           "zendesk": ("zendesk: ok, signed in as agent@shop.example (agent)", "/api/v2/users/me"),
           "gorgias": ("gorgias: ok, account shop", "/api/account"),
           "freshdesk": ("freshdesk: ok, signed in as agent 43 (agent@shop.example)", "/api/v2/agents/me"),
           "woocommerce": ("woocommerce: ok, keys accepted by", "/wp-json/wc/v3/orders"),
           "magento": ("magento: ok, token accepted by", "/rest/default/V1/orders")}


@pytest.mark.parametrize("system", sorted(CHECKED))
def test_check_makes_one_authenticated_read_on_every_other_system(system: str, monkeypatch: pytest.MonkeyPatch,
                                                                  contract_server: Any, vendors: Vendors) -> None:
    set_modes(monkeypatch, contract_server[0], **{system: "live"})
    result = runner.invoke(app, ["connectors", "check", system])
    assert result.exit_code == 0, result.output
    said, path = CHECKED[system]
    assert said in result.output
    store: Any = {"easypost": vendors.easypost, "woocommerce": vendors.woo, "magento": vendors.magento}.get(system)
    if store is not None:
        assert [(r[0], r[1]) for r in store.requests] == [("GET", path)]
    else:  # the helpdesks record writes only; a read leaves nothing posted
        assert vendors.helpdesks.received == [] and vendors.helpdesks.violations == []
    if system == "magento":
        assert "(10 orders)" in result.output


@pytest.mark.parametrize("system,variable", [("woocommerce", "COPILOT_WOOCOMMERCE_CONSUMER_SECRET"),
                                             ("magento", "COPILOT_MAGENTO_ACCESS_TOKEN"),
                                             ("zendesk", "COPILOT_ZENDESK_API_TOKEN"),
                                             ("easypost", "COPILOT_EASYPOST_API_KEY")])
def test_check_with_wrong_credentials_says_so_in_one_line_on_every_system(
        system: str, variable: str, monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors) -> None:
    set_modes(monkeypatch, contract_server[0], **{system: "live"})
    monkeypatch.setenv(variable, "wrong")
    result = runner.invoke(app, ["connectors", "check", system])
    assert result.exit_code == 2, result.output
    assert f"{system} answered 401" in result.output and "credentials" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_check_with_a_wrong_token_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                     vendors: Vendors) -> None:
    set_modes(monkeypatch, contract_server[0], shopify="live")
    monkeypatch.setenv("COPILOT_SHOPIFY_ACCESS_TOKEN", "shpat_wrong")
    result = runner.invoke(app, ["connectors", "check", "shopify"])
    assert result.exit_code == 2
    assert "shopify answered 401" in result.output and "credentials" in result.output


async def test_report_lists_what_shadow_mode_would_have_sent(monkeypatch: pytest.MonkeyPatch, contract_server: Any,
                                                             vendors: Vendors, database_url: str, conn, aconn) -> None:
    set_modes(monkeypatch, contract_server[0], shopify="shadow")
    case_id = new_case(conn, "#1")
    await approve(aconn, case_id, "hold_order", {"order_id": "#1", "reason": "address_review"})
    monkeypatch.setenv("COPILOT_DATABASE_URL", database_url)
    from copilot.core.settings import get_settings

    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["connectors", "report", "--json", "--days", "365"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert '"operation": "fulfillmentOrderHold"' in result.output
    assert f'"case_id": {case_id}' in result.output


def test_check_email_says_noop_to_the_smtp_server_and_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from aiosmtpd.controller import Controller

    from tests.connectors.test_helpdesk import Inbox

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "STARTTLS": "false",
                            "FROM_ADDRESS": "help@shop.example"}.items():
            monkeypatch.setenv(f"COPILOT_EMAIL_{name}", value)
        result = runner.invoke(app, ["connectors", "check", "email"])
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert f"email: ok, 127.0.0.1:{port} answered NOOP with 250" in result.output
    assert inbox.messages == []


@pytest.mark.parametrize("variable,value,said", [
    ("COPILOT_SHOPIFY_MODE", "production", "COPILOT_SHOPIFY_MODE: Input should be 'sandbox', 'shadow' or 'live'"),
    ("COPILOT_EASYPOST_RETURN_ADDRESS", '{"line1": "1 Main St"}', "COPILOT_EASYPOST_RETURN_ADDRESS: Field required"),
])
def test_a_bad_setting_is_one_line_naming_the_variable(variable: str, value: str, said: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, value)
    from copilot.core.errors import ConfigError

    result = runner.invoke(app, ["connectors", "list"])
    # cli.main prints a CopilotError as one line `copilot: <message>` (the runner calls the app underneath it)
    assert isinstance(result.exception, ConfigError) and said in result.exception.message
    assert "\n" not in result.exception.message
