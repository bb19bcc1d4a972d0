"""Request shapes for Zendesk, Gorgias and Freshdesk, written by this project from their public API docs
(their OpenAPI files carry no licence to copy; see shared/data/vendor/README.md), and for SMTP replies.
Shadow and live mode check each request against them before it is recorded or sent."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tools.connectors.outbound import Check
from tools.connectors.outbox import VendorRequest


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ZendeskComment(Doc):
    body: str | None = None
    html_body: str | None = None
    public: bool
    author_id: int | None = None


class ZendeskTicket(Doc):
    comment: ZendeskComment
    status: Literal["new", "open", "pending", "hold", "solved", "closed"] | None = None


class ZendeskUpdate(Doc):
    ticket: ZendeskTicket


class GorgiasParty(Doc):
    id: int | None = None
    email: str | None = None
    name: str | None = None


class GorgiasAddress(Doc):
    address: str
    name: str | None = None


class GorgiasSource(Doc):
    type: str
    to: list[GorgiasAddress] = []
    from_: GorgiasAddress | None = Field(default=None, alias="from")


class GorgiasMessage(Doc):
    channel: str
    via: str
    from_agent: bool
    sender: GorgiasParty
    receiver: GorgiasParty | None = None
    source: dict[str, object] | None = None
    body_text: str | None = None
    body_html: str | None = None
    external_id: str | None = None


class FreshdeskReply(Doc):
    body: str
    cc_emails: list[str] = []
    bcc_emails: list[str] = []
    from_email: str | None = None
    user_id: int | None = None


class FreshdeskNote(Doc):
    body: str
    private: bool = True
    notify_emails: list[str] = []
    incoming: bool = False
    user_id: int | None = None


class EmailHeaders(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    From: str
    To: str
    Subject: str
    Message_ID: str
    Date: str
    In_Reply_To: str | None = None
    References: str | None = None


class EmailReply(Doc):
    headers: EmailHeaders
    text: str


ROUTES: list[tuple[str, str, re.Pattern[str], type[BaseModel] | None]] = [
    ("zendesk", "PUT", re.compile(r"/api/v2/tickets/\d+$"), ZendeskUpdate),
    ("gorgias", "POST", re.compile(r"/api/tickets/\d+/messages$"), GorgiasMessage),
    ("freshdesk", "POST", re.compile(r"/api/v2/tickets/\d+/reply$"), FreshdeskReply),
    ("freshdesk", "POST", re.compile(r"/api/v2/tickets/\d+/notes$"), FreshdeskNote),
    # Reads: the ticket's thread (read before posting again after a crash) and who the credentials are.
    ("zendesk", "GET", re.compile(r"/api/v2/tickets/\d+/comments$"), None),
    ("gorgias", "GET", re.compile(r"/api/tickets/\d+/messages$"), None),
    ("freshdesk", "GET", re.compile(r"/api/v2/tickets/\d+/conversations$"), None),
    ("zendesk", "GET", re.compile(r"/api/v2/users/me$"), None),
    ("gorgias", "GET", re.compile(r"/api/account$"), None),
    ("freshdesk", "GET", re.compile(r"/api/v2/agents/me$"), None),
]


def check(request: VendorRequest) -> list[str]:
    if request.system == "email":
        headers = {k.replace("-", "_"): v for k, v in ((request.body or {}).get("headers") or {}).items()}
        body = {**(request.body or {}), "headers": headers}
        model: type[BaseModel] = EmailReply
    else:
        found = [m for s, method, path, m in ROUTES
                 if s == request.system and method == request.method and path.search(request.url.split("?")[0])]
        if not found:
            return [f"{request.method} {request.url} is not a documented {request.system} operation"]
        if found[0] is None:
            return [] if request.body is None else [f"{request.method} {request.url} takes no body"]
        model, body = found[0], request.body or {}
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    if request.system == "gorgias" and (request.body or {}).get("source"):
        try:
            GorgiasSource.model_validate((request.body or {})["source"])
        except ValidationError as exc:
            return [f"source.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return []


HELPDESK_CHECKS: dict[str, Check | None] = {name: check for name in ("zendesk", "gorgias", "freshdesk", "email")}
