"""Segregation of duties for approval chains (SPEC §1.4, §8.3), pure."""

from __future__ import annotations

from collections.abc import Iterable

from .decision import Decision, Reason


def may_decide(*, actor_id: int, actor_roles: Iterable[str], step_role: str, submitter_id: int,
               beneficiary_id: int | None, earlier_deciders: Iterable[int]) -> Decision:
    """`sod.no_self_approval` and the role check for one step."""
    roles = set(actor_roles)
    if step_role not in roles:
        return Decision.refuse(Reason("approval.inbox", f"此步骤需由 {step_role} 审批，您没有该角色",
                                      f"this step needs role {step_role}", {"step_role": step_role}))
    if actor_id == submitter_id or (beneficiary_id is not None and actor_id == beneficiary_id):
        return Decision.refuse(Reason("sod.no_self_approval", "不能审批自己提交或与自己利益相关的单据",
                                      "nobody approves their own document or own benefit"))
    if actor_id in set(earlier_deciders):
        return Decision.refuse(Reason("sod.no_self_approval", "同一人不能在同一审批链中审批两步（业务经理与总经理须为两人）",
                                      "one person never fills two steps of one chain"))
    return Decision.allow()


# approval.overdue: whom an overdue step escalates to. The SM's superior is the GM (SPEC §1.1: the GM sits
# above the sales managers); CS reviewers go to the CS manager, finance to the finance director, every
# other role — and the department managers themselves — to the GM. The GM has no superior (reminders only).
SUPERIOR_ROLE = {"SP": "SM", "LS": "SM", "SM": "GM", "CS": "CSM", "CIA": "CSM", "CSM": "GM", "FIN": "FD", "CA": "FD",
                 "FD": "GM", "WH": "GM", "PROD": "GM", "QC": "GM", "ADM": "GM", "SYS": "GM"}


def superior_role(role: str) -> str | None:
    """`approval.overdue`: the role an overdue step of ``role`` escalates to (None for the GM)."""
    return SUPERIOR_ROLE.get(role)
