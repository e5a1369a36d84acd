"""Form parsing for the customer pages. Forms only turn POST data into typed values; every business rule
(required contact, duplicate, entry deadline, who may do what) is checked by ``services``."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from yewu.customers.archive.services import TEXT_FIELDS
from yewu.customers.models import (
    Category,
    Channel,
    Confidentiality,
    DemandGrade,
    InvoiceChoice,
    Kind,
    Source,
    Status,
    VisitStep,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices):
    return [("", "—")] + list(choices)


def _text(name, textarea=False):
    label, n = TEXT_FIELDS[name]
    widget = forms.Textarea(attrs={"rows": 2}) if textarea else forms.TextInput()
    return forms.CharField(label=label, max_length=n, required=False, widget=widget)


# archive groups of SPEC §2.1 (besides the required core): (legend, [field names])
ARCHIVE_GROUPS = [
    ("身份信息", ["short_name", "credit_code", "kind", "category", "industry", "economic_nature", "founded_on",
                  "trading_since", "qualifications"]),
    ("地址与区域", ["district", "territory", "registered_address", "delivery_address"]),
    ("客户概况", ["scale", "network_coverage", "main_business", "potential", "attitude", "competitors",
                  "purchasing_procedure", "needs"]),
    ("商务信息", ["invoice_choice", "default_settlement", "payday"]),
]
EXTRA_FIELDS = [f for _, names in ARCHIVE_GROUPS for f in names if f != "credit_code"]


class ArchiveForm(forms.Form):
    """Core + archive fields shared by the filing and the edit form."""

    name = forms.CharField(label="客户名称", max_length=100, required=False,
                           widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"}))
    city = forms.CharField(label="城市", max_length=30, required=False, widget=forms.TextInput(attrs={"required": True}))
    source = forms.ChoiceField(label="客户来源", choices=_blank(Source.choices), required=False,
                               widget=forms.Select(attrs={"required": True}))
    demand_grade = forms.ChoiceField(label="需求等级", choices=DemandGrade.choices, initial=DemandGrade.C)
    # identity
    short_name = _text("short_name")
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False,
                                  widget=forms.TextInput(attrs={"autocapitalize": "characters"}))
    kind = forms.ChoiceField(label="类型", choices=Kind.choices, initial=Kind.ENTERPRISE)
    category = forms.ChoiceField(label="类别", choices=_blank(Category.choices), required=False)
    industry = _text("industry")
    economic_nature = _text("economic_nature")
    founded_on = forms.DateField(label="成立日期", required=False, widget=DATE)
    trading_since = forms.DateField(label="开始往来日期", required=False, widget=DATE)
    qualifications = _text("qualifications", textarea=True)
    # location
    district = _text("district")
    territory = _text("territory")
    registered_address = _text("registered_address")
    delivery_address = _text("delivery_address")
    # profile
    scale = _text("scale")
    network_coverage = _text("network_coverage")
    main_business = _text("main_business", textarea=True)
    potential = _text("potential")
    attitude = _text("attitude")
    competitors = _text("competitors")
    purchasing_procedure = _text("purchasing_procedure", textarea=True)
    needs = _text("needs", textarea=True)
    # commercial
    invoice_choice = forms.ChoiceField(label="发票", choices=InvoiceChoice.choices, initial=InvoiceChoice.VAT_SPECIAL)
    default_settlement = _text("default_settlement")
    payday = _text("payday")

    def groups(self):
        """(legend, bound fields, open?) — a group opens when it holds an error or a filled-in value."""
        out = []
        for legend, names in ARCHIVE_GROUPS:
            bfs = [self[n] for n in names]
            is_open = any(bf.errors for bf in bfs) or any(
                bf.value() not in (None, "", bf.field.initial) for bf in bfs if not bf.field.initial
            )
            out.append((legend, bfs, is_open))
        return out

    def extra(self) -> dict:
        d = self.cleaned_data
        return {k: d.get(k) for k in EXTRA_FIELDS if d.get(k) not in (None, "") or k == "category"}


class CustomerNewForm(ArchiveForm):
    collected_on = forms.DateField(label="收集日期", required=False, widget=DATE,
                                   help_text="拿到客户资料的日期；须在 2 个工作日内录入")
    owner = forms.TypedChoiceField(label="负责人", coerce=int, required=False, empty_value=None,
                                   help_text="留空：业务员本人建档归本人；经理建档留空进入公海")
    force_reason = forms.CharField(label="仍然建档的理由", max_length=300, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *a, owner_choices=None, **kw):
        super().__init__(*a, **kw)
        self.fields["collected_on"].initial = timezone.localdate()
        if owner_choices:
            self.fields["owner"].choices = [("", "—（公海/本人）")] + list(owner_choices)
        else:
            del self.fields["owner"]


class CustomerEditForm(ArchiveForm):
    status = forms.ChoiceField(label="状态", choices=Status.choices)
    confidentiality = forms.ChoiceField(label="密级", choices=Confidentiality.choices)
    key_customer = forms.BooleanField(label="重点客户", required=False)


class ConfidentialityForm(forms.Form):
    """The level alone (cust.confidentiality), for who sets levels but may not edit the rest of the archive."""

    confidentiality = forms.ChoiceField(label="密级", choices=Confidentiality.choices)


class ContactForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    title = forms.CharField(label="职务", max_length=50, required=False)
    is_decision_maker = forms.BooleanField(label="决策人", required=False)
    mobile = forms.CharField(label="手机", max_length=30, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    phone = forms.CharField(label="电话", max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    email = forms.CharField(label="邮箱", max_length=100, required=False, widget=forms.TextInput(attrs={"inputmode": "email"}))
    wechat = forms.CharField(label="微信", max_length=50, required=False)
    birthday = forms.DateField(label="生日", required=False, widget=DATE)

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", None) or {}
        return not any(d.get(k) for k in ("name", "title", "mobile", "phone", "email", "wechat"))


def contact_forms(data=None, n=3):
    return [ContactForm(data, prefix=f"c{i}") for i in range(n)]


class VisitForm(forms.Form):
    channel = forms.ChoiceField(label="方式", choices=Channel.choices, initial=Channel.PHONE)
    purpose = forms.CharField(label="目的", max_length=200, required=False, widget=forms.TextInput(attrs={"required": True}))
    contacts_met = forms.CharField(label="接洽人", max_length=200, required=False)
    step = forms.ChoiceField(label="进展", choices=_blank(VisitStep.choices), required=False)
    content = forms.CharField(label="沟通内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    dissatisfaction = forms.CharField(label="不满及处理", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label="下一步", max_length=200, required=False)
    next_visit_on = forms.DateField(label="下次拜访日期", required=False, widget=DATE)
    meeting = forms.BooleanField(label="会谈（面谈，需2个工作日内写会谈纪要）", required=False)
    note_taker = forms.CharField(label="会谈记录人", max_length=50, required=False)


class TransferForm(forms.Form):
    to_user_id = forms.TypedChoiceField(label="接手业务员", coerce=int)
    reason = forms.CharField(label="调整原因", max_length=300, required=False, widget=forms.TextInput(attrs={"required": True}))

    def __init__(self, *a, sp_choices=(), **kw):
        super().__init__(*a, **kw)
        self.fields["to_user_id"].choices = list(sp_choices)


class LeadForm(forms.Form):
    name = forms.CharField(label="客户名称", max_length=100, required=False, widget=forms.TextInput(attrs={"required": True}))
    city = forms.CharField(label="城市", max_length=30, required=False, widget=forms.TextInput(attrs={"required": True}))
    contact = forms.CharField(label="联系人", max_length=50, required=False, widget=forms.TextInput(attrs={"required": True}))
    phone = forms.CharField(label="电话/手机", max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    email = forms.CharField(label="邮箱", max_length=100, required=False)
    needs = forms.CharField(label="需求", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    tags = forms.CharField(label="标签", max_length=200, required=False, help_text="逗号分隔，如 线束,电缆")


class ListFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False)
    scope = forms.ChoiceField(label="范围", required=False,
                              choices=[("", "全部可见"), ("mine", "我的客户"), ("pool", "公海/待分配")])
    city = forms.CharField(label="城市", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态")] + list(Status.choices))
    grade = forms.ChoiceField(label="需求等级", required=False, choices=[("", "全部等级")] + list(DemandGrade.choices))
