"""The customer JSON API, assembled from the sub-areas (archive, leads, credit, lending, visits, upkeep, imports,
documents). Handlers live in each sub-area's ``api.py``; this module only makes sure all of them are registered."""

from yewu.customers.archive import api as _archive  # noqa: F401  (operations on ``router``)
from yewu.customers.credit import api as _credit  # noqa: F401
from yewu.customers.documents.api import exports_router
from yewu.customers.imports.api import imports_router
from yewu.customers.leads import api as _leads  # noqa: F401  (operations on ``leads_router``)
from yewu.customers.lending import api as _lending  # noqa: F401
from yewu.customers.routers import leads_router, router
from yewu.customers.upkeep import api as _upkeep  # noqa: F401
from yewu.customers.visits import api as _visits  # noqa: F401

__all__ = ["exports_router", "imports_router", "leads_router", "router"]
