"""/api/v1/tickets (SPEC §6.1): quick entry, list, detail with the service card, answer, close, customer look-up."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Router, Schema, Status

from yewu.common.errors import NotFound
from yewu.common.schemas import ERRORS, Out
from yewu.org.permissions import require

from ..models import Ticket
from . import selectors, services

router = Router(tags=["service"])


class TicketIn(Schema):
    type: str
    channel: str
    content: str
    customer_id: int | None = None
    caller_name: str = ""
    caller_phone: str = ""
    region: str = ""
    received_at: str | None = None
    category: str = "other"
    claim_amount: str | None = None
    claim_materials: str = ""
    promised_resolution_at: str | None = None
    solutions_discussed: str = ""


class RespondIn(Schema):
    response: str
    transfer: bool = False


class TicketOut(Out):
    id: int
    number: str
    type: str
    type_label: str
    channel: str
    state: str
    customer_id: int | None
    customer: str
    caller_name: str
    region: str
    content: str
    received_at: datetime
    due_at: datetime
    due_rule: str
    responded_at: datetime | None
    response: str
    assignee: str
    complaint_id: int | None
    lead_id: int | None


class TicketCustomerHit(Out):
    id: int
    name: str
    city: str
    owner: str


class CardContactOut(Out):
    name: str
    title: str
    mobile: str
    phone: str


class CardShipmentOut(Out):
    number: str
    shipped_at: datetime | None
    delivered_on: date | None
    signed_by: str


class CardOrderOut(Out):
    id: int
    number: str
    status: str
    status_code: str
    promised_ship_on: date | None
    target_ship_on: date | None
    delivered_on: date | None
    shipments: list[CardShipmentOut]


class CardTicketOut(Out):
    id: int
    number: str
    type: str
    state: str
    received_at: datetime


class ServiceCardOut(Out):
    """The customer-service card of the archive (`acl.cs_scope`): contacts, live orders and shipments, no prices."""

    id: int
    name: str
    city: str
    district: str
    address: str
    key_customer: bool
    owner: str
    contacts: list[CardContactOut]
    orders: list[CardOrderOut]
    tickets: list[CardTicketOut]


class TicketDetailOut(TicketOut):
    service_card: ServiceCardOut | None


def ticket_out(t: Ticket) -> dict:
    return {"id": t.pk, "number": t.number, "type": t.type, "type_label": t.get_type_display(), "channel": t.channel,
            "state": t.state, "customer_id": t.customer_id, "customer": t.customer.name if t.customer_id else "",
            "caller_name": t.caller_name, "region": t.region, "content": t.content, "received_at": t.received_at,
            "due_at": t.due_at, "due_rule": "ticket.first_response_1wd", "responded_at": t.responded_at,
            "response": t.response, "assignee": t.assignee.name if t.assignee_id else "",
            "complaint_id": getattr(getattr(t, "complaint", None), "pk", None), "lead_id": t.lead_id}


@router.get("", response={200: list[TicketOut], **ERRORS}, summary="Tickets visible to me (acl.cs_scope)")
def list_tickets(request, q: str = "", state: str = "", type: str = "", mine: bool = False):
    return [ticket_out(t) for t in selectors.list_tickets(request.auth, q=q, state=state, type=type, mine=mine)]


@router.post("", response={201: TicketOut, **ERRORS}, summary="Quick entry of a call (ticket.first_response_1wd)")
def create(request, payload: TicketIn):
    t = services.create_ticket(request.auth, services.TicketIn(**payload.dict()))
    return Status(201, ticket_out(t))


@router.get("/customers", response={200: list[TicketCustomerHit], **ERRORS}, summary="Find the caller by phone, name or pinyin initials")
def find_customers(request, q: str = ""):
    """Quick-entry look-up by phone digits, name or pinyin initials."""
    require(request.auth, "handles_tickets")
    return [{"id": c.pk, "name": c.name, "city": c.city, "owner": c.owner.name if c.owner_id else ""}
            for c in selectors.find_customers(request.auth, q)]


@router.get("/{ticket_id}", response={200: TicketDetailOut, **ERRORS}, summary="A ticket with the customer-service card")
def detail(request, ticket_id: int):
    t = selectors.ticket_for(request.auth, ticket_id)
    if t is None:
        raise NotFound("工单不存在")
    out = ticket_out(t)
    out["service_card"] = selectors.service_card(t.customer) if t.customer_id else None
    return out


@router.post("/{ticket_id}/respond", response={200: TicketOut, **ERRORS}, summary="Answer or transfer a ticket")
def respond(request, ticket_id: int, payload: RespondIn):
    return ticket_out(services.respond(request.auth, ticket_id, payload.response, transfer=payload.transfer))


@router.post("/{ticket_id}/close", response={200: TicketOut, **ERRORS}, summary="Close a ticket")
def close(request, ticket_id: int):
    return ticket_out(services.close_ticket(request.auth, ticket_id))
