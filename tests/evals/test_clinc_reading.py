"""CLINC150 val (never tuned on): the reader leaves assistant and banking queries alone and still takes order
status and declined-card queries. The same figures `copilot eval run --suite clinc --split val` prints."""

from __future__ import annotations

from evals.clinc import RECALL_TARGET, REJECTION_TARGET, evaluate
from tests.conftest import SHARED


def test_clinc_val_rejects_out_of_scope_and_keeps_order_queries():
    result = evaluate("val", SHARED / "data" / "clinc150")
    assert result.out_of_scope == 3060 and result.in_scope == 40
    assert result.rejection >= REJECTION_TARGET, result.taken_as
    assert result.in_scope_recall >= RECALL_TARGET
    # most rejections are a positive finding (banking, travel, an assistant's chores...), not a held ticket
    assert result.found_out_of_scope >= 0.6
