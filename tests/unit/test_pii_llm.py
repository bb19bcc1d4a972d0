"""What `read_ticket` sends a real (local, echoing) OpenAI-compatible server is masked in every field it
takes from the customer (subject, text, name, shipping address), and what comes back is restored without
ever bringing back a card's digits beyond the last four, its security code or its expiry date."""

from __future__ import annotations

import json

from copilot.core import pii
from copilot.llm import LLM, LLMConfig, read_ticket
from tests.security.test_log_card_codes import _echoing_model

FIELDS = {
    "subject": "Card declined - new card cvv 739, exp 11/31",
    "text": "Order #1042 ($129.00, placed 04/27/2025) was declined. Use 4111 1111 1111 1111, expires 11/31,"
            " security code is 739. Ship to 94107.",
    "customer_name": "Jane jane.doe@example.com",
    "shipping_address": "500 Main St, Springfield, IL 62704, phone (415) 555-0134",
}


async def test_read_ticket_masks_every_customer_field_and_restores_no_card_data():
    bodies: list[bytes] = []
    model = await _echoing_model(bodies)
    config = LLMConfig(provider="openai-compatible", model="m", api_key="sk-test", timeout_s=5, max_attempts=1,
                       base_url=f"http://127.0.0.1:{model.sockets[0].getsockname()[1]}/v1",
                       response_format="json_object")
    try:
        async with LLM(config) as llm:
            facts = await read_ticket(llm, FIELDS["text"], subject=FIELDS["subject"],
                                      customer_name=FIELDS["customer_name"],
                                      shipping_address=FIELDS["shipping_address"])
    finally:
        model.close()
    prompt = json.loads(bodies[0])["messages"][-1]["content"]
    for secret in ("739", "11/31", "4111", "jane.doe@example.com", "555-0134"):
        assert secret not in prompt, f"{secret!r} reached the model"
    for kept in ("#1042", "$129.00", "04/27/2025", "94107", "62704"):
        assert kept in prompt, f"{kept!r} was masked but is no personal data"
    assert not pii.contains_pii(prompt)
    assert facts is not None
    assert facts.requested_change == (f"charge card ending 1111, exp {pii.EXPIRY_RESTORED},"
                                       f" code {pii.CVV_RESTORED} instead")
