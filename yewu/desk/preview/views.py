"""The company settings page (SPEC §8.5, URL /settings/; template org/settings.html), GM and the system administrator (``changes_settings``): every setting
with its current value and SPEC default, the version history, and a change form whose preview lists the open
documents a change would affect (only their counts for the system administrator, who sees no business data).
It lives on the top floor because the preview reads every area; the settings themselves are org's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from yewu.common.errors import ValidationError, YewuError
from yewu.org import selectors, services
from yewu.org.permissions import can
from yewu.policy import versions as pv

from . import selectors as preview_mod


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
        raise PermissionDenied("只有总经理或系统管理员可以查看和修改公司设置")
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
            effective = services.parse_effective(eff_at) if eff_mode == "later" else None
            if eff_mode == "later" and effective is None:
                raise ValidationError("请填写生效时间", fields={"effective_at": "必填"})
            if request.POST.get("action") == "save":
                v = services.create_version(request.user, changes=posted, reason=reason, effective_at=effective)
                when = timezone.localtime(v.effective_at).strftime("%Y-%m-%d %H:%M")
                messages.success(request, f"已保存制度版本 v{v.pk}，生效时间 {when}；已作出的判定不重算")
                return redirect(f"/settings/#v{v.pk}")
            result = preview_mod.preview(posted, effective, documents=can(request.user, "reads_business_data"))
            errors = dict(result.errors)
            if not posted:
                errors["changes"] = "请至少填写一项新值"
            elif len(reason.strip()) < pv.MIN_REASON:
                errors["reason"] = f"请填写修改原因（至少 {pv.MIN_REASON} 个字）后再保存"
        except YewuError as e:
            errors = dict(e.fields) or {"changes": e.message}
            if request.POST.get("action") == "save":
                try:
                    result = preview_mod.preview(posted, services.parse_effective(eff_at) if eff_mode == "later" else None,
                                                 documents=can(request.user, "reads_business_data"))
                except YewuError:
                    result = None
    can_save = result is not None and not errors and bool(posted) and len(reason.strip()) >= pv.MIN_REASON
    return render(request, "org/settings.html", {
        "cfg": cfg, "areas": _rows(cfg, posted, errors), "history": selectors.version_history(), "errors": errors,
        "other_errors": {k: v for k, v in errors.items() if k not in pv.DEFAULTS and k not in ("reason", "effective_at")},
        "result": result, "reason": reason, "eff_mode": eff_mode, "effective_at": eff_at, "can_save": can_save,
        "posted": posted, "min_reason": pv.MIN_REASON,
        "open_areas": {pv.area_of(k) for k in list(posted) + list(errors) if k in pv.DEFAULTS},
    })
