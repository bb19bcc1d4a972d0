"""The requests each helpdesk documents for a public reply and an internal note (from the vendors' public
API docs; no openly licensed spec exists for these three, see shared/data/vendor/README.md)."""

from __future__ import annotations

import httpx

from tools.connectors.config import FreshdeskConfig, GorgiasConfig, SystemConfig, ZendeskConfig
from tools.connectors.outbox import VendorRequest


def _secret(value: object) -> str:
    return str(value.get_secret_value()) if hasattr(value, "get_secret_value") else ""


def zendesk(config: ZendeskConfig, ticket_id: str, body: str, public: bool) -> VendorRequest:
    """PUT /api/v2/tickets/{id} with a comment; `public: false` is a private (internal) note."""
    root = config.base_url or f"https://{config.subdomain}.zendesk.com"
    return VendorRequest(system="zendesk", operation="tickets.update", method="PUT",
                         url=f"{root.rstrip('/')}/api/v2/tickets/{ticket_id}",
                         body={"ticket": {"comment": {"body": body, "public": public}}})


def gorgias(config: GorgiasConfig, ticket_id: str, body: str, public: bool, customer_email: str | None,
            external_id: str) -> VendorRequest:
    """POST /api/tickets/{id}/messages; channel "internal-note" is never sent to the customer."""
    root = config.base_url or f"https://{config.domain}.gorgias.com"
    message: dict[str, object] = {"channel": "email" if public else "internal-note", "via": "api", "from_agent": True,
                                  "sender": {"email": config.email}, "body_text": body, "external_id": external_id}
    if public:
        message["receiver"] = {"email": customer_email}
        message["source"] = {"type": "email", "from": {"address": config.email},
                             "to": [{"address": customer_email}]}
    return VendorRequest(system="gorgias", operation="tickets.messages.create", method="POST",
                         url=f"{root.rstrip('/')}/api/tickets/{ticket_id}/messages", body=message)


def freshdesk(config: FreshdeskConfig, ticket_id: str, body: str, public: bool) -> VendorRequest:
    """POST /api/v2/tickets/{id}/reply (emailed to the requester) or /notes with `private: true`."""
    root = (config.base_url or f"https://{config.domain}.freshdesk.com").rstrip("/")
    if public:
        return VendorRequest(system="freshdesk", operation="tickets.reply", method="POST",
                             url=f"{root}/api/v2/tickets/{ticket_id}/reply", body={"body": body})
    return VendorRequest(system="freshdesk", operation="tickets.notes.create", method="POST",
                         url=f"{root}/api/v2/tickets/{ticket_id}/notes", body={"body": body, "private": True})


def auth(config: SystemConfig) -> httpx.Auth:
    """Each vendor's documented basic auth: Zendesk `{email}/token:{token}`, Gorgias `email:api_key`,
    Freshdesk `api_key:X`."""
    if isinstance(config, ZendeskConfig):
        return httpx.BasicAuth(f"{config.email}/token", _secret(config.api_token))
    if isinstance(config, GorgiasConfig):
        return httpx.BasicAuth(config.email or "", _secret(config.api_key))
    if isinstance(config, FreshdeskConfig):
        return httpx.BasicAuth(_secret(config.api_key), "X")
    raise TypeError(f"{type(config).__name__} is not a helpdesk")


def thread(config: SystemConfig, ticket_id: str) -> VendorRequest:
    """The ticket's messages, read before posting again when an earlier attempt's outcome was not recorded."""
    if isinstance(config, ZendeskConfig):
        root, path, op = config.base_url or f"https://{config.subdomain}.zendesk.com", \
            f"/api/v2/tickets/{ticket_id}/comments", "tickets.comments.list"
    elif isinstance(config, GorgiasConfig):
        root, path, op = config.base_url or f"https://{config.domain}.gorgias.com", \
            f"/api/tickets/{ticket_id}/messages", "tickets.messages.list"
    elif isinstance(config, FreshdeskConfig):
        root, path, op = config.base_url or f"https://{config.domain}.freshdesk.com", \
            f"/api/v2/tickets/{ticket_id}/conversations", "tickets.conversations.list"
    else:
        raise TypeError(f"{type(config).__name__} is not a helpdesk")
    return VendorRequest(system=request_system(config), operation=op, method="GET", url=root.rstrip("/") + path)


def request_system(config: SystemConfig) -> str:
    return {ZendeskConfig: "zendesk", GorgiasConfig: "gorgias", FreshdeskConfig: "freshdesk"}[type(config)]


def _plain(text: object) -> str:
    return " ".join(str(text or "").split())


def already_posted(system: str, listed: object, body: str, public: bool, external_id: str) -> bool:
    """Whether the thread already holds this message: Gorgias by our `external_id`; Zendesk and Freshdesk, which
    keep no caller id on a comment, by the same text with the same visibility."""
    if system == "gorgias":
        messages = (listed or {}).get("data", []) if isinstance(listed, dict) else []
        return any(m.get("external_id") == external_id for m in messages)
    if system == "zendesk":
        comments = (listed or {}).get("comments", []) if isinstance(listed, dict) else []
        return any(_plain(c.get("body")) == _plain(body) and bool(c.get("public")) == public for c in comments)
    conversations = listed if isinstance(listed, list) else []
    return any(_plain(c.get("body_text")) == _plain(body) and bool(c.get("private")) != public for c in conversations)
