"""An agent works the demo queue `make run` seeds, in Chromium, from its first case to its last."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import shot
from tests.e2e.test_desk_e2e import sign_in

pytestmark = pytest.mark.e2e
DEMO_WORLD = True  # the desk_url fixture seeds exactly what `make run` seeds
# What may legitimately stop a decision the page offered: the worker or the SLA scheduler moved the case
# (an escalation at breach) between the page load and the click.
MOVED_MEANWHILE = re.compile(r"stale|not awaiting approval|changed while you decided")


def actionable(conn) -> list[int]:
    return [r["id"] for r in conn.execute(
        "SELECT id FROM cases WHERE status IN ('awaiting_approval', 'escalated') ORDER BY next_due_at, id")]


def case_of(url: str) -> int | None:
    found = re.search(r"/desk/cases/(\d+)", url)
    return int(found.group(1)) if found else None


def decide_as_agent(page) -> str:
    """What an agent does with the case on screen: approve what the agent role may approve, reject a plan a
    guardrail blocks, escalate what needs a lead or finance. Returns what it did."""
    if page.locator("#edit").count() == 0 or page.locator("#case-status").get_attribute("data-status") != \
            "awaiting_approval":
        return "nothing pending"
    needs = page.locator(".needs strong")
    role = needs.inner_text() if needs.count() else "agent"
    if page.locator("tr.action .badge.verdict.block").count():
        page.fill("#reject-reason", "a guardrail blocks this plan; plan it again")
        with page.expect_navigation():
            page.click("#reject")
        return "rejected"
    if role == "agent":
        with page.expect_navigation():
            page.keyboard.press("a")
        return "approved"
    page.fill("input[name=reason][placeholder^='Reason to escalate']", f"needs a {role}")
    with page.expect_navigation():
        page.click("#escalate")
    return f"escalated for {role}"


def test_an_agent_works_the_seeded_demo_queue_from_first_case_to_last(desk_url, page, conn, key_of):
    """Sign in, open the first case of "needs the desk", decide it, press n, and so on until the page says it
    is the last: every case that needed the desk is visited once, in queue order, and nothing the agent may
    approve is left waiting."""
    queue = actionable(conn)
    assert len(queue) > 50, "the demo world should give the desk real work"
    sign_in(page, desk_url, key_of("agent", "e2e-walker"))
    page.locator("tr[data-row]").first.wait_for()
    page.keyboard.press("Enter")  # the first row is selected when the queue opens
    page.wait_for_url(re.compile(r".*/desk/cases/\d+"))
    visited: list[int] = []
    did: dict[str, int] = {}
    for _ in range(len(queue) + 5):
        case_id = case_of(page.url)
        visited.append(case_id)
        action = decide_as_agent(page)
        assert f"/desk/cases/{case_id}?" in page.url or page.url.endswith(f"/desk/cases/{case_id}")
        if page.locator("#error").count():
            assert MOVED_MEANWHILE.search(page.locator("#error").inner_text()), page.locator("#error").inner_text()
            action = "moved meanwhile"
        did[action] = did.get(action, 0) + 1
        if visited == [queue[0]]:
            shot(page, "walk-first-case")
        if page.locator("#end-of-queue").count():
            break
        page.keyboard.press("n")
        page.wait_for_url(lambda url, was=case_id: case_of(url) not in (None, was))
    shot(page, "walk-last-case")
    print(f"walked {len(visited)} cases: {did}")
    assert len(visited) == len(set(visited)), "a case came up twice"
    assert visited == queue, "the walk must follow the queue order and reach its last case"
    assert did.get("approved", 0) > 10 and did.get("moved meanwhile", 0) <= 3, did
    left = conn.execute(
        "SELECT c.id FROM cases c WHERE c.status = 'awaiting_approval' AND NOT EXISTS ("
        " SELECT 1 FROM guardrail_verdicts g WHERE g.case_id = c.id AND g.plan_version = c.plan_version"
        " AND ((g.outcome = 'needs_approval' AND g.role IN ('lead', 'finance', 'admin')) OR g.outcome = 'block'))"
        " AND c.id = ANY(%s)", (queue,)).fetchall()
    assert left == [], f"cases the agent could approve are still waiting: {left}"
    decided = conn.execute("SELECT count(DISTINCT case_id) AS n FROM approvals WHERE actor = 'e2e-walker'"
                           ).fetchone()["n"]
    assert decided == did.get("approved", 0) + did.get("rejected", 0)
