"""The money writes other apps may call (demo loaders, the order-payment shortcut, other areas' tests). Each lives
in its sub-area: receipts, invoices, receivables; this module only names them, so callers outside finance do not
depend on how finance is laid out inside."""

from .invoices.services import issue_invoice, red_reverse_invoice, request_invoice, request_invoice_for_charge
from .receipts.services import allocate, create_receipt, reverse_receipt
from .receivables.services import decide_deferral, record_reconciliation, request_deferral, request_write_off

__all__ = ["create_receipt", "allocate", "reverse_receipt", "request_invoice", "request_invoice_for_charge", "issue_invoice", "red_reverse_invoice",
           "request_deferral", "decide_deferral", "request_write_off", "record_reconciliation"]
