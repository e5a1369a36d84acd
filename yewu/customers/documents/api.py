"""/api/v1/exports/customers.xlsx: the customer list the user may see, as Excel (logged, `cust.export_control`)."""

from ninja import Router

from yewu.common.schemas import XLSX, file_op
from yewu.customers.documents import views as vf
from yewu.customers.documents import xlsx as exports

exports_router = Router(tags=["import/export"])


@exports_router.get("/customers.xlsx", **file_op(XLSX), summary="Export the customers the user can see (logged)")
def export_customers(request, q: str = "", owner: str = "", city: str = "", status: str = "", demand_grade: str = ""):
    """Rows only from the user's row access; columns by 密级 level and credit visibility; 机密/绝密 customers
    are withheld unless manager rank (`cust.export_control`); every export is in the audit log."""
    params = {"q": q, "owner": owner, "city": city, "status": status, "demand_grade": demand_grade}
    data, rows, withheld = vf.export_customers_xlsx(request.user, params)
    r = vf.file_response(data, "客户清单.xlsx", exports.XLSX_MIME)
    r["X-Export-Rows"], r["X-Export-Withheld"] = str(rows), str(withheld)
    return r
