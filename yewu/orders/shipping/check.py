"""`ship.release_check` in one place: why a ready (or partly shipped) order may not ship now. The warehouse's
shipment (`shipping.services.create_shipment`), the order page (`ordering.selectors.release_block`) and the order
list ask it, so no page shows 可发货 for an order the warehouse would be refused (issue 15, "one truth per page")."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, QuerySet

from yewu.policy import Reason

from ..contracts.services import UNLOADED, release_blocker
from ..models import ContractDispute, DisputeStatus, Order, OrderStatus, Settlement
from ..visibility import SHIPPABLE

# the order list's short form of each blocking rule
SHORT = {"credit.supply_suspended": "已暂停供货", "contract.dispute": "合同诉讼中", "contract.required": "待签合同"}


def with_ship_facts(qs: QuerySet[Order]) -> QuerySet[Order]:
    """Order rows with what the check reads beyond the row and its customer: the contract's status (a join) and
    whether it is in litigation (a subquery), in the list's own SELECT — no query per row."""
    return qs.annotate(ship_contract_status=F("contract__status"), ship_in_litigation=Exists(
        ContractDispute.objects.filter(contract__order=OuterRef("pk"), status=DisputeStatus.LITIGATION)))


def ship_blocker(order: Order, with_money: bool = True) -> Reason | None:
    """Why this ready or partly shipped order may not ship now, or None: supply suspended
    (`credit.supply_suspended`), its contract in litigation (`contract.dispute`), a required contract not signed
    (`contract.required`), the money due before release not in (`ship.release_check`: the deposit, or the whole
    amount for 现款现货/款到发货). Without ``with_money`` (`acl.ops_scope`) the amounts are left out."""
    if order.customer.supply_suspended:
        return Reason("credit.supply_suspended", f"客户「{order.customer.name}」已暂停供货，不能发货", "supply suspended")
    why = release_blocker(order, contract_status=getattr(order, "ship_contract_status", UNLOADED),
                          in_litigation=getattr(order, "ship_in_litigation", UNLOADED))
    if why is not None:
        return why
    needed = order.payment_needed_before_release
    if order.paid_amount < needed:
        figs = f"（需 {needed:,.2f}，已收 {order.paid_amount:,.2f}）" if with_money else ""
        return Reason("ship.release_check", f"结算方式「{order.get_settlement_display()}」要求的{_money_word(order)}尚未到账"
                                            f"{figs}，财务确认到账后方可发货", "money due before release not in")
    return None


def ship_hold(order: Order) -> str:
    """The status cell's short word when the order may not ship: "" when it may (or has nothing left to ship), else
    待付定金 / 待付款 / 待签合同 / 合同诉讼中 / 已暂停供货. Reads the row, its customer and ``with_ship_facts``."""
    if order.status == OrderStatus.AWAITING_PAYMENT:
        return SHORT["credit.supply_suspended"] if order.customer.supply_suspended else "待付" + _money_word(order)
    if order.status not in SHIPPABLE:
        return ""
    why = ship_blocker(order, with_money=False)
    return hold_word(order, why.rule) if why is not None else ""


def hold_word(order: Order, rule: str) -> str:
    """The short word for a blocking rule of this order (the list's status cell, the order page's status badge)."""
    if rule == "ship.release_check":
        return "待付" + _money_word(order)
    return SHORT.get(rule, "暂不能发货")


def _money_word(order: Order) -> str:
    return "款" if order.settlement in (Settlement.CASH, Settlement.PREPAY) else "定金"
