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
