"""Issue 10 item 8: warehouse (WH), production (PROD) and QC see no prices anywhere (`acl.ops_scope`), and the
warehouse lists ready orders only. One decision: ``can(user, "sees_prices")`` (yewu.org.permissions)."""

import pytest

from yewu.org.permissions import ABILITIES, can

from .scan import body_text


@pytest.fixture
def ops(world, api_client):
    return {k: api_client(world.users[k]) for k in ("wh", "prod", "qc", "sales1", "cs")}


def _no_amount(world, resp):
    assert resp.status_code == 200, resp.content[:300]
    text = body_text(resp)
    shown = sorted(a for a in world.amounts() if a in text)
    assert not shown, shown
    return text


def test_the_warehouse_sees_contracts_ledger_notes_and_pdfs_without_prices(world, ops):
    wh, kA, sA, oA, rA = ops["wh"], world.contracts["A"], world.shipments["A"], world.orders["A_done"], world.returns["A"]
    r = wh.get("/api/v1/contracts")
    _no_amount(world, r)
    items = r.json()["items"]
    assert {c["number"] for c in items} == {"YWXS-JZ-A", "YWXS-JZ-B"} and all("amount" not in c for c in items)
    ledger = _no_amount(world, wh.get("/api/v1/contracts/ledger.xlsx"))
    assert "YWXS-JZ-A" in ledger and "合同金额" not in ledger
    note = _no_amount(world, wh.get(f"/api/v1/shipments/{sA.pk}/note.pdf"))
    assert sA.number in note and "单价" not in note and "金额" not in note and note.count("仓库管理员") == 3
    order_pdf = _no_amount(world, wh.get(f"/api/v1/orders/{oA.pk}/pdf"))
    assert oA.number in order_pdf and "单价" not in order_pdf
    review = _no_amount(world, wh.get(f"/api/v1/contracts/{kA.pk}/review.pdf"))
    assert "合同评审单" in review
    _no_amount(world, wh.get(f"/api/v1/returns/{rA.pk}/note.pdf"))
    _no_amount(world, wh.get(f"/api/v1/returns/{rA.pk}"))
    _no_amount(world, wh.get(f"/api/v1/orders/{oA.pk}"))


def test_production_and_qc_see_their_documents_without_prices(world, ops):
    kB, oB, oA = world.contracts["B"], world.orders["B"], world.orders["A_done"]
    assert "amount" not in _no_amount(world, ops["prod"].get(f"/api/v1/contracts/{kB.pk}"))
    _no_amount(world, ops["prod"].get(f"/api/v1/orders/{oB.pk}/pdf"))
    _no_amount(world, ops["prod"].get("/api/v1/orders/custom-lines"))
    _no_amount(world, ops["qc"].get(f"/api/v1/returns/{world.returns['A'].pk}/note.pdf"))
    _no_amount(world, ops["qc"].get(f"/api/v1/orders/{oA.pk}/pdf"))


def test_sellers_and_cs_still_see_the_amounts(world, ops):
    kA, sA = world.contracts["A"], world.shipments["A"]
    for who in ("sales1", "cs"):
        assert ops[who].get(f"/api/v1/contracts/{kA.pk}").json()["amount"] == f"{kA.amount:f}"
        assert "4,073.73" in body_text(ops[who].get(f"/api/v1/shipments/{sA.pk}/note.pdf"))
        assert "合同金额" in body_text(ops[who].get("/api/v1/contracts/ledger.xlsx"))


def test_the_warehouse_lists_ready_orders_only(world, ops):
    pending = world.orders["A_pending"]
    numbers = {o["number"] for o in ops["wh"].get("/api/v1/orders?limit=200").json()["items"]}
    assert pending.number not in numbers and world.orders["A_done"].number in numbers
    assert ops["wh"].get(f"/api/v1/orders/{pending.pk}").status_code == 404


def test_one_decision_for_prices():
    """The abilities table is the only role list deciding price visibility (acl.ops_scope; CS/CSM review contracts
    for price reasonableness, so they see prices)."""
    from pathlib import Path

    assert ABILITIES["sees_prices"].roles.isdisjoint({"WH", "PROD", "QC", "SYS", "ADM", "LS"})
    assert {"CS", "CSM"} <= ABILITIES["sees_prices"].roles
    root = Path(__file__).resolve().parents[2] / "yewu"
    for name in ("PRICE_READERS", "PRICE_ROLES", "can_see_prices", "show_prices"):
        hits = [str(p.relative_to(root)) for p in root.rglob("*") if p.suffix in (".py", ".html")
                and "tests" not in p.parts and name in p.read_text(encoding="utf-8")]
        assert not hits, (name, hits)


@pytest.mark.django_db
def test_can_is_false_for_inactive_users(world):
    wh, sp = world.users["wh"], world.users["sales1"]
    assert not can(wh, "sees_prices") and can(sp, "sees_prices")
    sp.is_active = False
    assert not can(sp, "sees_prices")
