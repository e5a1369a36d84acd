from decimal import Decimal

from django.conf import settings
from django.db import models

from yewu.common.bounds import fits


class Confidentiality(models.TextChoices):
    SECRET = "secret", "秘密"
    CONFIDENTIAL = "confidential", "机密"
    TOP_SECRET = "top_secret", "绝密"
    INTERNAL = "internal", "内部（已过保密期）"


class Status(models.TextChoices):
    LEAD = "lead", "线索"
    PROSPECT = "prospect", "潜在客户"
    ACTIVE = "active", "合作中"
    DORMANT = "dormant", "休眠"
    BLACKLISTED = "blacklisted", "黑名单"
    ARCHIVED = "archived", "已归档"


class Source(models.TextChoices):
    WEB = "web", "网络"
    DIRECT = "direct", "业务员开发"
    TRADE_SHOW = "trade_show", "展会"
    PRESS = "press", "行业媒体"
    ASSOCIATION = "association", "协会"
    REFERRAL = "referral", "转介绍"
    EVENT = "event", "公司活动"
    MARKET = "market", "市场部"
    WALK_IN = "walk_in", "来访/来电"
    OTHER = "other", "其他"


class DemandGrade(models.TextChoices):
    A = "A", "A 需求大且急"
    B = "B", "B 一般需求，考虑购买"
    C = "C", "C 潜在需求"


class CreditGrade(models.TextChoices):
    NONE = "", "未评级"
    A = "A", "A 信用良好"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D 不授信"


class Kind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    INDIVIDUAL = "individual", "个人"
    INSTITUTION = "institution", "机构"


class Category(models.TextChoices):
    END_USER = "end_user", "终端用户"
    DISTRIBUTOR = "distributor", "经销商"
    RETAILER = "retailer", "零售商"


class InvoiceChoice(models.TextChoices):
    VAT_SPECIAL = "vat_special", "增值税专用发票"
    GENERAL = "general", "普通发票"
    NONE = "none", "不开票"


class ReviewState(models.TextChoices):
    PENDING = "pending", "待审核"
    ACCEPTED = "accepted", "已审核"
    RETURNED = "returned", "已退回"


class Customer(models.Model):
    # identity
    name = models.CharField("客户名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    name_key = models.CharField(max_length=100, unique=True, help_text="规范化名称（查重）")
    search_initials = models.CharField(max_length=100, blank=True, db_index=True)
    search_pinyin = models.CharField(max_length=400, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    category = models.CharField("类别", max_length=20, choices=Category.choices, blank=True)
    industry = models.CharField("行业", max_length=50, blank=True)
    economic_nature = models.CharField("经济性质", max_length=50, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    trading_since = models.DateField("开始往来日期", null=True, blank=True)
    qualifications = models.TextField("资质", blank=True)
    # location
    city = models.CharField("城市", max_length=30, db_index=True)
    district = models.CharField("区", max_length=30, blank=True)
    territory = models.CharField("区域", max_length=30, blank=True)
    registered_address = models.CharField("注册地址", max_length=200, blank=True)
    delivery_address = models.CharField("送货地址", max_length=200, blank=True)
    # profile
    scale = models.CharField("规模", max_length=50, blank=True)
    network_coverage = models.CharField("网络覆盖", max_length=200, blank=True)
    main_business = models.TextField("主营业务及业绩", blank=True)
    potential = models.CharField("潜力", max_length=200, blank=True)
    attitude = models.CharField("态度", max_length=200, blank=True)
    competitors = models.CharField("竞争对手", max_length=200, blank=True)
    purchasing_procedure = models.TextField("采购流程", blank=True)
    needs = models.TextField("需求", blank=True)
    # commercial and credit
    invoice_choice = models.CharField("发票", max_length=20, choices=InvoiceChoice.choices, default=InvoiceChoice.VAT_SPECIAL)
    default_settlement = models.CharField("默认结算方式", max_length=20, blank=True)
    payday = models.CharField("发工资时间", max_length=30, blank=True)
    credit_grade = models.CharField("信用等级", max_length=1, choices=CreditGrade.choices, blank=True, default="")
    credit_limit = models.DecimalField("信用额度", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    term_days = models.PositiveIntegerField("账期天数", default=0)
    supply_suspended = models.BooleanField("暂停供货", default=False)
    # control
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="owned_customers", verbose_name="负责人")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("建档时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    collected_on = models.DateField("收集日期")
    entry_due_at = models.DateTimeField("录入期限")
    late_entry = models.BooleanField("逾期录入", default=False)
    assigned_at = models.DateTimeField("分配时间", null=True, blank=True)
    first_contact_at = models.DateTimeField("首次联系", null=True, blank=True)
    last_contact_at = models.DateTimeField("最近联系", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PROSPECT)
    review_state = models.CharField("审核", max_length=20, choices=ReviewState.choices, default=ReviewState.PENDING)
    key_customer = models.BooleanField("重点客户", default=False)
    confidentiality = models.CharField("密级", max_length=20, choices=Confidentiality.choices, default=Confidentiality.SECRET)
    confidentiality_expires_on = models.DateField("保密期限", null=True, blank=True)
    last_verified_at = models.DateTimeField("最近核实", null=True, blank=True)
    credit_rated_at = models.DateTimeField("最近授信", null=True, blank=True)
    credit_next_report_on = models.DateField("下次信用报告", null=True, blank=True)
    demand_grade = models.CharField("需求等级", max_length=1, choices=DemandGrade.choices, default=DemandGrade.C)
    demand_grade_confirmed = models.BooleanField("等级已确认", default=False)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    # web leads
    is_web_lead = models.BooleanField("网络线索", default=False)
    lead_received_at = models.DateTimeField("线索接收时间", null=True, blank=True)
    lead_tags = models.CharField("线索标签", max_length=200, blank=True)

    class Meta:
        constraints = [*fits("credit_limit", digits=14, places=2)]
        verbose_name = verbose_name_plural = "客户"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["city", "name_key"]),
        ]

    def __str__(self):
        return self.name

    @property
    def in_guangzhou(self) -> bool:
        """Derived from the delivery address (SPEC §4, Alt: registered address)."""
        addr = self.delivery_address or ""
        return "广州" in addr or (not addr and self.city == "广州")


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("姓名", max_length=50)
    title = models.CharField("职务", max_length=50, blank=True)
    is_decision_maker = models.BooleanField("决策人", default=False)
    mobile = models.CharField("手机", max_length=30, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    email = models.EmailField("邮箱", blank=True)
    wechat = models.CharField("微信", max_length=50, blank=True)
    birthday = models.DateField("生日", null=True, blank=True)
    mobile_norm = models.CharField(max_length=20, blank=True, db_index=True)
    phone_norm = models.CharField(max_length=20, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "联系人"
        ordering = ["-is_decision_maker", "id"]

    def __str__(self):
        return self.name


class Channel(models.TextChoices):
    VISIT = "visit", "拜访"
    PHONE = "phone", "电话"
    EMAIL = "email", "邮件"
    WECHAT = "wechat", "微信"
    FAX = "fax", "传真"
    POST = "post", "邮寄"
    OTHER = "other", "其他"


class VisitStep(models.TextChoices):
    PREPARATION = "preparation", "准备"
    OBSERVATION = "observation", "观察"
    OPENING = "opening", "开场"
    INTRODUCTION = "introduction", "产品介绍"
    OBJECTIONS = "objections", "异议处理"
    CLOSING = "closing", "促成"
    SIGNED = "signed", "签约"


class Visit(models.Model):
    """客户拜访记录簿 entry (SPEC §2.6)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="visits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits")
    at = models.DateTimeField("时间", db_index=True)
    channel = models.CharField("方式", max_length=20, choices=Channel.choices)
    contacts_met = models.CharField("接洽人", max_length=200, blank=True)
    purpose = models.CharField("目的", max_length=200)
    step = models.CharField("进展", max_length=20, choices=VisitStep.choices, blank=True)
    content = models.TextField("内容", blank=True)
    dissatisfaction = models.TextField("不满及处理", blank=True)
    next_step = models.CharField("下一步", max_length=200, blank=True)
    next_visit_on = models.DateField("下次拜访", null=True, blank=True)
    accompanied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name="陪同经理")
    unplanned = models.BooleanField("无走访单", default=False)
    plan = models.ForeignKey("VisitPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="visits",
                             verbose_name="客户走访单")
    meeting = models.BooleanField("会谈（需会谈纪要）", default=False)
    note_taker = models.CharField("记录人", max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "拜访记录"
        ordering = ["-at", "-id"]


class OwnershipChange(models.Model):
    class Kind(models.TextChoices):
        FILED = "filed", "建档"
        ALLOCATED = "allocated", "分配"
        TRANSFERRED = "transferred", "经理调整"
        RELEASED = "released", "释放到公海"
        OWNER_LEFT = "owner_left", "业务员离职"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="ownership_history")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField("原因", max_length=300, blank=True)
    rule = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["at", "id"]


# --- §2.7 credit -------------------------------------------------------------------------------------


class CreditInvestigation(models.Model):
    """客户信用调查表 (SPEC §2.7, P06): CS investigates (the SM in person for important customers)."""

    class Kind(models.TextChoices):
        FIRST = "first", "首次授信调查"
        PERIODIC = "periodic", "定期信用报告"

    class State(models.TextChoices):
        OPEN = "open", "待调查"
        SUBMITTED = "submitted", "已提交"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_investigations")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.FIRST)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    investigator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="调查人")
    in_person = models.BooleanField("业务经理亲自调查", default=False)
    investigated_on = models.DateField("调查日期", null=True, blank=True)
    registered_capital = models.DecimalField("注册资本（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    years_in_business = models.PositiveIntegerField("经营年限", null=True, blank=True)
    employees = models.PositiveIntegerField("员工人数", null=True, blank=True)
    annual_sales = models.DecimalField("年销售额（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    premises = models.CharField("经营场所", max_length=50, blank=True)
    bank = models.CharField("开户银行及账号", max_length=100, blank=True)
    legal_person = models.CharField("法定代表人", max_length=50, blank=True)
    payment_record = models.TextField("付款记录", blank=True)
    main_suppliers = models.CharField("主要供应商", max_length=200, blank=True)
    disputes = models.TextField("纠纷、诉讼", blank=True)
    business_status = models.TextField("经营状况", blank=True)
    conclusion = models.TextField("调查结论", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)

    class Meta:
        constraints = [*fits("registered_capital", "annual_sales", digits=16, places=2)]
        verbose_name = verbose_name_plural = "客户信用调查表"
        ordering = ["-created_at", "-id"]


class CreditRating(models.Model):
    """客户信用评等表 and the credit decision it proposes (`credit.grade_policy`, `credit.limit_grant`):
    FIN evaluates, the credit-limit group (SM + FD, GM when > 50,000) approves through the approval engine;
    only then do the customer's grade, limit and term change."""

    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "已生效"
        REJECTED = "rejected", "已驳回"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_ratings")
    investigation = models.ForeignKey(CreditInvestigation, on_delete=models.PROTECT, related_name="ratings")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="评定人")
    scores = models.JSONField("评分", default=dict)
    total = models.PositiveSmallIntegerField("总分")
    suggested_grade = models.CharField("建议等级", max_length=1)
    grade = models.CharField("评定等级", max_length=1, choices=CreditGrade.choices)
    credit_limit = models.DecimalField("信用额度", max_digits=14, decimal_places=2)
    term_days = models.PositiveIntegerField("账期天数")
    avg_monthly_sales = models.DecimalField("近6个月月均销售额", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    note = models.TextField("评定意见", blank=True)
    reasons = models.JSONField("规则判定", default=list)
    approvers = models.JSONField("审批角色", default=list)
    previous = models.JSONField("原等级/额度/账期", default=dict)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    approval_id = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [*fits("credit_limit", "avg_monthly_sales", digits=14, places=2)]
        verbose_name = verbose_name_plural = "客户信用评等表"
        ordering = ["-created_at", "-id"]


# --- §1.3 archive access (借阅) ----------------------------------------------------------------------


class AccessRequest(models.Model):
    """`cust.archive_access_request`: dated full-archive access (借阅), approved by the requester's department
    manager and granted by the CSM (绝密: and the GM). The 借阅卡 lists these and every 机密/绝密 full read."""

    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        GRANTED = "granted", "已授权"
        REJECTED = "rejected", "已驳回"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="access_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.CharField("申请时密级", max_length=20, choices=Confidentiality.choices)
    purpose = models.CharField("借阅目的", max_length=300)
    working_days = models.PositiveSmallIntegerField("借阅期限（工作日）")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    approval_id = models.PositiveIntegerField(null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField("借阅至", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "档案借阅申请"
        ordering = ["-created_at", "-id"]


# --- §2.6 visit plans and minutes ------------------------------------------------------------------------


class VisitPlan(models.Model):
    """客户走访单 (`visit.plan_approval`): approved by the SM before its start; ADM then sees it."""

    class State(models.TextChoices):
        PENDING = "pending", "待经理批准"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_plans")
    customers = models.ManyToManyField(Customer, related_name="visit_plans", verbose_name="客户")
    starts_at = models.DateTimeField("出发时间")
    ends_at = models.DateTimeField("结束时间")
    objectives = models.TextField("走访目的")
    plan = models.TextField("走访计划", blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    approval_id = models.PositiveIntegerField(null=True, blank=True)
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    approved_late = models.BooleanField("出发后才批准", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "客户走访单"
        ordering = ["-starts_at", "-id"]


class Minutes(models.Model):
    """会谈纪要 (`visit.minutes_2wd`): written within 2 WD of the meeting, then SM review → sent → receipt."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待经理审阅"
        REVIEWED = "reviewed", "经理已审阅"
        RETURNED = "returned", "经理退回"
        SENT = "sent", "已发送客户"
        CONFIRMED = "confirmed", "客户已确认"

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="minutes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note_taker = models.CharField("记录人", max_length=50)
    attendees = models.CharField("参加人员", max_length=300, blank=True)
    content = models.TextField("会谈内容")
    agreements = models.TextField("达成事项", blank=True)
    due_at = models.DateTimeField("应提交时间")
    written_at = models.DateTimeField("提交时间")
    late = models.BooleanField("逾期提交", default=False)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField("审阅意见", max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "会谈纪要"
        ordering = ["-written_at", "-id"]


# --- §2.5 monthly customer information report ---------------------------------------------------------------


class InfoReport(models.Model):
    """客户信息报告 (`cust.monthly_info_report`): each SP, days 1–7 of each month."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="info_reports")
    month = models.DateField("月份", help_text="该月1日")
    changes = models.TextField("客户变动情况")
    competition = models.TextField("竞争环境")
    other = models.TextField("其他", blank=True)
    submitted_at = models.DateTimeField("提交时间")
    late = models.BooleanField("逾期提交", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "客户信息报告"
        ordering = ["-month", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "month"], name="info_report_user_month_unique")]


from yewu.customers.models_imports import ImportJob, ImportRow  # noqa: E402, F401  (registered with the app)


class SearchToken(models.Model):
    """The search and duplicate-candidate index of a customer (issue 14; tokens: ``customers/search/tokens.py``),
    kept by the services that write customers and contacts."""

    # no database constraint: a derived index, written ~50 rows a customer (the import: ~25,000 a chunk), whose
    # per-row foreign-key check cost PostgreSQL as much as the insert itself; Django still cascades the delete
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False,
                                 db_constraint=False)
    token = models.CharField(max_length=64)

    class Meta:
        verbose_name = "客户检索词"
        indexes = [models.Index(fields=["token", "customer"], name="cust_searchtoken_tok"),
                   models.Index(fields=["customer"], name="cust_searchtoken_cust")]
