"""One parser per source: (headers with lower-case names, raw body, received_at) -> Signal."""

from __future__ import annotations

from copilot.core.models import SignalSource
from copilot.intake.parsers.base import BadPayload, Parser, Unparseable, UnsupportedEvent
from copilot.intake.parsers.easypost import parse_easypost
from copilot.intake.parsers.helpdesk import parse_freshdesk, parse_gorgias, parse_zendesk
from copilot.intake.parsers.mail import parse_email
from copilot.intake.parsers.shopify import parse_shopify
from copilot.intake.parsers.storefronts import parse_magento, parse_woocommerce
from copilot.intake.parsers.stripe import parse_stripe
from copilot.intake.parsers.threepl import parse_threepl

PARSERS: dict[str, Parser] = {
    SignalSource.shopify.value: parse_shopify,
    SignalSource.stripe.value: parse_stripe,
    SignalSource.easypost.value: parse_easypost,
    SignalSource.zendesk.value: parse_zendesk,
    SignalSource.gorgias.value: parse_gorgias,
    SignalSource.freshdesk.value: parse_freshdesk,
    SignalSource.threepl.value: parse_threepl,
    SignalSource.email.value: parse_email,
    SignalSource.woocommerce.value: parse_woocommerce,
    SignalSource.magento.value: parse_magento,
}

__all__ = ["PARSERS", "BadPayload", "Parser", "UnsupportedEvent", "Unparseable"]
