"""Server-rendered pages of the customer archive (SPEC §2): list, filing, detail, edit, contacts, transfer, review.

Views are thin: parse the request (forms.py), call ``services`` / ``selectors`` (row-level access and the
密级 layer live in ``selectors``, every rule in ``services``), render. A ``YewuError`` from a service is shown
next to the form (message + rule id) with the user's input kept.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yewu.common.errors import NotFound, YewuError
from yewu.customers.archive import selectors, services
from yewu.customers.archive.extras import detail_extras
from yewu.customers.forms import (
    ARCHIVE_GROUPS,
    EXTRA_FIELDS,
    ConfidentialityForm,
    ContactForm,
    CustomerEditForm,
    CustomerNewForm,
    ListFilterForm,
    TransferForm,
    VisitForm,
    contact_forms,
)
from yewu.customers.leads import selectors as lead_selectors
from yewu.customers.models import Customer, ReviewState, Source
from yewu.customers.visits import services as visits
from yewu.customers.web import (
    PAGE_SIZE,
    apply_field_errors,
    flash_decision,
    fmt_value,
    int_or_none,
    is_manager,
    rule_msg,
    safe_next,
    salesperson_choices,
    visible_or_404,
)
from yewu.org.models import User
from yewu.org.permissions import can, roles_with
from yewu.policy.customers import may_set_confidentiality

# --- helpers ------------------------------------------------------------------------------------------
















def _overdue_map(customers) -> dict[int, datetime]:
    ids = [c.pk for c in customers]
    if not ids:
        return {}
    return {c.pk: due for c, due in lead_selectors.first_contact_overdue(Customer.objects.filter(pk__in=ids))}


@login_required
def home(request):
    return render(request, "home.html", {})


# --- list ---------------------------------------------------------------------------------------------


@login_required
def customer_list(request):
    user = request.user
    f = ListFilterForm(request.GET)
    f.is_valid()
    d = f.cleaned_data
    qs = selectors.customers_visible_to(user).select_related("owner")
    qs = selectors.search(qs, d.get("q") or "")
    scope = d.get("scope")
    if scope == "mine":
        qs = qs.filter(owner=user)
    elif scope == "pool":
        qs = qs.filter(owner__isnull=True)
    if d.get("city"):
        qs = qs.filter(city__icontains=d["city"].strip())
    if d.get("status"):
        qs = qs.filter(status=d["status"])
    if d.get("grade"):
        qs = qs.filter(demand_grade=d["grade"])
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    v = selectors.viewer(user)
    overdue = _overdue_map(page.object_list)
    rows = [{"c": c, "level": selectors.archive_level(user, c, v), "overdue_due": overdue.get(c.pk)}
            for c in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    pool_rows = pool_total = None
    if can(user, "owns_customers") and not is_manager(user):
        summary = lead_selectors.pool_summary(user)
        pool_total = summary.count()
        src = dict(Source.choices)
        pool_rows = [{**r, "source_label": src.get(r["source"], r["source"])} for r in summary[:20]]
    return render(request, "customers/list.html", {
        "filter": f, "page": page, "rows": rows, "query": query.urlencode(),
        "pool_rows": pool_rows, "pool_total": pool_total, "show_pool_scope": not (user.role_set <= roles_with("owns_customers")),
        "can_file": can(user, "files_customers_from_list"),
    })


# --- filing -------------------------------------------------------------------------------------------


def _contacts_in(contacts) -> tuple[list[services.ContactIn], list[int]]:
    out, rows = [], []
    for i, cf in enumerate(contacts):
        if cf.is_blank():
            continue
        d = cf.cleaned_data
        out.append(services.ContactIn(
            name=d["name"], title=d["title"], is_decision_maker=d["is_decision_maker"], mobile=d["mobile"],
            phone=d["phone"], email=d["email"], wechat=d["wechat"], birthday=d["birthday"],
        ))
        rows.append(i)
    return out, rows


@login_required
def customer_new(request):
    user = request.user
    owner_choices = salesperson_choices(user) if is_manager(user) else None
    error = dup = None
    offer_force = False
    if request.method == "POST":
        form = CustomerNewForm(request.POST, owner_choices=owner_choices)
        contacts = contact_forms(request.POST)
        if form.is_valid() & all([cf.is_valid() for cf in contacts]):
            d = form.cleaned_data
            cin, rows = _contacts_in(contacts)
            data = services.CustomerIn(
                name=d["name"], city=d["city"], source=d["source"], contacts=cin, demand_grade=d["demand_grade"],
                credit_code=d["credit_code"], collected_on=d["collected_on"], extra=form.extra(),
            )
            owner = User.objects.filter(pk=d["owner"]).first() if d.get("owner") else None
            forcing = "force" in request.POST
            try:
                if forcing and not d.get("force_reason", "").strip():
                    form.add_error("force_reason", "请填写仍然建档的理由")
                    raise services.Conflict("仍然建档须填写理由", rule="cust.manager_override")
                c, decision = services.file_customer(user, data, owner=owner,
                                                     force_reason=d.get("force_reason", "").strip() if forcing else "")
            except YewuError as e:
                error = e
                apply_field_errors(e, form, contacts, rows)
                if e.rule == "cust.duplicate":
                    dup = e.extra.get("existing") or {}
                    reasons = e.decision.reasons if e.decision else ()
                    offer_force = bool(reasons) and is_manager(user) and all(
                        r.figures.get("similarity_only") for r in reasons)
                elif forcing:
                    offer_force = True
            else:
                messages.success(request, f"已建档：{c.name}")
                flash_decision(request, decision)
                return redirect("customers:detail", pk=c.pk)
        else:
            error = YewuError("请检查标红的字段")
    else:
        form = CustomerNewForm(owner_choices=owner_choices)
        contacts = contact_forms()
    return render(request, "customers/new.html", {
        "form": form, "contacts": contacts, "error": error, "dup": dup, "offer_force": offer_force,
    })


# --- detail -------------------------------------------------------------------------------------------

ACTION_LABELS = {
    "create": "建档/新增", "update": "修改档案", "transfer": "调整负责人", "allocate": "分配", "review": "档案审核",
    "decision": "规则判定", "export": "导出", "read": "查阅", "login": "登录",
    "submit": "提交审批", "approve": "批准", "reject": "驳回", "grant": "授权借阅", "verify": "档案核实",
}
HIDDEN_AUDIT_KEYS = {"id", "updated_at", "last_verified_at", "name_key", "search_initials", "search_pinyin",
                     "entry_due_at", "created_at"}
CREDIT_KEYS = {"credit_grade", "credit_limit", "term_days", "supply_suspended", "credit_rated_at",
               "credit_next_report_on", "grade", "total", "credit_rating", "approvers"}
# keys of the audit entries written by credit, access, visit-plan and upkeep services
EXTRA_AUDIT_LABELS = {
    "credit_rating": "信用评等表编号", "grade": "评定等级", "total": "评分", "approvers": "审批角色",
    "credit_investigation": "信用调查表编号", "kind": "类型", "investigated_on": "调查日期", "in_person": "经理亲自调查",
    "access_request": "借阅申请编号", "working_days": "借阅期限（工作日）", "requester": "借阅人", "valid_until": "借阅至",
    "state": "状态", "minutes": "会谈纪要编号", "visit": "拜访记录编号", "due_at": "应提交时间", "late": "逾期",
}
CONTROL_FIELDS = ["collected_on", "created_at", "entry_due_at", "assigned_at", "first_contact_at", "last_contact_at",
                  "key_customer", "confidentiality", "confidentiality_expires_on", "demand_grade_confirmed",
                  "review_state", "last_verified_at", "is_web_lead", "lead_tags"]


def _field(name: str):
    return Customer._meta.get_field(name)




def _display(c: Customer, name: str) -> tuple[str, str]:
    f = _field(name)
    v = getattr(c, name)
    if f.is_relation:
        v = v.name if v else None
    return str(f.verbose_name), fmt_value(v, f)


def _audit_changes(e, credit: bool, users: dict) -> list[tuple[str, str, str]]:
    if e.action == "create" and (e.before is None) and "contact" not in (e.after or {}):
        return []  # the filing itself: the archive below shows the values
    out = []
    for key, before, after in e.changes:
        if key in HIDDEN_AUDIT_KEYS or (key in CREDIT_KEYS and not credit):
            continue
        if key == "contact":
            ct = after or {}
            out.append(("联系人", "—", " ".join(x for x in (ct.get("name"), ct.get("title"), ct.get("mobile") or ct.get("phone")
                                                         or ct.get("email")) if x)))
            continue
        name = key[:-3] if key.endswith("_id") else key
        try:
            f = _field(name)
            label = str(f.verbose_name)
        except Exception:
            f, label = None, EXTRA_AUDIT_LABELS.get(key, key)
        if f is not None and f.is_relation:
            fb = users.get(int(before)) if before else "公海"
            fa = users.get(int(after)) if after else "公海"
            out.append((label, fb, fa))
        else:
            out.append((label, fmt_value(before, f), fmt_value(after, f)))
    return out


def _timeline(c: Customer, credit: bool) -> list[dict]:
    items = selectors.timeline(c, credit=credit)
    ids = set()
    for it in items:
        if it["kind"] == "audit":
            for d in (it["extra"].before or {}, it["extra"].after or {}):
                if d.get("owner_id"):
                    ids.add(int(d["owner_id"]))
    users = {u.id: u.name for u in User.objects.filter(id__in=ids)} if ids else {}
    for it in items:
        if it["kind"] == "audit":
            e = it["extra"]
            it["label"] = ACTION_LABELS.get(e.action, e.action)
            it["rule"] = e.rule
            it["changes"] = _audit_changes(e, credit, users)
    return items


def _may_set_level(user) -> bool:

    return may_set_confidentiality(user.role_set)


def _detail_context(request, c: Customer, **over) -> dict:
    user = request.user
    level = selectors.archive_level(user, c)
    credit = selectors.can_see_credit(user, c)
    editable = selectors.can_edit(user, c)
    manager = is_manager(user) and editable
    ctx = {
        "c": c, "level": level, "credit": credit, "editable": editable, "manager": manager,
        "sets_level": not (editable and level == "full") and _may_set_level(user),
        "first_contact_due": _overdue_map([c]).get(c.pk),
        "pending": c.review_state == ReviewState.PENDING,
    }
    if level == "full":
        ctx["groups"] = [(legend, [_display(c, n) for n in names]) for legend, names in ARCHIVE_GROUPS]
        ctx["control"] = [_display(c, n) for n in ["created_by"] + CONTROL_FIELDS]
        ctx["timeline"] = _timeline(c, credit)
        ctx["ownership"] = list(c.ownership_history.select_related("from_user", "to_user", "by"))
    elif level == "card":
        ctx["card"] = [_display(c, n) for n in ("city", "district", "delivery_address", "registered_address", "status")]
    if credit:
        ctx["credit_fields"] = [_display(c, n) for n in ("credit_grade", "credit_limit", "term_days", "supply_suspended")]
    if level != "name":
        ctx["contacts"] = list(c.contacts.all())
    if editable:
        ctx["visit_form"] = over.pop("visit_form", None) or VisitForm()
        ctx["contact_form"] = over.pop("contact_form", None) or ContactForm(prefix="nc")
    if manager:
        choices = [(i, label) for i, label in salesperson_choices(user) if i != c.owner_id]
        ctx["transfer_form"] = over.pop("transfer_form", None) or TransferForm(sp_choices=choices)
    ctx.update(detail_extras(user, c, level, credit))
    ctx.update(over)
    return ctx


@login_required
def customer_detail(request, pk: int):
    c = visible_or_404(request.user, pk)
    ctx = _detail_context(request, c)
    if ctx["level"] == "full":
        services.record_archive_read(request.user, c, channel="页面")  # 借阅卡: every 机密/绝密 full read
    return render(request, "customers/detail.html", ctx)


def _detail_error(request, c, err: YewuError, where: str, **forms_):
    status = err.status if err.status in (400, 403, 409, 422) else 400
    return render(request, "customers/detail.html",
                  _detail_context(request, c, error=err, error_at=where, **forms_), status=status)


@login_required
@require_POST
def visit_new(request, pk: int):
    c = visible_or_404(request.user, pk)
    form = VisitForm(request.POST)
    if not form.is_valid():
        return _detail_error(request, c, YewuError("请检查拜访记录中标红的字段"), "visit", visit_form=form)
    d = form.cleaned_data
    try:
        visits.log_visit(request.user, c.pk, visits.VisitIn(**d))
    except YewuError as e:
        apply_field_errors(e, form)
        return _detail_error(request, c, e, "visit", visit_form=form)
    messages.success(request, "已记录拜访/沟通")
    return redirect(reverse("customers:detail", args=[c.pk]) + "#timeline")


@login_required
@require_POST
def contact_new(request, pk: int):
    c = visible_or_404(request.user, pk)
    form = ContactForm(request.POST, prefix="nc")
    if not form.is_valid():
        return _detail_error(request, c, YewuError("请检查联系人中标红的字段"), "contact", contact_form=form)
    try:
        services.add_contact(request.user, c.pk, services.ContactIn(**form.cleaned_data))
    except YewuError as e:
        apply_field_errors(e, contacts=[form])
        return _detail_error(request, c, e, "contact", contact_form=form)
    messages.success(request, "已添加联系人")
    return redirect(reverse("customers:detail", args=[c.pk]) + "#contacts")


@login_required
@require_POST
def transfer(request, pk: int):
    c = visible_or_404(request.user, pk)
    form = TransferForm(request.POST, sp_choices=salesperson_choices(request.user))
    to_user_id = int_or_none(request.POST.get("to_user_id"))
    try:
        if to_user_id is None:
            raise services.ValidationError("请选择接手业务员", fields={"to_user_id": "必选"}, rule="cust.manager_override")
        c2 = services.transfer_customer(request.user, c.pk, to_user_id, request.POST.get("reason", ""))
    except YewuError as e:
        form.is_valid()
        apply_field_errors(e, form)
        return _detail_error(request, c, e, "transfer", transfer_form=form)
    messages.success(request, f"已将「{c2.name}」交给 {c2.owner.name}")
    return redirect(safe_next(request, reverse("customers:detail", args=[c.pk])))


@login_required
@require_POST
def review(request, pk: int):
    accept = request.POST.get("decision") == "accept"
    back = safe_next(request, reverse("customers:detail", args=[pk]))
    try:
        c = services.review_customer(request.user, pk, accept, request.POST.get("note", ""))
    except NotFound as e:
        raise Http404(e.message) from e
    except YewuError as e:
        messages.error(request, rule_msg(e.message, e.rule))
        return HttpResponseRedirect(back)
    messages.success(request, rule_msg(f"「{c.name}」档案{'已审核通过' if accept else '已退回'}", "cust.manager_review"))
    return HttpResponseRedirect(back)


# --- edit ---------------------------------------------------------------------------------------------

EDIT_FIELDS = ["name", "city", "source", "demand_grade", "credit_code", *EXTRA_FIELDS, "status", "confidentiality",
               "key_customer"]


def _initial(c: Customer) -> dict:
    d = {k: getattr(c, k) for k in EDIT_FIELDS}
    d["credit_code"] = c.credit_code or ""
    return d


@login_required
def customer_edit(request, pk: int):
    user = request.user

    c = visible_or_404(user, pk)
    full = selectors.can_edit(user, c) and selectors.archive_level(user, c) == "full"
    # cust.confidentiality: the CSM (and an SM or the GM who may not edit this archive) still sets the level here;
    # services.update_customer and the one rule decide whether the change is allowed
    level_only = not full and may_set_confidentiality(user.role_set)
    if not full and not level_only:
        raise DjangoPermissionDenied("只有负责人、其业务经理或总经理可以修改该客户")
    initial = {"confidentiality": c.confidentiality} if level_only else _initial(c)
    form_class = ConfidentialityForm if level_only else CustomerEditForm
    error = None
    if request.method == "POST":
        form = form_class(request.POST, initial=initial)
        if form.is_valid():
            d = form.cleaned_data
            changes = {k: d[k] for k in initial if k in d and d[k] != initial.get(k)
                       and not (d[k] in (None, "") and initial.get(k) in (None, ""))}
            if not changes:
                messages.info(request, "没有修改")
                return redirect("customers:detail", pk=c.pk)
            try:
                c, decision = services.update_customer(user, c.pk, changes)
            except YewuError as e:
                error = e
                apply_field_errors(e, form)
            else:
                messages.success(request, "档案已保存")
                if decision.outcome == "warning":
                    flash_decision(request, decision)
                return redirect("customers:detail", pk=c.pk)
        else:
            error = YewuError("请检查标红的字段")
    else:
        form = form_class(initial=initial)
    return render(request, "customers/edit.html", {"c": c, "form": form, "error": error, "level_only": level_only})


# --- SM work list ---------------------------------------------------------------------------------------




















# --- web leads ------------------------------------------------------------------------------------------




# --- notifications -----------------------------------------------------------------------------------------





