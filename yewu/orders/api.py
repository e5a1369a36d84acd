"""The order area's API routers, mounted by :mod:`yewu.api`: ``/orders`` (ordering, plus shipping's
``POST /{order_id}/shipments``), ``/shipments``, ``/contracts``, ``/returns``."""

from .contracts.api import router as contracts_router
from .ordering.api import router
from .returns.api import router as returns_router
from .shipping.api import shipments_router

__all__ = ["contracts_router", "returns_router", "router", "shipments_router"]
