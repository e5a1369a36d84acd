"""Treasury API routers (SPEC §5.5), one per sub-area, mounted by ``yewu/api.py`` under /api/v1/expenses,
/api/v1/expense-requests, /api/v1/cash-advances and /api/v1/cash. Approvals go through
``/api/v1/approvals/{id}/approve|reject``."""

from .advances.api import advances_router
from .cash.api import cash_router
from .claims.api import requests_router, router

__all__ = ["router", "requests_router", "advances_router", "cash_router"]
