from ninja import Router

pricing_router = Router(tags=["pricing"])
quotes_router = Router(tags=["quotes"])
