"""The web desk in Chromium against the served app and its worker, on cases the real graph prepared."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e
DONE_WITH_DESK = {"executing", "awaiting_customer", "verifying", "closed"}


def sign_in(page, base: str, key: str, then: str = "/desk") -> None:
    page.goto(f"{base}{then}")
    assert "/desk/login" in page.url
    page.fill("input[name=key]", key)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base + then) + r"$"))


def needed_role(conn, case_id: int) -> str:
    rows = conn.execute("SELECT g.role FROM guardrail_verdicts g JOIN cases c ON c.id = g.case_id"
                        " AND c.plan_version = g.plan_version WHERE g.case_id = %s AND g.outcome = 'needs_approval'"
                        " AND g.mode = 'active'", (case_id,)).fetchall()
    roles = {r["role"] for r in rows}
    return "finance" if "finance" in roles else "lead" if "lead" in roles else "agent"


def awaiting(conn, tool: str | None = None) -> list[dict]:
    sql = ("SELECT c.id, c.queue, c.plan_version FROM cases c WHERE c.status = 'awaiting_approval'"
           " AND NOT EXISTS (SELECT 1 FROM guardrail_verdicts g WHERE g.case_id = c.id"
           " AND g.plan_version = c.plan_version AND g.outcome = 'block')")
    if tool:
        sql += (" AND EXISTS (SELECT 1 FROM proposed_actions a WHERE a.case_id = c.id"
                " AND a.plan_version = c.plan_version AND a.tool = %(tool)s)")
    return conn.execute(sql + " ORDER BY c.next_due_at, c.id", {"tool": tool}).fetchall()


def test_agent_signs_in_walks_the_queue_with_keys_and_opens_a_case(desk_url, page, conn, key_of):
    sign_in(page, desk_url, key_of("agent", "e2e-agent"))
    rows = page.locator("tr[data-row]")
    assert rows.count() == len(conn.execute(
        "SELECT id FROM cases WHERE status IN ('awaiting_approval', 'escalated') LIMIT 50").fetchall()) > 3
    first_id = rows.nth(0).get_attribute("data-case-id")
    assert page.locator("tr.selected").get_attribute("data-case-id") == first_id
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    second_id = rows.nth(1).get_attribute("data-case-id")
    assert page.locator("tr.selected").get_attribute("data-case-id") == second_id
    shot(page, "queue")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{desk_url}/desk/cases/{second_id}")
    assert page.locator("h1").inner_text().startswith(f"Case #{second_id}")
    assert page.locator("#timeline li").count() >= 1
    shot(page, "case")


def test_approving_a_case_moves_it_off_the_queue_and_grows_its_timeline(desk_url, page, conn, key_of):
    case = awaiting(conn)[0]
    role = needed_role(conn, case["id"])
    sign_in(page, desk_url, key_of(role, f"e2e-{role}"), then=f"/desk?queue={case['queue']}")
    page.click(f"tr[data-case-id='{case['id']}'] a")
    page.wait_for_url(f"{desk_url}/desk/cases/{case['id']}?queue={case['queue']}")
    before = page.locator("#timeline li").count()
    page.keyboard.press("a")
    page.wait_for_function("document.querySelector('#case-status').dataset.status !== 'awaiting_approval'")
    assert page.locator("#timeline li").count() > before
    status = _wait_for_status(page, DONE_WITH_DESK - {"executing"})
    assert status in DONE_WITH_DESK
    page.goto(f"{desk_url}/desk?queue={case['queue']}")
    assert page.locator(f"tr[data-case-id='{case['id']}']").count() == 0
    decided = conn.execute("SELECT decision, role FROM approvals WHERE case_id = %s ORDER BY id DESC LIMIT 1",
                           (case["id"],)).fetchone()
    assert decided == {"decision": "approve", "role": role}


def _wait_for_status(page, wanted: set[str], seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while True:
        status = page.locator("#case-status").get_attribute("data-status")
        if status in wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.3)
        page.reload()


def test_editing_the_draft_reruns_the_guardrails_and_the_verdict_changes(desk_url, page, conn, key_of):
    case = awaiting(conn, tool="send_customer_message")[0]
    role = needed_role(conn, case["id"])
    sign_in(page, desk_url, key_of(role, f"e2e-edit-{role}"), then=f"/desk/cases/{case['id']}")
    message_row = page.locator("tr.action[data-tool=send_customer_message]")
    assert message_row.locator(".badge.verdict.block").count() == 0
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "draft"
    page.fill("#draft", "Hi, our fraud team flagged your risk score. Reply to confirm your order.")
    page.click("#edit")
    version = case["plan_version"] + 1
    deadline = time.monotonic() + 20
    while f"plan v{version}" not in page.locator(".case-head").inner_text() and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    message_row = page.locator("tr.action[data-tool=send_customer_message]")
    assert message_row.locator(".badge.verdict").inner_text() == "blocked"
    assert "internal" in message_row.locator(".verdicts").inner_text()
    shot(page, "case-after-edit")
    verdict = conn.execute("SELECT outcome FROM guardrail_verdicts WHERE case_id = %s AND plan_version = %s"
                           " AND rule_id = 'customer_message'", (case["id"], version)).fetchone()
    assert verdict == {"outcome": "block"}
