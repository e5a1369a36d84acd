"""The access matrix (issue 10, "make the probing part of the project"): every role × every list, detail, export,
PDF and workbook endpoint (API and UI) × the objects of a small world inside and outside the role's scope.

A cell is (role, endpoint, object). For every response the role gets, each object of the world is either in the
role's scope (SPEC §1.2 and §1.3, written out below independently of the code) or its marker (order, contract,
shipment, return number; customer name; the 绝密 archive's address and mobile) must not appear anywhere in the
body — JSON, HTML, PDF text or workbook cells. A detail, PDF or workbook URL naming an out-of-scope object must
answer 403 or 404. For the roles that never see prices (`acl.ops_scope`: WH, PROD, QC; and LS, ADM, SYS, who see
no money at all) none of the world's amounts (unit prices, totals, contract, return and dispute amounts, as
1357.91, 1,357.91 or 大写) may appear in any body.

The number of cells, requests and leaks is printed (``pytest -s``) and written to ``$YEWU_ACCESS_REPORT`` when set.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from .scan import body_text

# --- who sees what, from the SPEC (not from the code) ------------------------------------------------------------

ROLES = ["gm", "manager", "manager2", "sales1", "sales2", "sales3", "leads", "finance", "cashier", "cs", "csmanager",
         "wh", "prod", "qc", "adm", "admin"]
SEE_ALL = {"gm", "finance", "cashier", "cs", "csmanager"}  # GM; acl.finance_scope (FIN/FD/CA); acl.cs_scope (CS/CSM/CIA)
TEAM = {"A": {"sales1", "manager"}, "B": {"sales3", "manager2"}, "X": {"sales1", "manager"}}  # owner + owner's SM
SECRET_READERS = {"sales1", "csmanager", "gm"}  # cust.confidentiality 绝密: owner, CIA, GM
PRICE_BLIND = {"wh", "prod", "qc", "leads", "adm", "admin"}  # acl.ops_scope; LS, ADM, SYS see no money
# acl.ops_scope: WH the orders released for shipping; PROD the orders with custom lines; QC the orders with returns
OPS_ORDERS = {"wh": {"A_prev", "B_prev", "A_done", "B"}, "prod": {"B"}, "qc": {"A_done"}}


def sees_order(role: str, key: str) -> bool:
    return role in SEE_ALL or role in TEAM[key[0]] or key in OPS_ORDERS.get(role, ())


def sees_customer(role: str, key: str) -> bool:
    return role in SEE_ALL or role in TEAM[key]


@dataclass(frozen=True)
class Obj:
    kind: str  # customer, order, shipment, contract, return, dispute
    key: str
    pk: int
    marker: str
    order_key: str = ""  # for objects that follow their order's scope

    def visible(self, role: str) -> bool:
        if self.kind == "customer":
            return sees_customer(role, self.key)
        return sees_order(role, self.order_key)

    def name_may_show(self, role: str) -> bool:
        """A customer's name shows wherever one of its orders does (the warehouse ships to it)."""
        return self.visible(role) or (self.kind == "customer" and any(
            sees_order(role, k) for k in ORDER_KEYS if k[0] == self.key))


ORDER_KEYS = ("A_prev", "B_prev", "A_done", "A_pending", "B")


def objects(w) -> list[Obj]:
    out = [Obj("customer", k, c.pk, c.name) for k, c in w.customers.items()]
    out += [Obj("order", k, o.pk, o.number, k) for k, o in w.orders.items()]
    out += [Obj("shipment", k, s.pk, s.number, {"A": "A_done", "B": "B"}[k]) for k, s in w.shipments.items()]
    out += [Obj("contract", k, c.pk, c.number, {"A": "A_done", "B": "B"}[k]) for k, c in w.contracts.items()]
    out += [Obj("return", k, r.pk, r.number, "A_done") for k, r in w.returns.items()]
    return out


# --- the endpoints ---------------------------------------------------------------------------------------------

MONTH = "{month}"
LISTS_API = [
    "/customers", "/customers?q=矩阵", "/leads", "/worklist", "/approvals/inbox", "/orders", "/orders?late=true",
    "/orders/late", "/orders/custom-lines", "/exports/customers.xlsx", "/products", "/products/export",
    "/products/price-requests", "/quotes", "/reports/sales-by-salesperson", "/contracts", "/contracts/ledger.xlsx",
    "/contracts/custody", f"/contracts/register?month={MONTH}", f"/contracts/register.xlsx?month={MONTH}",
    f"/contracts/register.pdf?month={MONTH}", "/contracts/disputes", "/returns", "/expenses", "/expense-requests",
    "/cash-advances", "/cash/journal", "/receipts", "/invoices", "/invoices/uninvoiced", "/invoices/register.xlsx",
    "/reports/ar-aging", "/reports/ar-monthly", "/reports/deferrals.xlsx", "/reports/write-offs", "/deferrals",
    "/commissions", "/commissions/statements", "/commissions/payroll", "/processes", "/processes/monitoring",
    "/settings", "/settings/versions", "/customers/visit-plans", "/customers/info-reports",
]
LISTS_UI = [
    "/", "/customers/", "/customers/?q=矩阵", "/worklist/", "/leads/", "/notifications/", "/credit/", "/visit-plans/",
    "/upkeep/", "/upkeep/reports.xlsx", "/customers/export.xlsx", "/customers/contacts.xlsx", "/customers/contacts.pdf",
    "/catalog/", "/catalog/export/", "/catalog/requests/", "/sales/quotes/", "/reports/sales-by-salesperson/",
    "/orders/", "/orders/?late=1", "/orders/custom-dates/", "/orders/late-lines/", "/orders/contracts/",
    f"/orders/contracts/register/?month={MONTH}", "/approvals/", "/expenses/", "/expenses/register.xlsx",
    "/expenses/journal/xlsx/", "/finance/receipts/", "/finance/invoices/", "/finance/invoices/register.xlsx",
    "/finance/ar/", "/performance/commission/", "/processes/", "/processes/monitoring/", "/settings/",
    "/admin/", "/admin/customers/customer/", "/admin/catalog/product/", "/admin/audit/auditentry/",
]
DETAILS = {
    "customer": ["/api/v1/customers/{pk}", "/api/v1/customers/{pk}/timeline", "/api/v1/customers/{pk}/audit",
                 "/api/v1/customers/{pk}/credit", "/api/v1/customers/{pk}/access-requests", "/customers/{pk}/",
                 "/customers/{pk}/edit/", "/customers/{pk}/card.pdf", "/customers/{pk}/card.xlsx",
                 "/customers/{pk}/visits.xlsx", "/customers/{pk}/sales-record.xlsx", "/customers/{pk}/sales-record.pdf",
                 "/customers/{pk}/borrow-card.xlsx", "/finance/statement/{pk}/"],
    "order": ["/api/v1/orders/{pk}", "/api/v1/orders/{pk}/pdf", "/api/v1/orders/{pk}/backorder.pdf",
              "/api/v1/orders/{pk}/over-credit.pdf", "/orders/{pk}/", "/orders/{pk}/contract/scan/"],
    "shipment": ["/api/v1/shipments/{pk}", "/api/v1/shipments/{pk}/note.pdf", "/api/v1/shipments/{pk}/signed-copy"],
    "contract": ["/api/v1/contracts/{pk}", "/api/v1/contracts/{pk}/review.pdf"],
    "return": ["/api/v1/returns/{pk}", "/api/v1/returns/{pk}/note.pdf"],
}
ADMIN_DETAILS = {"customer": ["/admin/customers/customer/{pk}/change/"]}
REFUSED = (403, 404)
# state the world does not build (an over-credit order, an uploaded signed copy or contract scan): scope still checked
NEEDS_STATE = {"/api/v1/orders/{pk}/over-credit.pdf", "/api/v1/shipments/{pk}/signed-copy", "/orders/{pk}/contract/scan/"}
# business models are not in the Django admin (SPEC §1.1: the system administrator sees no business data)
GONE = {"/admin/customers/customer/", "/admin/customers/customer/{pk}/change/", "/admin/catalog/product/"}


def _clients(w):
    from yewu.org.models import ApiToken

    out = {}
    for role in ROLES:
        u = w.users[role]
        ui = Client()
        ui.force_login(u)
        out[role] = (Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(u)}"), ui)
    return out


def _get(clients, role, url):
    api, ui = clients[role]
    return api.get(url) if url.startswith("/api/") else ui.get(url)


@pytest.mark.django_db
def test_access_matrix_no_leaks(world):
    from yewu.org.permissions import can

    w = world
    # the table above and the abilities table agree on who sees prices
    assert {r for r in ROLES if not can(w.users[r], "sees_prices")} == PRICE_BLIND

    objs = objects(w)
    amounts = w.amounts()
    month = f"{timezone.localdate():%Y-%m}"
    clients = _clients(w)
    requests = cells = 0
    leaks: list[str] = []
    answered: dict[str, set[int]] = {}
    spent: dict[str, float] = {}  # endpoint → statuses seen (an endpoint nobody can open proves nothing)
    started = time.monotonic()

    def check(role, url, resp, target: Obj | None):
        nonlocal cells
        answered.setdefault(url.split("?")[0] if target is None else tpl_of[url], set()).add(resp.status_code)
        if resp.status_code >= 500:
            leaks.append(f"{role} {url}: {resp.status_code}")
        text = body_text(resp) if resp.status_code < 300 else resp.content.decode("utf-8", "replace")
        for o in objs:
            cells += 1
            if o is target and not o.visible(role) and resp.status_code not in REFUSED:
                leaks.append(f"{role} {url}: out-of-scope {o.kind} {o.key} answered {resp.status_code}")
            elif not o.name_may_show(role) and o.marker in text:
                leaks.append(f"{role} {url}: out-of-scope {o.kind} {o.key} ({o.marker}) in the body")
        if role not in SECRET_READERS:
            cells += 1
            found = [m for m in w.secret_markers if m in text]
            if found:
                leaks.append(f"{role} {url}: 绝密 archive shown ({', '.join(found)})")
        if role in PRICE_BLIND:
            cells += 1
            found = sorted(a for a in amounts if a in text)
            if found:
                leaks.append(f"{role} {url}: prices shown ({', '.join(found[:4])})")

    tpl_of: dict[str, str] = {}
    for role in ROLES:
        for url in [f"/api/v1{u}" for u in LISTS_API] + LISTS_UI:
            url = url.replace(MONTH, month)
            t0 = time.monotonic()
            check(role, url, _get(clients, role, url), None)
            spent[url] = spent.get(url, 0) + time.monotonic() - t0
            requests += 1
        for o in objs:
            for tpl in DETAILS.get(o.kind, []) + (ADMIN_DETAILS.get(o.kind, []) if role == "admin" else []):
                url = tpl.format(pk=o.pk)
                tpl_of[url] = tpl
                t0 = time.monotonic()
                check(role, url, _get(clients, role, url), o)
                spent[tpl] = spent.get(tpl, 0) + time.monotonic() - t0
                requests += 1

    elapsed = time.monotonic() - started
    never_ok = sorted(k for k, v in answered.items() if 200 not in v and k not in NEEDS_STATE | GONE)
    leaks += [f"{k} answered 200 (must be gone)" for k in sorted(GONE) if 200 in answered.get(k, ())]
    slowest = sorted(spent.items(), key=lambda kv: -kv[1])[:8]
    report = {"roles": len(ROLES), "endpoints": len(answered), "requests": requests, "cells": cells, "leaks": len(leaks),
              "seconds": round(elapsed, 1), "details": leaks, "never_200": never_ok,
              "slowest": [(k, round(v, 2)) for k, v in slowest]}
    print(f"\naccess matrix: {len(ROLES)} roles, {requests} requests, {cells} cells, {len(leaks)} leaks, {elapsed:.1f} s")
    if os.environ.get("YEWU_ACCESS_REPORT"):
        with open(os.environ["YEWU_ACCESS_REPORT"], "w") as f:
            json.dump(report, f, ensure_ascii=False, indent=1)
    # every endpoint of the table answered 200 to someone: the matrix looks at real pages, not at 404s
    assert not never_ok, f"endpoints nobody could open (wrong URL in the table?): {never_ok}"
    assert not leaks, f"{len(leaks)} leaks in {cells} cells:\n" + "\n".join(leaks[:200])
