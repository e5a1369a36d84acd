"""Move quotes still waiting for approval onto the shared approval engine (yewu.approvals, doc_type
"quote"). Decided history stays in sales.QuoteApproval (read-only, shown on the quote).

For each SUBMITTED quote without a pending engine request: one engine step per remaining logical step
(SM special price/fee, GM major); an SM step already approved under the old model is copied as an
approved step. Idempotent; the reverse does nothing (the engine rows are history too)."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Quote = apps.get_model("sales", "Quote")
    QuoteApproval = apps.get_model("sales", "QuoteApproval")
    ApprovalRequest = apps.get_model("approvals", "ApprovalRequest")
    ApprovalStep = apps.get_model("approvals", "ApprovalStep")
    from yewu.policy.calendar import WorkCalendar

    now = timezone.now()
    due = WorkCalendar().deadline_after_working_days(timezone.localdate(), 1)  # 1 WD from the migration
    for q in Quote.objects.filter(state="submitted").select_related("team", "customer"):
        if ApprovalRequest.objects.filter(doc_type="quote", doc_id=str(q.pk), state="pending").exists():
            continue
        mgr_id = q.team.manager_id if q.team_id else None
        escalate = mgr_id is None or mgr_id in (q.owner_id, q.created_by_id)
        kinds = []
        if q.needs_sm and not (q.needs_gm and escalate and not q.sm_approved_by_id):
            kinds.append("SM")
        if q.needs_gm:
            kinds.append("GM")
        if not kinds:
            continue
        snapshot = [{"role": "GM" if (k == "SM" and escalate) else k, "limit_wd": 1, "kind": k} for k in kinds]
        req = ApprovalRequest.objects.create(
            doc_type="quote", doc_id=str(q.pk), doc_label=f"报价单 {q.number}（{q.customer.name}，{q.total:,.2f} 元）",
            link=f"/sales/quotes/{q.pk}/", chain_snapshot=snapshot,
            reasons=[{"rule": "quote.approval", "message": "由旧版报价审批迁移", "message_zh": "由旧版报价审批迁移", "message_en": "migrated"}],
            submitter_id=q.created_by_id or q.owner_id, beneficiary_id=q.owner_id, team_id=q.team_id, state="pending",
        )
        pending_set = False
        for i, s in enumerate(snapshot):
            step = ApprovalStep(request=req, order=i, role=s["role"], state="waiting")
            if s["kind"] == "SM" and q.sm_approved_by_id:
                old = QuoteApproval.objects.filter(quote=q, step="SM", action="approve").order_by("-at").first()
                step.state, step.decided_by_id = "approved", q.sm_approved_by_id
                step.decided_at = q.sm_approved_at or (old.at if old else now)
                step.comment = (old.comment if old else "")[:500]
            elif not pending_set:
                step.state, step.due_at, pending_set = "pending", due, True
            step.save()


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0002_coaching_task"),
        ("approvals", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
