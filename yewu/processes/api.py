"""API: process definitions and `process.monitoring`."""

from ninja import Router

from yewu.common.errors import NotFound

from . import selectors

router = Router(tags=["processes"])


def _definition(d, steps: bool = True) -> dict:
    out = {"id": d.pk, "code": d.code, "name": d.name, "version": d.version, "status": d.status,
           "status_label": d.get_status_display(), "objective": d.objective, "owner_department": d.owner_department,
           "administrator": d.administrator.name if d.administrator_id else None,
           "effective_date": d.effective_date, "rollout_due": d.rollout_due}
    if steps:
        out["steps"] = [{"code": s.code, "order": s.order, "department": s.department, "role": s.role,
                         "action": s.action, "instructions": s.instructions, "expected_result": s.expected_result,
                         "input_forms": s.input_forms, "limit_kind": s.limit_kind, "limit_n": s.limit_n,
                         "limit": s.limit_text, "branch_condition": s.branch_condition, "approval": s.is_approval,
                         "key_point": s.key_point, "standard": s.standard} for s in d.steps.all()]
    return out


@router.get("", summary="Process definitions: per code the published version (with steps) and any open version")
def list_processes(request):
    return [{"code": r["code"], "published": _definition(r["published"]) if r["published"] else None,
             "open_version": _definition(r["open"], steps=False) if r["open"] else None}
            for r in selectors.current_list()]


@router.get("/monitoring", summary="process.monitoring: per process for a month (YYYY-MM) — instances, cycle time "
                                   "per step in working hours, on-time share, overdue list (GM all, SM team, CSM CS)")
def monitoring(request, month: str | None = None):
    return selectors.monitoring_dict(selectors.monitoring(request.auth, month))


@router.get("/{code}", summary="All versions of one process, newest first")
def process_versions(request, code: str):
    rows = list(selectors.definitions().filter(code=code).prefetch_related("steps"))
    if not rows:
        raise NotFound("流程不存在")
    return [_definition(d) for d in rows]
