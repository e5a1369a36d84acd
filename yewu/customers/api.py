from ninja import Router

router = Router(tags=["customers"])
leads_router = Router(tags=["leads"])
