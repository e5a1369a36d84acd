"""process.publish_approval through the services and the approval engine; new versions retire the old one."""

import pytest
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.common.errors import Conflict, PermissionDenied, RuleRefused
from yewu.common.models import Notification
from yewu.org.selectors import get_calendar
from yewu.processes import services
from yewu.processes.models import ProcessDefinition


def _req(d):
    return ApprovalRequest.objects.get(doc_type=services.DOC_TYPE, doc_id=str(d.pk), state="pending")


def test_builtin_processes_are_published_v1_with_complete_steps(builtin):
    assert sorted(builtin.values_list("code", flat=True)) == [f"P{i:02d}" for i in range(1, 13)]
    p04 = builtin.get(code="P04")
    assert p04.version == 1
    sm = p04.steps.get(code="s2")
    assert (sm.role, sm.limit_kind, sm.limit_n, sm.is_approval) == ("SM", "wd", 1, True)
    p01 = builtin.get(code="P01").steps.get(code="s4")
    assert (p01.role, p01.limit_text) == ("SP", "7 天")
    for d in builtin:  # every built-in step satisfies the submit rule
        assert all(s.role and s.limit_text for s in d.steps.all()), d.code


def test_submit_refused_until_every_step_has_role_and_limit(builtin, admin_user):
    d = services.new_version(admin_user, "P12", "考勤规则修订")
    assert (d.version, d.status, d.steps.count()) == (2, "draft", 12)
    c3 = d.steps.get(code="c3")
    c5 = d.steps.get(code="c5")
    services.update_step(admin_user, c3.pk, role="")
    services.update_step(admin_user, c5.pk, limit_kind="", limit_n="")
    with pytest.raises(RuleRefused) as e:
        services.submit(admin_user, d.pk)
    assert e.value.rule == "process.publish_approval"
    assert "c3" in e.value.message and "c5" in e.value.message and "c2" not in e.value.message
    d.refresh_from_db()
    assert d.status == "draft"
    services.update_step(admin_user, c3.pk, role="ADM")
    services.update_step(admin_user, c5.pk, limit_kind="wd", limit_n="2")
    req = services.submit(admin_user, d.pk)
    d.refresh_from_db()
    assert d.status == "submitted"
    assert [s.role for s in req.steps.all()] == ["GM"]


def test_only_the_gm_approves_then_it_is_published_and_v1_retired(builtin, company, admin_user):
    d = services.new_version(admin_user, "P04")
    services.submit(admin_user, d.pk)
    req = _req(d)
    with pytest.raises(RuleRefused) as e:  # an SM cannot approve a process definition
        approvals.decide(company.manager, req.pk, True)
    assert e.value.status == 403
    with pytest.raises(Conflict):  # no second open version while one is pending
        services.new_version(company.gm, "P04")
    services.decide(company.gm, d.pk, True, "同意")
    d.refresh_from_db()
    v1 = ProcessDefinition.objects.get(code="P04", version=1)
    assert (d.status, v1.status) == ("published", "retired")
    assert v1.retired_at is not None and d.approved_at is not None
    today = timezone.localdate()
    assert d.effective_date == today
    assert d.rollout_due == get_calendar().next_working_day(today)
    # the roles of its steps are notified for training (SP, SM, GM, FIN, WH), others are not
    keys = set(Notification.objects.filter(key=f"process-training:{d.pk}").values_list("user__username", flat=True))
    assert {"sales1", "sales3", "manager", "gm", "finance"} <= keys
    assert "cs" not in keys and "cashier" not in keys
    # a published version is frozen; edits go into a new draft version
    with pytest.raises(Conflict):
        services.update_step(admin_user, d.steps.first().pk, role="SM")


def test_a_gm_who_submitted_cannot_approve_it(builtin, company):
    d = services.new_version(company.gm, "P03")
    services.submit(company.gm, d.pk)
    with pytest.raises(RuleRefused) as e:
        services.decide(company.gm, d.pk, True)
    assert e.value.rule == "sod.no_self_approval"
    d.refresh_from_db()
    assert d.status == "submitted"


def test_gm_rejection_returns_the_version_to_draft(builtin, company, admin_user):
    d = services.new_version(admin_user, "P02")
    services.submit(admin_user, d.pk)
    services.decide(company.gm, d.pk, False, "时限需再议")
    d.refresh_from_db()
    assert d.status == "draft"
    assert ProcessDefinition.objects.get(code="P02", version=1).status == "published"
    services.submit(admin_user, d.pk)  # resubmission restarts the chain
    assert _req(d).steps.get().state == "pending"


def test_only_managers_of_processes_draft_versions(builtin, company):
    with pytest.raises(PermissionDenied):
        services.new_version(company.sales1, "P04")
    with pytest.raises(PermissionDenied):
        services.new_version(company.manager, "P04")


@pytest.mark.parametrize("values,field", [({"role": "XX"}, "role"), ({"limit_n": "两"}, "limit_n"),
                                          ({"action": " "}, "action")])
def test_bad_step_edit_is_refused_naming_the_rule_and_field(builtin, admin_user, values, field):
    from yewu.common.errors import ValidationError

    d = services.new_version(admin_user, "P12", "修订")
    step = d.steps.get(code="c3")
    with pytest.raises(ValidationError) as e:
        services.update_step(admin_user, step.pk, **values)
    assert e.value.rule == "process.publish_approval" and field in e.value.fields
    step.refresh_from_db()
    assert step.role and step.action.strip() and step.limit_n == d.based_on.steps.get(code="c3").limit_n
