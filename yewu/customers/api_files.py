from ninja import Router

imports_router = Router(tags=["import/export"])
exports_router = Router(tags=["import/export"])
