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
