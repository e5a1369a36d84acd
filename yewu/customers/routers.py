"""The customer API routers. Each sub-area's ``api.py`` adds its operations to them; ``customers/api.py`` imports
every sub-area so the routes exist before ``yewu/api.py`` mounts the routers."""

from ninja import Router

router = Router(tags=["customers"])  # /api/v1/customers
leads_router = Router(tags=["leads"])  # /api/v1/leads
