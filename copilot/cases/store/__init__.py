"""The case store: the only writer of `cases`, `case_events`, `approvals` and `case_jobs`.

Statuses move only through the transition table; audit rows go through `record_event`; jobs through the typed
`enqueue`; every case time comes from the caller's clock. tests/unit/test_case_store_owner.py fails when any
other module writes these tables."""

from copilot.cases.store.cases import (
    count_reopen,
    hand_to,
    link_order,
    mark_first_touch,
    mark_sla,
    open_case,
    return_to_desk,
    schedule_verify,
    set_assignee,
    set_close_reason,
    set_root_cause,
    start_verify_window,
    step_along_path,
    write_triage,
)
from copilot.cases.store.events import record_event
from copilot.cases.store.jobs import (
    LEASE,
    MAX_ATTEMPTS,
    Job,
    JobCounts,
    claim,
    counts,
    enqueue,
    fail,
    finish,
    release,
    retry,
)
from copilot.cases.store.status import decision_target, ensure, move, record_auto_approval, record_decision

__all__ = [
    "LEASE", "MAX_ATTEMPTS", "Job", "JobCounts", "claim", "count_reopen", "counts", "decision_target", "enqueue",
    "ensure", "fail", "finish", "hand_to", "link_order", "mark_first_touch", "mark_sla", "move", "open_case",
    "record_auto_approval", "release", "retry", "record_decision", "record_event", "return_to_desk",
    "schedule_verify", "set_assignee",
    "set_close_reason", "set_root_cause", "start_verify_window", "step_along_path", "write_triage",
]
