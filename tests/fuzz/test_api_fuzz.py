"""Schema fuzzing of the whole JSON API (issue 10, "make the probing part of the project").

Schemathesis reads the OpenAPI document that django-ninja builds from the routers in ``yewu/api.py``, generates
requests for every operation (valid and invalid ones), sends them in-process to the WSGI app with a salesperson's
and a finance bearer token, and checks every response: no server error (5xx), a status code the operation
declares, the declared content type, and a body that matches the declared schema (``ErrorOut`` for 4xx).
Defects that another branch fixes are listed, narrowly, in ``known.py``.

The demo company is loaded once per module (and worker) inside a transaction that is rolled back at the end;
each operation's test runs in a savepoint of its own, so writes of one operation never leak into another. Path ids
are drawn half of the time from objects that exist, so the fuzzer gets past 404 into the handlers.

Bound: ``FUZZ_EXAMPLES`` generated cases per operation and mode (``YEWU_FUZZ_EXAMPLES`` overrides it), each sent
with both tokens. Every request is counted; ``YEWU_FUZZ_REPORT=path`` appends one line per operation
(operation, requests, statuses) so the totals can be reported.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from . import known

FUZZ_EXAMPLES = int(os.environ.get("YEWU_FUZZ_EXAMPLES", "10"))
ROLES = ("sales1", "finance")  # 张三 (SP, 一组) and 周财务 (FIN + FD)


def _load_schema():
    from django.core.wsgi import get_wsgi_application

    from yewu.api import api

    raw = api.get_openapi_schema()
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    schema.config.generation.update(max_examples=FUZZ_EXAMPLES, allow_x00=True)
    # The coverage phase enumerates every boundary of every parameter (thousands of cases on 179 operations);
    # the examples and fuzzing phases stay on, and are bounded by max_examples.
    schema.config.phases.coverage.enabled = False
    schema.config.phases.stateful.enabled = False
    return schema


schema = _load_schema()
if os.environ.get("YEWU_FUZZ_PATHS"):  # while developing: only the paths matching this regex
    schema = schema.include(path_regex=os.environ["YEWU_FUZZ_PATHS"])

# path ids that exist in the demo company: param name (or "prefix:param") -> ids, filled by the fixture
_IDS: dict[str, list] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half of the time, replace each id by one of an existing object (of the right kind for the path)."""
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path if context.operation is not None else ""
    options = {}
    for name, value in path_parameters.items():
        ids = _IDS.get(f"{path.split('/')[3]}:{name}") or _IDS.get(name)
        if ids:
            options[name] = st.sampled_from([value, *ids])
        else:
            options[name] = st.just(value)
    return st.fixed_dictionaries(options)


def _collect_ids() -> dict[str, list]:
    from yewu.approvals.models import ApprovalRequest, Delegation
    from yewu.catalog.models import PriceRequest, Product
    from yewu.customers.models import Customer, Minutes, Visit
    from yewu.expenses.models import CashAdvance, CashCount, CashEntry, PaymentDoc
    from yewu.finance.models import DeferralRequest, Invoice, InvoiceRequest, Receipt
    from yewu.orders.models import (
        Contract,
        ContractCustodyLoan,
        ContractDispute,
        Order,
        OrderLine,
        ReturnRequest,
        Shipment,
    )
    from yewu.org.models import User
    from yewu.processes.models import Finding, ProcessDefinition, ProcessReview, Suggestion
    from yewu.sales.models import Quote

    def ids(model, n=6, field="pk"):
        return list(model.objects.order_by("-pk").values_list(field, flat=True)[:n])

    return {
        "customer_id": ids(Customer, 10), "order_id": ids(Order, 10), "line_id": ids(OrderLine, 10),
        "shipment_id": ids(Shipment), "contract_id": ids(Contract), "return_id": ids(ReturnRequest),
        "receipt_id": ids(Receipt), "invoices:request_id": ids(InvoiceRequest), "invoice_id": ids(Invoice),
        "approvals:request_id": ids(ApprovalRequest), "delegation_id": ids(Delegation), "rid": ids(PriceRequest),
        "product_id": ids(Product), "qid": ids(Quote), "loan_id": ids(ContractCustodyLoan),
        "dispute_id": ids(ContractDispute), "deferral_id": ids(DeferralRequest),
        "salesperson_id": ids(User, 20),
        "review_id": ids(ProcessReview), "finding_id": ids(Finding), "suggestion_id": ids(Suggestion),
        "doc_id": ids(PaymentDoc), "adv_id": ids(CashAdvance), "entry_id": ids(CashEntry), "count_id": ids(CashCount),
        "visit_id": ids(Visit), "minutes_id": ids(Minutes), "code": ids(ProcessDefinition, 6, "code"),
    }


@pytest.fixture(scope="module")
def demo_company(django_db_setup, django_db_blocker):
    """The demo company, loaded once for this module in a transaction rolled back at its end."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, transaction

    from yewu.customers.management.commands.loaddemo import Command
    from yewu.org.models import ApiToken, User

    # The requests go straight to the WSGI app, not through Django's test client, so disconnect what the test
    # client disconnects too: closing "old" connections at each request would close the one that holds the
    # transaction (on PostgreSQL; SQLite's in-memory test database ignores the close).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            Command().handle(quiet_logins=True)
            tokens = {u: ApiToken.issue(User.objects.get(username=u)) for u in ROLES}
            _IDS.clear()
            _IDS.update(_collect_ids())
            yield tokens
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _check(case, token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    defect = known.known_defect(case, response)
    _report(case.operation.label, response.status_code, defect or "")
    if defect is None:
        untyped = known.not_yet_typed(case.operation.path)
        case.validate_response(response, checks=[known.not_a_server_error] if untyped else known.CHECKS)


_SETTINGS = settings(max_examples=FUZZ_EXAMPLES, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.filter_too_much, HealthCheck.data_too_large])


# One test per token, so that pytest-xdist runs the two on both workers.
@schema.parametrize()
@_SETTINGS
def test_api_as_salesperson(case, demo_company, db):
    _check(case, demo_company["sales1"])


@schema.parametrize()
@_SETTINGS
def test_api_as_finance(case, demo_company, db):
    _check(case, demo_company["finance"])


def _report(label: str, status: int, defect: str) -> None:
    path = os.environ.get("YEWU_FUZZ_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{label}\t{status}\t{defect}\n")
