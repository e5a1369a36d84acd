"""SPEC §6.4 service jobs (arrival SLA in working hours, close only with a signature, paid jobs invoiced) and the
public no-login form (reference number + phone, throttled per IP and per phone, reveals nothing else)."""

import base64
import struct
import zlib
from datetime import datetime, timedelta

from django.test import Client, override_settings
from django.utils import timezone

from yewu.common.models import Notification
from yewu.finance.models import InvoiceRequest
from yewu.policy.calendar import TZ
from yewu.service.jobs import services as jobs
from yewu.service.models import ServiceJob, Ticket


def png(w=40, h=20) -> bytes:
    raw = b"".join(b"\x00" + bytes([0, 0, 0] * w) for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    out += chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")
    return out


SIG = "data:image/png;base64," + base64.b64encode(png()).decode()


def test_register_sets_arrival_due_in_working_hours_spec_example(svc):
    reg = datetime(2025, 9, 30, 16, 0, tzinfo=TZ)
    j = jobs.register_job(svc.co.cs, jobs.JobIn(category="C", district="天河", problem="不通电", customer_id=svc.cust.pk,
                                                registered_at=reg), now=reg + timedelta(minutes=5))
    assert j.zone == "urban" and j.arrival_due_at == datetime(2025, 10, 9, 14, 0, tzinfo=TZ)
    s = jobs.register_job(svc.co.cs, jobs.JobIn(category="D", district="番禺区", problem="x", registered_at=reg),
                          now=reg + timedelta(minutes=5))
    assert s.zone == "suburban" and s.arrival_due_at == datetime(2025, 10, 9, 15, 0, tzinfo=TZ)


def test_unknown_district_refused_naming_rule(svc):
    code, err = svc.post(svc.co.cs, "/api/v1/service-jobs", {"category": "A", "district": "火星", "problem": "x"})
    assert code == 400 and err["rule"] == "service.arrival_sla" and "district" in err["fields"]
    assert ServiceJob.objects.count() == 0


def test_close_needs_signature_then_paid_job_asks_finance_for_an_invoice(svc):
    co = svc.co
    code, j = svc.post(co.cs, "/api/v1/service-jobs", {"category": "A", "district": "海珠", "problem": "维修",
                                                       "customer_id": svc.cust.pk})
    assert code == 201 and j["arrival_rule"] == "service.arrival_sla"
    svc.post(co.cs, f"/api/v1/service-jobs/{j['id']}/dispatch", {"technician_id": co.sales2.pk})
    assert svc.post(co.sales2, f"/api/v1/service-jobs/{j['id']}/arrive", {})[0] == 200
    code, err = svc.post(co.sales2, f"/api/v1/service-jobs/{j['id']}/close", {"work_done": "已修好", "signer_name": "王工"})
    assert code == 422 and err["rule"] == "service.close_signature" and "signature" in err["fields"]
    assert ServiceJob.objects.get(pk=j["id"]).state == "arrived"
    code, err = svc.post(co.sales2, f"/api/v1/service-jobs/{j['id']}/close", {"work_done": "x", "signer_name": "王工",
                                                                              "signature": "data:image/png;base64,AAAA"})
    assert code in (400, 422) and "signature" in err["fields"]
    code, out = svc.post(co.sales2, f"/api/v1/service-jobs/{j['id']}/close", {"work_done": "已修好", "signer_name": "王工",
                                                                              "signature": SIG, "amount": "300"})
    assert code == 200 and out["state"] == "closed" and out["signed"] and out["invoice_requested"]
    assert InvoiceRequest.objects.filter(source=f"service_job:{j['id']}", amount=300, customer=svc.cust).count() == 1
    assert svc.post(co.sales2, f"/api/v1/service-jobs/{j['id']}/close", {"work_done": "x", "signature": SIG,
                                                                         "signer_name": "王工"})[0] == 409


def test_carry_in_needs_the_four_checks(svc):
    co = svc.co
    j = jobs.register_job(co.cs, jobs.JobIn(category="C", district="天河", problem="送修", carry_in=True))
    jobs.dispatch(co.cs, j.pk, co.cs.pk)
    jobs.arrive(co.cs, j.pk)
    code, err = svc.post(co.cs, f"/api/v1/service-jobs/{j.pk}/close", {"work_done": "x", "signer_name": "王工",
                                                                       "signature": SIG,
                                                                       "checks": {"pickup_receipt": True}})
    assert code == 422 and set(err["fields"]) == {"register_entry", "repair_tag", "supervisor_inspected"}


def test_late_job_escalates_once(svc):
    j = jobs.register_job(svc.co.cs, jobs.JobIn(category="D", district="天河", problem="x"))
    later = j.arrival_due_at + timedelta(minutes=1)
    assert jobs.escalate_late(later)["jobs_escalated"] == 1 and jobs.escalate_late(later)["jobs_escalated"] == 0
    assert Notification.objects.filter(user=svc.co.csmanager, rule="service.dispatch").exists()


def test_public_form_reference_and_status_reveal_nothing_else(svc):
    c = Client(REMOTE_ADDR="10.9.8.7")
    r = c.post("/api/v1/public/tickets", {"type": "complaint", "name": "陈先生", "phone": "13700001234",
                                          "region": "广州番禺", "content": "送货晚了"}, content_type="application/json")
    assert r.status_code == 201
    number = r.json()["number"]
    t = Ticket.objects.get(number=number)
    assert t.channel == "web" and t.public and t.complaint.step == "intake" and t.customer_id is None
    ok = c.get(f"/api/v1/public/tickets/status?number={number}&phone=137-0000-1234")
    assert ok.status_code == 200 and ok.json()["state"] == "待处理" and "content" not in ok.json()
    wrong = c.get(f"/api/v1/public/tickets/status?number={number}&phone=13700009999")
    other = c.get("/api/v1/public/tickets/status?number=YWKF-00000000-01&phone=13700001234")
    assert wrong.status_code == other.status_code == 404 and wrong.json()["message"] == other.json()["message"]
    # the HTML page works without login
    page = Client(REMOTE_ADDR="10.9.8.8")
    assert page.get("/service/public/").status_code == 200
    r = page.post("/service/public/", {"type": "inquiry", "name": "李女士", "phone": "13600001111", "region": "佛山",
                                       "content": "咨询价格"})
    assert r.status_code == 200 and "YWKF-" in r.content.decode()


@override_settings(YEWU_PUBLIC_FORM_LIMITS={"submit_per_ip_hour": 2, "submit_per_phone_day": 2})
def test_public_form_throttled_per_ip_and_per_phone(svc):
    def send(ip, phone):
        return Client(REMOTE_ADDR=ip).post("/api/v1/public/tickets", {
            "type": "inquiry", "name": "x", "phone": phone, "region": "广州", "content": "y"}, content_type="application/json")

    assert send("1.1.1.1", "13500000001").status_code == 201
    assert send("1.1.1.1", "13500000002").status_code == 201
    flood = send("1.1.1.1", "13500000003")
    assert flood.status_code == 429 and flood.json()["rule"] == "public_form.throttle" and "ip" in flood.json()["fields"]
    assert send("2.2.2.2", "13500000001").status_code == 201
    r = send("3.3.3.3", "13500000001")
    assert r.status_code == 429 and "phone" in r.json()["fields"]
    assert Ticket.objects.count() == 3


def test_public_honeypot_and_bad_input_change_nothing(svc):
    c = Client(REMOTE_ADDR="4.4.4.4")
    r = c.post("/api/v1/public/tickets", {"type": "complaint", "name": "bot", "phone": "13700001234", "region": "x",
                                          "content": "spam", "website": "http://spam"}, content_type="application/json")
    assert r.status_code == 400
    r = c.post("/api/v1/public/tickets", {"type": "claim", "name": "x", "phone": "13700001234", "region": "x",
                                          "content": "x"}, content_type="application/json")
    assert r.status_code == 400 and "type" in r.json()["fields"]
    assert Ticket.objects.count() == 0


def test_survey_rates_four_items(svc):
    j = jobs.register_job(svc.co.cs, jobs.JobIn(category="C", district="天河", problem="x"))
    code, err = svc.post(svc.co.cs, f"/api/v1/service-jobs/{j.pk}/survey", {"ratings": {"attitude": 4}})
    assert code == 400 and err["rule"] == "service.survey_100pct"
    code, _ = svc.post(svc.co.cs, f"/api/v1/service-jobs/{j.pk}/survey",
                       {"ratings": {"attitude": 4, "skill": 3, "arrival": 4, "follow_through": 2}})
    assert code == 200
    assert j.survey.due_on > timezone.localdate(j.registered_at)
