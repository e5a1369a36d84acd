"""Paper documents of the customer archive (SPEC §9.1) built as :class:`FormDoc` for the PDF and Excel writers:
the customer card, the visit book, the sales record, the contacts directory and the customer list export, with
the export control (`cust.export_control`) that decides what each may contain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yewu.audit.services import record
from yewu.common.errors import PermissionDenied, ValidationError
from yewu.customers.archive import selectors
from yewu.customers.documents import xlsx as exports
from yewu.customers.documents.xlsx import FormDoc, Section, Table
from yewu.customers.models import Confidentiality, Contact, Customer, DemandGrade, OwnershipChange, Status, Visit
from yewu.org.models import User
from yewu.org.permissions import can

PDF_MIME = "application/pdf"




RESTRICTED = (Confidentiality.CONFIDENTIAL, Confidentiality.TOP_SECRET)


PDF_MAX_ROWS = 3000  # a directory PDF longer than this is cut (the Excel has every row)


LEVEL_LABELS = {"full": "完整档案", "card": "服务卡", "name": "仅名称和负责人"}


def effective_level(c: Customer, today: date | None = None) -> str:
    """`cust.confidentiality`: after the 保密期限 the level drops to internal."""
    today = today or timezone.localdate()
    if c.confidentiality_expires_on and today > c.confidentiality_expires_on:
        return Confidentiality.INTERNAL
    return c.confidentiality


def restricted_q(today: date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(confidentiality__in=RESTRICTED) & (
        Q(confidentiality_expires_on__isnull=True) | Q(confidentiality_expires_on__gte=today)
    )


def may_export_restricted(user: User) -> bool:
    return can(user, "exports_confidential_customers")


def check_export_one(user: User, c: Customer) -> None:
    """A form of one 机密/绝密 customer leaves the system only for manager rank (`cust.export_control`)."""
    if effective_level(c) in RESTRICTED and not may_export_restricted(user):
        raise PermissionDenied(
            f"「{c.name}」为{c.get_confidentiality_display()}客户：导出或打印机密/绝密客户资料需经理级别（业务经理、客服经理、"
            "财务总监、总经理）", rule="cust.export_control")


class CreditView:
    """`selectors.can_see_credit` memoised per owner (the answer depends only on the owner and the viewer)."""

    def __init__(self, user: User):
        self.user, self._memo = user, {}

    def __call__(self, c: Customer) -> bool:
        if c.owner_id not in self._memo:
            self._memo[c.owner_id] = selectors.can_see_credit(self.user, c)
        return self._memo[c.owner_id]


def may_see_any_credit(user: User) -> bool:
    return can(user, "sees_some_credit")


def log_export(user: User, *, what: str, fmt: str, rows: int, withheld: int = 0, filters: dict | None = None,
                obj: Customer | None = None) -> None:
    after = {"form": what, "format": fmt, "filter": filters or {}, "rows": rows, "withheld": withheld}
    if obj is not None:
        after["level"] = effective_level(obj)
    reason = f"导出 {what}（{fmt}），{rows} 行" + (f"，略去 {withheld} 个机密/绝密客户" if withheld else "")
    record(actor=user, action="export", obj=obj, object_type="customers.customer", object_id=obj.pk if obj else "-",
           after=after, rule="cust.export_control", reason=reason)


FILTER_KEYS = ("q", "owner", "city", "status", "demand_grade")


def list_filters(params) -> dict[str, str]:
    f = {k: (params.get(k) or "").strip() for k in FILTER_KEYS}
    f = {k: v for k, v in f.items() if v}
    if f.get("owner") not in (None, "me", "pool"):
        raise ValidationError("owner 只能是 me 或 pool", fields={"owner": "me / pool"})
    if f.get("status") and f["status"] not in Status.values:
        raise ValidationError("状态无效", fields={"status": "、".join(Status.values)})
    if f.get("demand_grade") and f["demand_grade"] not in DemandGrade.values:
        raise ValidationError("需求等级只能是 A、B、C", fields={"demand_grade": "A/B/C"})
    for k, n in (("q", 100), ("city", 30)):
        if len(f.get(k, "")) > n:
            raise ValidationError(f"{k} 太长", fields={k: f"最多 {n} 个字符"})
    return f


def filtered_customers(user: User, f: dict[str, str]) -> QuerySet[Customer]:
    qs = selectors.search(selectors.customers_visible_to(user), f.get("q", ""))
    if f.get("owner") == "me":
        qs = qs.filter(owner=user)
    elif f.get("owner") == "pool":
        qs = qs.filter(owner__isnull=True)
    if f.get("city"):
        qs = qs.filter(city=f["city"])
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("demand_grade"):
        qs = qs.filter(demand_grade=f["demand_grade"])
    return qs


def filter_text(f: dict[str, str]) -> str:
    labels = {"q": "搜索", "owner": "负责人", "city": "城市", "status": "状态", "demand_grade": "需求等级"}
    values = {"me": "我的", "pool": "公海"}
    return "，".join(f"{labels[k]}={values.get(v, v) if k == 'owner' else v}" for k, v in f.items()) or "全部可见客户"


# (header, level, getter, width); level: name < card < full; "credit" = acl.finance_scope
def _contacts_text(c: Customer) -> str:
    out = []
    for ct in c.contacts.all():
        bits = [x for x in (ct.mobile, ct.phone, ct.email) if x]
        out.append(f"{ct.name}" + (f"（{ct.title}）" if ct.title else "") + (" " + " ".join(bits) if bits else ""))
    return "；".join(out)


def _local(dt):
    return timezone.localtime(dt).replace(tzinfo=None) if dt else None


_RANK = {"name": 0, "card": 1, "full": 2}


def export_customers_xlsx(user: User, params) -> tuple[bytes, int, int]:
    """The list the user sees, as Excel. Returns (bytes, rows, withheld)."""
    f = list_filters(params)
    today = timezone.localdate()
    qs = filtered_customers(user, f)
    withheld = 0
    if not may_export_restricted(user):
        withheld = qs.filter(restricted_q(today)).count()
        qs = qs.exclude(restricted_q(today))
    qs = (qs.select_related("owner").prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("-is_decision_maker", "id")))
          .order_by("id"))
    cols = [c for c in EXPORT_COLUMNS if c[1] != "credit" or may_see_any_credit(user)]
    v = selectors.viewer(user)
    credit = CreditView(user)
    counter = {"rows": 0, "limited": 0}

    def rows():
        for c in qs.iterator(chunk_size=2000):
            level = selectors.archive_level(user, c, v)
            see_credit = credit(c)
            counter["rows"] += 1
            if level != "full":
                counter["limited"] += 1
            out = []
            for _h, need, get, _w in cols:
                ok = see_credit and level == "full" if need == "credit" else _RANK[level] >= _RANK[need]
                out.append(get(c) if ok else "")
            out.append(LEVEL_LABELS[level])
            yield out

    now = timezone.localtime()
    notes = [
        f"导出人：{user.name}　时间：{now:%Y-%m-%d %H:%M}　筛选：{filter_text(f)}",
        "仅含您有权查看的客户（acl.sp_scope / acl.team_scope）；按密级只能看服务卡或名称的客户，其余列留空（cust.confidentiality）。",
    ]
    if withheld:
        notes.append(f"按规则 cust.export_control，已略去 {withheld} 个机密/绝密客户：导出机密/绝密客户需经理级别"
                     "（业务经理、客服经理、财务总监、总经理）。")
    else:
        notes.append("cust.export_control：本次导出未略去客户。")
    data = exports.table_xlsx(title="客户清单", headers=[c[0] for c in cols] + ["可见范围"], rows=rows(), notes=notes,
                              widths=[c[3] for c in cols] + [12])
    log_export(user, what="客户清单", fmt="xlsx", rows=counter["rows"], withheld=withheld, filters=f)
    return data, counter["rows"], withheld


def fmt_dt(dt) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if dt else ""


def money_text(v: Decimal | None) -> str:
    import cn2an

    if v is None:
        return ""
    text = f"¥{v:,.2f}"
    try:
        text += f"（人民币{cn2an.an2cn(str(v), 'rmb')}）"
    except Exception:  # noqa: BLE001 - the figure is what counts; the 大写 is a courtesy
        pass
    return text


def meta_lines(user: User) -> list[tuple[str, str]]:
    return [("打印人", user.name), ("打印时间", f"{timezone.localtime():%Y-%m-%d %H:%M}")]


def customer_or_404(user: User, pk: int) -> Customer:
    c = selectors.customer_for(user, pk)
    if c is None:
        raise Http404("客户不存在或无权查看")
    return c


def _contact_rows(c: Customer) -> list[list[Any]]:
    return [[ct.name, ct.title, "是" if ct.is_decision_maker else "", ct.mobile, ct.phone, ct.email, ct.wechat,
             ct.birthday or ""] for ct in c.contacts.all()]


CONTACT_HEADERS = ["姓名", "职务", "决策人", "手机", "电话", "邮箱", "微信", "生日"]


def card_doc(user: User, c: Customer) -> FormDoc:
    """客户档案卡（客户管理卡/客户资料表）: every field the viewer may see, contacts, grades, owner history."""
    level = selectors.archive_level(user, c)
    see_credit = level == "full" and selectors.can_see_credit(user, c)
    owner = c.owner.name if c.owner_id else "公海（未分配）"
    doc = FormDoc(title="客户档案卡", subtitle=f"{c.name}（编号 {c.pk}）", meta=meta_lines(user),
                  marking=c.get_confidentiality_display(),
                  footer="本档案卡由系统按实时数据生成；导出已记入审计日志（cust.export_control）。")
    if level == "full":
        doc.signatures = ["负责人", "业务经理审核", "客户信息管理员归档"]
    if level == "name":
        doc.sections.append(Section("基本信息", [("客户名称", c.name), ("负责人", owner)],
                                    note="按密级（cust.confidentiality）您只能查看名称和负责人。"))
        return doc
    ident = [("客户名称", c.name), ("简称", c.short_name)]
    if level == "full":
        ident += [("统一社会信用代码", c.credit_code or ""), ("类型", c.get_kind_display()),
                  ("类别", c.get_category_display() if c.category else ""), ("行业", c.industry),
                  ("经济性质", c.economic_nature), ("成立日期", c.founded_on or ""),
                  ("开始往来", c.trading_since or ""), ("资质", c.qualifications)]
    doc.sections.append(Section("一、基本信息", ident))
    doc.sections.append(Section("二、地址", [
        ("城市", c.city), ("区", c.district), ("区域", c.territory), ("广州客户", "是" if c.in_guangzhou else "否"),
        ("注册地址", c.registered_address), ("送货地址", c.delivery_address)]))
    ctrl = [("负责人", owner), ("状态", c.get_status_display())]
    if level == "full":
        ctrl += [("建档人", c.created_by.name if c.created_by_id and c.created_by else ""), ("建档时间", fmt_dt(c.created_at)),
                 ("收集日期", c.collected_on), ("录入期限", fmt_dt(c.entry_due_at) + ("（逾期录入）" if c.late_entry else "")),
                 ("分配时间", fmt_dt(c.assigned_at)), ("首次联系", fmt_dt(c.first_contact_at)),
                 ("最近联系", fmt_dt(c.last_contact_at)), ("审核", c.get_review_state_display()),
                 ("密级", c.get_confidentiality_display()), ("保密期限", c.confidentiality_expires_on or ""),
                 ("最近核实", fmt_dt(c.last_verified_at)), ("来源", c.get_source_display())]
    doc.sections.append(Section("三、管理信息", ctrl))
    if level == "full":
        grades = [("需求等级", f"{c.get_demand_grade_display()}（{'经理已确认' if c.demand_grade_confirmed else '待经理确认'}）"),
                  ("重点客户", "是" if c.key_customer else "否")]
        if see_credit:
            grades += [("信用等级", c.get_credit_grade_display() if c.credit_grade else "未评级"),
                       ("信用额度", money_text(c.credit_limit)), ("账期", f"{c.term_days} 天"),
                       ("暂停供货", "是" if c.supply_suspended else "否")]
        grades += [("发票", c.get_invoice_choice_display()), ("默认结算方式", c.default_settlement),
                   ("发工资时间", c.payday)]
        doc.sections.append(Section("四、等级与商务", grades,
                                    note="" if see_credit else "信用等级、额度仅财务、总经理、客服经理、负责人及其经理可见（acl.finance_scope）。"))
        doc.sections.append(Section("五、客户概况", [
            ("规模", c.scale), ("网络覆盖", c.network_coverage), ("潜力", c.potential), ("态度", c.attitude),
            ("竞争对手", c.competitors), ("采购流程", c.purchasing_procedure), ("主营业务及业绩", c.main_business),
            ("需求", c.needs)]))
    doc.sections.append(Section("六、联系人（客户通讯录）" if level == "full" else "四、联系人",
                                table=Table(CONTACT_HEADERS, _contact_rows(c), [12, 13, 10, 17, 18, 27, 14, 12])))
    if level == "full":
        hist = [[fmt_dt(h.at), h.get_kind_display(), h.from_user.name if h.from_user_id else "",
                 h.to_user.name if h.to_user_id else "公海", h.by.name if h.by_id else "", h.reason, h.rule]
                for h in OwnershipChange.objects.filter(customer=c).select_related("from_user", "to_user", "by")]
        doc.sections.append(Section("七、负责人变更记录", table=Table(
            ["时间", "类型", "原负责人", "新负责人", "操作人", "原因", "规则"], hist, [17, 10, 10, 10, 10, 26, 20])))
    else:
        doc.sections[-1].note = "按密级（cust.confidentiality）您只能查看服务卡：名称、地址、联系人、负责人和状态。"
    return doc


def visits_doc(user: User, c: Customer) -> FormDoc:
    """客户拜访记录簿 of one customer (SPEC §2.6); part of the full archive."""
    if selectors.archive_level(user, c) != "full":
        raise PermissionDenied("按密级您不能查看该客户的拜访记录", rule="cust.confidentiality")
    visits = Visit.objects.filter(customer=c).select_related("user", "accompanied_by").order_by("at", "id")
    rows = [[fmt_dt(v.at), v.get_channel_display(), v.contacts_met, v.purpose, v.get_step_display() if v.step else "",
             v.content, v.dissatisfaction, v.next_step, v.next_visit_on or "", v.user.name,
             v.accompanied_by.name if v.accompanied_by_id else "", "是" if v.unplanned else ""] for v in visits]
    owner = c.owner.name if c.owner_id else "公海（未分配）"
    return FormDoc(
        title="客户拜访记录簿", subtitle=f"{c.name}（编号 {c.pk}）　负责人：{owner}", meta=meta_lines(user),
        marking=c.get_confidentiality_display(), landscape=True,
        sections=[Section(f"拜访记录（共 {len(rows)} 次）", table=Table(
            ["时间", "方式", "接洽人", "目的", "进展", "内容", "不满及处理", "下一步", "下次拜访", "记录人", "陪同经理", "无走访单"],
            rows, [16, 7, 10, 16, 10, 28, 16, 13, 11, 8, 9, 9], empty_text="暂无拜访记录"),
            note="“无走访单”：外出拜访时没有出发前经业务经理批准的客户走访单（visit.plan_approval）。")],
        footer="本记录簿由系统按拜访记录生成，不可手工填写（cust.three_subrecords）。",
    )


NO_ORDERS = "暂无订单数据（订单模块未上线）"


def sales_record_doc(user: User, c: Customer) -> FormDoc:
    """客户进销记录簿: built from orders, shipments, returns and receipts — none of which exist yet, so the
    form shows its headers and says so (visible unfinished, not faked)."""
    if selectors.archive_level(user, c) != "full":
        raise PermissionDenied("按密级您不能查看该客户的进销记录", rule="cust.confidentiality")
    owner = c.owner.name if c.owner_id else "公海（未分配）"
    return FormDoc(
        title="客户进销记录簿", subtitle=f"{c.name}（编号 {c.pk}）　负责人：{owner}", meta=meta_lines(user),
        marking=c.get_confidentiality_display(), landscape=True,
        sections=[
            Section("一、进货（订单、发货、退货、回款）", table=Table(
                ["日期", "单据类型", "单号", "产品/型号", "数量", "单价", "金额", "回款", "应收余额", "备注"], [],
                [11, 10, 14, 24, 8, 10, 12, 12, 12, 16], empty_text=NO_ORDERS)),
            Section("二、按期间汇总", table=Table(
                ["期间", "订单金额", "发货金额", "退货金额", "回款金额", "期末应收"], [], [12, 14, 14, 14, 14, 14],
                empty_text=NO_ORDERS)),
            Section("三、终端动销与库存（线路拜访）", table=Table(
                ["日期", "产品/型号", "动销数量", "库存数量", "记录人"], [], [12, 30, 12, 12, 10],
                empty_text="暂无线路拜访数据（线路拜访模块未上线）")),
        ],
        footer="本记录簿由系统按订单、发货、退货、回款和线路拜访记录生成，不可手工填写（cust.three_subrecords）。",
    )


def contacts_doc(user: User, params, *, limit: int | None = None) -> tuple[FormDoc, int, int, dict]:
    """客户通讯录 of every visible customer (with the list filters). Returns (doc, rows, withheld, filters)."""
    f = list_filters(params)
    qs = filtered_customers(user, f)
    withheld = 0
    if not may_export_restricted(user):
        withheld = qs.filter(restricted_q()).count()
        qs = qs.exclude(restricted_q())
    v = selectors.viewer(user)
    rows: list[list[Any]] = []
    hidden = 0
    truncated = False
    cqs = qs.select_related("owner").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("-is_decision_maker", "id"))).order_by("name", "id")
    for c in cqs.iterator(chunk_size=2000):
        if selectors.archive_level(user, c, v) == "name":  # 绝密 without access: name and owner only
            hidden += 1
            continue
        owner = c.owner.name if c.owner_id else "公海"
        for ct in c.contacts.all():
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            rows.append([c.name, c.city, ct.name, ct.title, "是" if ct.is_decision_maker else "", ct.mobile, ct.phone,
                         ct.email, ct.wechat, owner])
        if truncated:
            break
    notes = [f"筛选：{filter_text(f)}；仅含您有权查看的客户。"]
    if withheld:
        notes.append(f"按规则 cust.export_control，已略去 {withheld} 个机密/绝密客户（导出需经理级别）。")
    if hidden:
        notes.append(f"{hidden} 个绝密客户按密级只显示名称和负责人，未列出联系人（cust.confidentiality）。")
    if truncated:
        notes.append(f"PDF 仅列出前 {limit} 条，完整通讯录请导出 Excel。")
    doc = FormDoc(
        title="客户通讯录", subtitle=f"共 {len(rows)} 位联系人", meta=meta_lines(user), landscape=True,
        sections=[Section("联系人", table=Table(
            ["客户", "城市", "联系人", "职务", "决策人", "手机", "电话", "邮箱", "微信", "负责人"], rows,
            [28, 8, 10, 12, 8, 14, 15, 24, 12, 9], empty_text="没有可列出的联系人"), note="\n".join(notes))],
        footer="导出已记入审计日志（cust.export_control）。",
    )
    return doc, len(rows), withheld, f


EXPORT_COLUMNS: list[tuple[str, str, Any, float]] = [
    ("编号", "name", lambda c: c.pk, 8),
    ("客户名称", "name", lambda c: c.name, 30),
    ("负责人", "name", lambda c: c.owner.name if c.owner_id else "公海", 10),
    ("简称", "card", lambda c: c.short_name, 12),
    ("城市", "card", lambda c: c.city, 8),
    ("区", "card", lambda c: c.district, 8),
    ("送货地址", "card", lambda c: c.delivery_address, 28),
    ("注册地址", "card", lambda c: c.registered_address, 28),
    ("状态", "card", lambda c: c.get_status_display(), 10),
    ("联系人", "card", _contacts_text, 40),
    ("统一社会信用代码", "full", lambda c: c.credit_code or "", 20),
    ("类型", "full", lambda c: c.get_kind_display(), 8),
    ("类别", "full", lambda c: c.get_category_display() if c.category else "", 10),
    ("行业", "full", lambda c: c.industry, 12),
    ("来源", "full", lambda c: c.get_source_display(), 10),
    ("需求等级", "full", lambda c: c.demand_grade + ("" if c.demand_grade_confirmed else "（待确认）"), 10),
    ("重点客户", "full", lambda c: c.key_customer, 8),
    ("密级", "full", lambda c: c.get_confidentiality_display(), 8),
    ("保密期限", "full", lambda c: c.confidentiality_expires_on, 11),
    ("发票", "full", lambda c: c.get_invoice_choice_display(), 14),
    ("收集日期", "full", lambda c: c.collected_on, 11),
    ("建档时间", "full", lambda c: _local(c.created_at), 17),
    ("最近联系", "full", lambda c: _local(c.last_contact_at), 17),
    ("审核", "full", lambda c: c.get_review_state_display(), 8),
    ("逾期录入", "full", lambda c: c.late_entry, 8),
    ("信用等级", "credit", lambda c: c.credit_grade or "未评级", 8),
    ("信用额度", "credit", lambda c: c.credit_limit, 12),
    ("账期天数", "credit", lambda c: c.term_days, 8),
    ("暂停供货", "credit", lambda c: c.supply_suspended, 8),
]
