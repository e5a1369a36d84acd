"""Reads for service jobs: CS/CSM and the GM see all; a technician the jobs assigned to them; an SP/SM the jobs of
customers they may see (the tickets scope applies the same customer rule); finance the paid jobs (A, B) it invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Avg, Q, QuerySet
from django.utils import timezone

from yewu.finance.models import Invoice, RequestState
from yewu.finance.selectors import ChargeInvoicing, charge_invoicing
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids
from yewu.policy import service as rules

from ..models import MaintenanceContract, ServiceJob, Survey


def jobs_visible_to(user: User) -> QuerySet[ServiceJob]:
    qs = ServiceJob.objects.select_related("customer", "technician")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if can(user, "sees_all_tickets"):
        return qs
    q = Q(technician=user)
    if can(user, "sees_team_service"):
        q |= Q(customer__owner__team_id__in=managed_team_ids(user))
    if can(user, "sees_own_customers_service"):
        q |= Q(customer__owner=user)
    if can(user, "reads_paid_service_jobs"):  # service.close_signature: finance checks the fee it invoices
        q |= Q(category__in=rules.PAID_CATEGORIES)
    return qs.filter(q)


def job_queue(user: User, now=None) -> list[ServiceJob]:
    """The jobs list in the dispatcher's order (`service.dispatch`): calls left undispatched on an earlier day first,
    then the other open jobs by arrival deadline, then the closed ones."""
    day = timezone.localdate(now or timezone.now())
    rows = list(jobs_visible_to(user)[:300])
    for j in rows:
        j.first = j.state == ServiceJob.State.REGISTERED and timezone.localdate(j.registered_at) < day
    return sorted(rows, key=lambda j: (not j.first, j.state == ServiceJob.State.CLOSED, j.arrival_due_at))[:200]


def job_for(user: User, pk: int) -> ServiceJob | None:
    return jobs_visible_to(user).filter(pk=pk).first()


@dataclass(frozen=True)
class JobInvoice:
    """`service.close_signature`: what became of a paid job's invoice, for the job page and the API alike — when
    finance was told (the completion day), the invoice request and its state, and the invoice once finance issued
    it. Amounts are None for a viewer who may not see amounts (`acl.ops_scope`); ``text`` says it all in one line."""

    rule: str
    requested_at: datetime
    state: str  # "notified" (no request: no customer or no fee) or the request's state (finance RequestState)
    state_label: str
    request_number: str
    merged_into: str  # the larger VAT special request now carrying this charge (`invoice.vat_min_5000`)
    kind_label: str
    charge: Decimal | None  # this job's fee
    request_amount: Decimal | None  # the request's total (more than the fee once merged)
    invoice_number: str
    issued_on: date | None
    invoice_amount: Decimal | None
    invoice_reversed: bool
    text: str


def job_invoices(user: User, jobs) -> dict[int, JobInvoice]:
    """:class:`JobInvoice` per job (by pk) whose completion told finance to invoice; free jobs are left out."""
    jobs = [j for j in jobs if j.invoice_requested_at]
    found = charge_invoicing(f"service_job:{j.pk}" for j in jobs)
    amounts = can(user, "sees_prices")
    return {j.pk: _job_invoice(j, found.get(f"service_job:{j.pk}"), amounts) for j in jobs}


def job_invoice(user: User, job: ServiceJob) -> JobInvoice | None:
    return job_invoices(user, [job]).get(job.pk)


def _yuan(v: Decimal) -> str:
    return f"¥{v:,.2f}"


def _job_invoice(j: ServiceJob, ci: ChargeInvoicing | None, amounts: bool) -> JobInvoice:
    text = f"完工当日 {timezone.localtime(j.invoice_requested_at):%Y-%m-%d %H:%M} 已通知财务开票"
    charge = j.amount if amounts else None
    if ci is None:  # no customer or no fee: finance was told to look at the job (no invoice request)
        return JobInvoice(rule="service.close_signature", requested_at=j.invoice_requested_at, state="notified",
                          state_label="已通知财务核对", request_number="", merged_into="", kind_label="", charge=charge,
                          request_amount=None, invoice_number="", issued_on=None, invoice_amount=None,
                          invoice_reversed=False, text=text + "（无客户或未填收费金额，未生成开票申请，由财务核对服务单）")
    req, now = ci.asked, ci.carrier
    merged = now.pk != req.pk
    text += f"：开票申请 {req.number}（{req.get_kind_display()}"
    if amounts:  # a request that took in earlier waiting ones carries more than this job's fee
        text += f" {_yuan(req.amount)}" + (f"，含本单 {_yuan(j.amount)}" if req.amount != j.amount else "")
    text += "）"
    if merged:
        text += f"，已并入 {now.number}" + (f"（合计 {_yuan(now.amount)}）" if amounts else "")
    inv = next((i for i in ci.invoices if i.state != Invoice.State.RED), None)
    if inv is None:
        text += f"，{now.get_state_display()}"
    else:
        text += f"，财务已开票：发票号码 {inv.tax_number}，{inv.issued_on:%Y-%m-%d} 开具"
        if amounts:
            text += f"，价税合计 {_yuan(inv.amount)}" + (f"（含本单 {_yuan(j.amount)}）" if merged else "")
        if inv.state == Invoice.State.REVERSED or now.state == RequestState.REVERSED:
            text += "；该发票已红冲"
    return JobInvoice(rule="service.close_signature", requested_at=j.invoice_requested_at, state=now.state,
                      state_label=now.get_state_display(), request_number=req.number,
                      merged_into=now.number if merged else "", kind_label=req.get_kind_display(), charge=charge,
                      request_amount=now.amount if amounts else None,
                      invoice_number=inv.tax_number if inv else "", issued_on=inv.issued_on if inv else None,
                      invoice_amount=inv.amount if inv and amounts else None,
                      invoice_reversed=bool(inv) and inv.state == Invoice.State.REVERSED, text=text)


def technician_table(year: int, month: int) -> list[dict]:
    """`service.survey_100pct`: the monthly technician appraisal — per technician the jobs closed in the month,
    the surveys done in it, the average (1–4) of each of the four items and overall, and late arrivals."""
    items = list(rules.SURVEY_ITEMS)
    surveys = Survey.objects.filter(done_at__year=year, done_at__month=month, job__technician__isnull=False)
    jobs = ServiceJob.objects.filter(closed_at__year=year, closed_at__month=month, technician__isnull=False)
    by_tech: dict[int, dict] = {}
    for u in User.objects.filter(pk__in=set(surveys.values_list("job__technician", flat=True))
                                 | set(jobs.values_list("technician", flat=True))):
        by_tech[u.pk] = {"technician_id": u.pk, "technician": u.name, "jobs": 0, "surveys": 0, "late_arrivals": 0,
                        "_r": []}
    for j in jobs:
        row = by_tech[j.technician_id]
        row["jobs"] += 1
        row["late_arrivals"] += bool(j.arrived_at and j.arrived_at > j.arrival_due_at)
    for s in surveys.select_related("job"):
        by_tech[s.job.technician_id]["_r"].append(s.ratings)
    out = []
    for row in sorted(by_tech.values(), key=lambda r: r["technician"]):
        rs = row.pop("_r")
        row["surveys"] = len(rs)
        for k in items:
            row[k] = _avg([r.get(k, 0) for r in rs])
        row["average"] = _avg([r.get(k, 0) for r in rs for k in items])
        out.append(row)
    return out


def _avg(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(Decimal("0.01"))


def surveys_due(day=None, limit: int = 100):
    """`service.survey_100pct`: the surveys due by ``day`` (default today) and not yet done, oldest first."""
    day = day or timezone.localdate()
    return (Survey.objects.filter(done_at__isnull=True, due_on__lte=day)
            .select_related("job", "job__customer", "job__technician").order_by("due_on", "id")[:limit])


def contracts_near_renewal(limit: int = 50):
    return MaintenanceContract.objects.select_related("customer").order_by("ends_on")[:limit]


def avg_arrival_hours():
    return ServiceJob.objects.exclude(arrival_hours__isnull=True).aggregate(a=Avg("arrival_hours"))["a"]
