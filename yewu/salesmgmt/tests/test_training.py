"""training.cadence: records and the gaps list."""

from datetime import date

import pytest

from yewu.common.errors import ValidationError
from yewu.salesmgmt.training import selectors, services


def test_gaps_list_and_records(company):
    today = date(2025, 10, 15)
    g = selectors.gaps(company.manager, today)
    msgs = [x["message"] for x in g]
    assert any("张三 未完成入职培训" in m for m in msgs) and any("集中培训" in m for m in msgs)
    assert any("周例训" in m for m in msgs)
    services.record_training(company.manager, kind="induction", title="入职培训（总经理最后一课）", day=date(2025, 1, 6),
                             days=3, trainer_id=company.gm.pk, attendee_ids=[company.sales1.pk])
    for d in (date(2025, 3, 10), date(2025, 9, 8)):
        services.record_training(company.manager, kind="collective", title="集中培训", day=d, days=2,
                                 trainer_id=company.gm.pk, attendee_ids=[company.sales1.pk])
    msgs = [x["message"] for x in selectors.gaps(company.manager, today)]
    assert not any(m.startswith("张三") for m in msgs) and any(m.startswith("李四") for m in msgs)
    with pytest.raises(ValidationError):
        services.record_training(company.manager, kind="collective", title="x", day=today, days=0,
                                 trainer_id=company.gm.pk, attendee_ids=[company.sales1.pk])


def test_each_published_process_version_is_trained_to_its_roles(company, client):
    from yewu.processes.models import ProcessDefinition, ProcessStep

    today = date(2025, 10, 15)
    p = ProcessDefinition.objects.create(code="P90", name="测试下单流程", version=2,
                                         status=ProcessDefinition.Status.PUBLISHED)
    ProcessStep.objects.create(definition=p, code="a1", order=1, role="SP", action="录入订单")
    draft = ProcessDefinition.objects.create(code="P90", name="测试下单流程", version=3)
    ProcessStep.objects.create(definition=draft, code="a1", order=1, role="SP", action="录入订单")

    def gap():
        return [g for g in selectors.gaps(company.manager, today) if str(g.get("process", "")).startswith("P90")]  # P01… are seeded

    g = gap()
    assert [x["process"] for x in g] == ["P90 v2"]  # the draft version v3 is not listed
    assert "张三" in g[0]["message"] and "李四" in g[0]["message"]
    with pytest.raises(ValidationError):  # only a published version can be trained
        services.record_training(company.manager, kind="process", title="P90 v3", day=today, days=1,
                                 trainer_id=company.manager.pk, attendee_ids=[company.sales1.pk], process_id=draft.pk)
    services.record_training(company.manager, kind="process", title="P90 v2 培训", day=today, days=1,
                             trainer_id=company.manager.pk, attendee_ids=[company.sales1.pk], process_id=p.pk)
    g = gap()
    assert "张三" not in g[0]["message"] and "李四" in g[0]["message"] and g[0]["missing"] == 1
    client.force_login(company.manager)
    page = client.get("/salesmgmt/training/").content.decode()
    assert "流程 P90 测试下单流程 v2 已发布，1 人未接受该版本培训：李四" in page and "P90 v2" in page
    services.record_training(company.manager, kind="process", title="P90 v2 培训", day=today, days=1,
                             trainer_id=company.manager.pk, attendee_ids=[company.sales2.pk], process_id=p.pk)
    assert gap() == []


def test_training_through_the_api(company, api_client, jpost):
    """The SM records the weekly session of the team and sees it with the cadence's gaps; a salesperson may not
    read the records; bad input is a 4xx naming the field."""
    sm = api_client(company.manager)
    body = {"kind": "weekly", "title": "周例训：新品卖点", "day": "2025-10-13", "days": 1, "trainer_id": company.manager.pk,
            "attendee_ids": [company.sales1.pk, company.sales2.pk], "team_id": company.team1.pk}
    r = jpost(sm, "/api/v1/training", body)
    assert r.status_code == 200, r.content
    t = r.json()
    assert t["kind_label"] == "周例训" and t["team"] == company.team1.name and sorted(t["attendees"]) == ["张三", "李四"]
    listed = sm.get("/api/v1/training").json()
    assert [x["id"] for x in listed["records"]] == [t["id"]]
    assert any("未完成入职培训" in g["message"] for g in listed["gaps"])
    assert all(g["rule"] == "training.cadence" for g in listed["gaps"])
    from yewu.audit.models import AuditEntry

    assert AuditEntry.objects.filter(object_type="salesmgmt.trainingrecord", rule="training.cadence").count() == 1

    assert api_client(company.sales1).get("/api/v1/training").status_code == 403
    assert jpost(api_client(company.sales1), "/api/v1/training", body).status_code == 403
    bad = [({"days": 0}, "days"), ({"days": "31"}, "days"), ({"kind": "party"}, "kind"), ({"attendee_ids": []}, "attendee_ids"),
           ({"day": "2025-13-40"}, "day"), ({"title": "x" * 201}, "title"), ({"team_id": company.team2.pk}, "team_id")]
    for change, field in bad:
        r = jpost(sm, "/api/v1/training", {**body, **change})
        assert r.status_code in (400, 422), (change, r.content)
        assert field in r.json()["fields"], (change, r.json())
    from yewu.salesmgmt.models import TrainingRecord

    assert TrainingRecord.objects.count() == 1  # none of the refused ones was stored
    ok = jpost(sm, "/api/v1/training", {**body, "days": "2", "team_id": None, "kind": "collective"})
    assert ok.status_code == 200 and ok.json()["days"] == 2  # a numeric string is a number


def test_the_training_page_refuses_unknown_teams_and_people_without_failing(company, client):
    client.force_login(company.manager)
    form = {"kind": "weekly", "title": "t", "day": "2025-10-13", "days": "1", "trainer_id": str(company.manager.pk),
            "attendee_ids": ["99999999999999999999999"], "team_id": str(company.team1.pk)}
    r = client.post("/salesmgmt/training/", form, follow=True)
    assert r.status_code == 200 and "至少一名参训人" in r.content.decode()
    r = client.post("/salesmgmt/training/", {**form, "attendee_ids": [str(company.sales1.pk)], "team_id": str(company.team2.pk)},
                    follow=True)
    assert "团队不存在或不在您的范围内" in r.content.decode()
    from yewu.salesmgmt.models import TrainingRecord

    assert not TrainingRecord.objects.exists()
