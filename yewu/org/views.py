"""The company settings page (SPEC §8.5), GM/ADM: every setting with its current value and SPEC default, the
version history, and a change form whose preview lists the open documents a change would affect."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from yewu.common.errors import ValidationError, YewuError
from yewu.policy import versions as pv

from . import preview as preview_mod
from . import selectors, services
from .models import PolicyVersion


def parse_effective(raw: str | None) -> datetime | None:
    """'' or 'now' → None (now); else an ISO date-time in Asia/Shanghai."""
    raw = (raw or "").strip()
    if not raw or raw == "now":
        return None
    try:
        dt = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError("生效时间格式应为 YYYY-MM-DD HH:MM", fields={"effective_at": "格式错误"}) from None
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


def history(limit: int | None = None) -> list[dict]:
    """Versions newest first, with their changes (label, old → new) and whether each is in force yet."""
    now = timezone.now()
    current = selectors.get_policy().version
    out = []
    qs = PolicyVersion.objects.select_related("created_by").order_by("-effective_at", "-id")
    for v in qs[:limit] if limit else qs:
        changes = []
        for k, new in (v.values or {}).items():
            known = k in pv.DEFAULTS
            changes.append({"key": k, "label": pv.setting(k).label if known else k,
                            "old": pv.display((v.old_values or {}).get(k), k if known else None),
                            "new": pv.display(new, k if known else None), "unit": pv.setting(k).unit if known else ""})
        out.append({"v": v, "changes": changes, "current": v.pk == current,
                    "state": "待生效" if v.effective_at > now else ("现行" if v.pk == current else "已生效")})
    return out


def _rows(cfg, posted: dict, errors: dict) -> list[tuple[str, list[dict]]]:
    file_keys = selectors.file_overrides()
    out = []
    for area, items in pv.grouped():
        rows = []
        for s in items:
            cur = cfg[s.key]
            rows.append({"s": s, "current": pv.display(cur, s.key), "default": pv.display(s.default, s.key),
                         "changed": cur != s.default, "from_file": s.key in file_keys,
                         "posted": posted.get(s.key, ""), "error": errors.get(s.key, ""), "raw_current": pv.stored(cur)})
        out.append((area, rows))
    return out


@login_required
def settings_page(request):
    if not services.can_manage_settings(request.user):
        raise PermissionDenied("只有总经理或行政部可以查看和修改公司设置")
    cfg = selectors.get_policy()
    posted: dict[str, str] = {}
    errors: dict[str, str] = {}
    reason, eff_mode, eff_at = "", "now", ""
    result = None
    if request.method == "POST":
        posted = {k: request.POST.get(f"v:{k}", "").strip() for k in pv.DEFAULTS if request.POST.get(f"v:{k}", "").strip()}
        reason = request.POST.get("reason", "")
        eff_mode = request.POST.get("eff_mode", "now")
        eff_at = request.POST.get("effective_at", "")
        try:
            effective = parse_effective(eff_at) if eff_mode == "later" else None
            if eff_mode == "later" and effective is None:
                raise ValidationError("请填写生效时间", fields={"effective_at": "必填"})
            if request.POST.get("action") == "save":
                v = services.create_version(request.user, changes=posted, reason=reason, effective_at=effective)
                when = timezone.localtime(v.effective_at).strftime("%Y-%m-%d %H:%M")
                messages.success(request, f"已保存制度版本 v{v.pk}，生效时间 {when}；已作出的判定不重算")
                return redirect(f"/settings/#v{v.pk}")
            result = preview_mod.preview(posted, effective)
            errors = dict(result.errors)
            if not posted:
                errors["changes"] = "请至少填写一项新值"
        except YewuError as e:
            errors = dict(e.fields) or {"changes": e.message}
            if request.POST.get("action") == "save":
                try:
                    result = preview_mod.preview(posted, parse_effective(eff_at) if eff_mode == "later" else None)
                except YewuError:
                    result = None
    can_save = result is not None and not errors and bool(posted) and len(reason.strip()) >= pv.MIN_REASON
    return render(request, "org/settings.html", {
        "cfg": cfg, "areas": _rows(cfg, posted, errors), "history": history(), "errors": errors,
        "other_errors": {k: v for k, v in errors.items() if k not in pv.DEFAULTS},
        "result": result, "reason": reason, "eff_mode": eff_mode, "effective_at": eff_at, "can_save": can_save,
        "posted": posted, "min_reason": pv.MIN_REASON,
        "open_areas": {pv.area_of(k) for k in list(posted) + list(errors) if k in pv.DEFAULTS},
    })
