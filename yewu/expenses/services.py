"""The treasury writes other apps may call (the demo loader). Each lives in its sub-area: claims, advances, cash;
this module only names them, so callers outside expenses do not depend on its inside."""

from .advances.services import create_advance, pay_advance, settle_advance, void_advance
from .cash.services import post_entry, reverse_entry, run_nightly
from .claims.services import create_expense_request, create_payment_doc, pay_doc, void_doc

__all__ = ["create_advance", "pay_advance", "settle_advance", "void_advance", "post_entry", "reverse_entry",
           "run_nightly", "create_expense_request", "create_payment_doc", "pay_doc", "void_doc"]
