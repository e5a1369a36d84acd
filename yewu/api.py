"""The JSON API (django-ninja), mounted at /api/v1/ with OpenAPI docs at /api/v1/docs.

Authentication: ``Authorization: Bearer <token>`` (``yewu token USERNAME``) or the UI session (with CSRF).
Errors: ``{"error": code, "message": text, "fields": {...}, "rule": "<rule id>"?}``.
"""

from django.db import DataError, IntegrityError
from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from yewu.approvals.api import router as approvals_router
from yewu.catalog.api import router as catalog_router
from yewu.common.boundary import YewuParser
from yewu.common.bounds import refused_field
from yewu.common.errors import YewuError
from yewu.common.input_errors import zh_message
from yewu.customers.api import exports_router, imports_router, leads_router
from yewu.customers.api import router as customers_router
from yewu.expenses.api import advances_router, cash_router, requests_router
from yewu.expenses.api import router as expenses_router
from yewu.finance.api import deferrals_router, invoices_router, receipts_router
from yewu.finance.api import reports_router as finance_reports_router
from yewu.finance.order_payments import router as order_payments_router
from yewu.orders.api import contracts_router, returns_router, shipments_router
from yewu.orders.api import router as orders_router
from yewu.org import tokens
from yewu.org.api import router as settings_router
from yewu.org.api_users import allocation_router, me_router, users_router
from yewu.performance.api import router as commissions_router
from yewu.processes.api import router as processes_router
from yewu.reports.api import router as reports_router
from yewu.sales.api import pricing_router, quotes_router
from yewu.salesmgmt.api import register as register_salesmgmt
from yewu.service.complaints.api import router as complaints_router
from yewu.service.jobs.api import router as service_jobs_router
from yewu.service.public.api import router as public_router
from yewu.service.revisits.api import router as return_visits_router
from yewu.service.tickets.api import router as tickets_router


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = tokens.authenticate(token)  # None when unknown, expired or revoked
        if user is None:
            return None
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The UI's session cookie; ninja checks CSRF for unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key):
        if request.user.is_authenticated and request.user.is_active:
            return request.user
        return None


api = NinjaAPI(
    title="Yewu 业务 API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    auth=[BearerAuth(), SessionAuth()],
    parser=YewuParser(),
    description="Customers, leads, pricing, quotes. Errors carry a SPEC rule id when a rule refused the action.",
)


@api.exception_handler(YewuError)
def _yewu_error(request, exc: YewuError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields = {}
    for e in exc.errors:
        loc = [str(x) for x in e.get("loc", []) if x not in ("body", "payload", "query", "path")]
        fields[".".join(loc) or "body"] = zh_message(e)
    msg = "输入有误：" + "；".join(f"{k} {v}" for k, v in fields.items())
    return api.create_response(request, {"error": "invalid", "message": msg, "fields": fields, "rule": "input.bounds"},
                               status=422)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(
        request, {"error": "unauthorized", "message": "请先登录或提供有效的 Bearer 令牌", "fields": {}}, status=401
    )


@api.exception_handler(OverflowError)
def _overflow(request, exc):
    """A number no database integer holds (a 20-digit id in a path or body): refused, never a server error."""
    return api.create_response(request, {"error": "invalid", "message": "数值超出范围", "fields": {}, "rule": "input.bounds"},
                               status=422)


@api.exception_handler(DataError)
def _data_error(request, exc):
    """PostgreSQL refusing a value its column cannot hold (numeric overflow, text too long): the input's fault."""
    return api.create_response(request, {"error": "invalid", "message": "数值或文字超出可保存的范围", "fields": {},
                                         "rule": "input.bounds"}, status=422)


@api.exception_handler(IntegrityError)
def _integrity(request, exc: IntegrityError):
    """The last line: a CHECK constraint of yewu.common.bounds refused a figure the services let through."""
    field = refused_field(exc)
    if field is None:
        raise exc
    return api.create_response(request, {"error": "invalid", "message": f"{field} 超出可保存的范围",
                                         "fields": {field: "超出范围"}, "rule": "input.bounds"}, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, YewuError):  # the body parser's own refusal (ninja wraps it): say it as it was said
        e = exc.__cause__
        return api.create_response(request, e.as_dict(), status=e.status)
    return api.create_response(request, {"error": "http_error", "message": str(exc), "fields": {}}, status=exc.status_code)


def _register():
    """Mount every area's router under its path prefix (the order is the order of the OpenAPI page)."""
    api.add_router("/customers", customers_router)
    api.add_router("/leads", leads_router)
    # the manager work list reads many areas, so it lives on the top floor (yewu/desk); named by path like urls
    api.add_router("/worklist", "yewu.desk.worklist.api.worklist_router")
    api.add_router("/approvals", approvals_router)
    api.add_router("/orders", orders_router)
    api.add_router("/imports", imports_router)
    api.add_router("/exports", exports_router)
    api.add_router("/products", catalog_router)
    api.add_router("/pricing", pricing_router)
    api.add_router("/quotes", quotes_router)
    api.add_router("/reports", reports_router)
    api.add_router("/shipments", shipments_router)
    api.add_router("/contracts", contracts_router)
    api.add_router("/returns", returns_router)
    api.add_router("/orders", order_payments_router)  # POST /orders/{order_id}/payments: finance records the money
    api.add_router("/expenses", expenses_router)
    api.add_router("/expense-requests", requests_router)
    api.add_router("/cash-advances", advances_router)
    api.add_router("/cash", cash_router)
    api.add_router("/receipts", receipts_router)
    api.add_router("/invoices", invoices_router)
    api.add_router("/reports", finance_reports_router)
    api.add_router("/deferrals", deferrals_router)
    api.add_router("/commissions", commissions_router)
    api.add_router("/processes", processes_router)
    api.add_router("/settings", settings_router)
    api.add_router("/me", me_router)
    api.add_router("/users", users_router)
    api.add_router("/allocation-settings", allocation_router)
    api.add_router("/tickets", tickets_router)
    api.add_router("/complaints", complaints_router)
    api.add_router("/return-visits", return_visits_router)
    api.add_router("/service-jobs", service_jobs_router)
    api.add_router("/public", public_router)
    register_salesmgmt(api)
    api.add_router("/settings", "yewu.desk.preview.api.router")  # top floor (reads every area), named, not imported


_register()


def not_found(request, rest: str = ""):
    """Any /api/v1/ path no operation matches (e.g. a non-integer id): the JSON error, never Django's HTML 404."""
    return JsonResponse({"error": "not_found", "message": f"没有这个接口或对象：{request.path[:200]}", "fields": {}},
                        status=404)
