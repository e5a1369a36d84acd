"""Money API routers, one per sub-area, mounted by ``yewu/api.py`` under /api/receipts, /api/invoices,
/api/reports and /api/deferrals."""

from .invoices.api import invoices_router
from .receipts.api import receipts_router
from .receivables.api import deferrals_router, reports_router

__all__ = ["deferrals_router", "invoices_router", "receipts_router", "reports_router"]
