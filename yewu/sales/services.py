"""The sales area's writes and checks (SPEC §3.2, §3.3), for other areas, jobs and tests. Inside sales, and in new
code, import the sub-area module that holds each one:

* ``pricing.services`` — the price check of a line, the invoice choice, ``price.invoice_lock``;
* ``quotes.services`` — numbering, lines, creating/editing a draft, sending;
* ``approval.services`` — ``quote.approval`` on the shared approval engine;
* ``followup.services`` — closing (accepted / lost → coaching), coaching, the 5-minute timers.
"""

from __future__ import annotations

from .approval.services import (
    QUOTE_DOC,
    approval_requests,
    approve_quote,
    can_approve,
    current_step,
    pending_request,
    register_callbacks,
    reject_quote,
    submit_quote,
    waiting_for,
)
from .followup.services import can_coach, close_quote, record_coaching, scan_quote_deadlines
from .pricing.services import (
    check_price,
    decision_payload,
    invoice_lock_check,
    invoice_lock_note,
    parse_invoice,
    priced_lines,
)
from .quotes.services import OPEN_STATES, create_quote, next_number, send_quote, sm_approvers, update_quote

__all__ = [
    "OPEN_STATES", "QUOTE_DOC", "approval_requests", "approve_quote", "can_approve", "can_coach", "check_price",
    "close_quote", "create_quote", "current_step", "decision_payload", "invoice_lock_check", "invoice_lock_note",
    "next_number", "parse_invoice", "pending_request", "priced_lines", "record_coaching", "register_callbacks",
    "reject_quote", "scan_quote_deadlines", "send_quote", "sm_approvers", "submit_quote", "update_quote",
    "waiting_for",
]
