"""API tokens (issue 10 item 10): expiry, `yewu token --revoke/--list/--days`, revoked on password change."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from yewu.org.models import ApiToken


def token_cmd(*args) -> str:
    out = StringIO()
    call_command("yewu_token", *args, stdout=out)
    return out.getvalue().strip()


def get(token, path="/api/v1/customers"):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(path)


def test_new_token_works_and_expires_after_90_days_by_default(company):
    raw = token_cmd("sales1")
    assert raw.startswith("yw_")
    assert get(raw).status_code == 200
    tok = ApiToken.objects.get(digest=ApiToken.hash(raw))
    assert abs(tok.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    ApiToken.objects.filter(pk=tok.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = get(raw)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_days_flag_sets_the_lifetime_and_is_bounded(company):
    raw = token_cmd("sales1", "--days", "7")
    tok = ApiToken.objects.get(digest=ApiToken.hash(raw))
    assert abs(tok.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    for bad in ("0", "-3", "100000"):
        with pytest.raises(CommandError):
            token_cmd("sales1", "--days", bad)


def test_revoke_by_prefix_id_or_token_and_list_shows_state(company):
    a, b, c = token_cmd("sales1"), token_cmd("sales1"), token_cmd("sales1")
    keep = token_cmd("sales2")
    assert "revoked 1" in token_cmd("--revoke", a[:8])
    assert "revoked 1" in token_cmd("--revoke", str(ApiToken.objects.get(digest=ApiToken.hash(b)).pk))
    assert "revoked 1" in token_cmd("--revoke", c)
    for t in (a, b, c):
        assert get(t).status_code == 401
    assert get(keep).status_code == 200
    listing = token_cmd("--list", "sales1")
    assert listing.count("revoked") == 3 and a[:8] in listing
    assert "active" in token_cmd("--list", "sales2")
    with pytest.raises(CommandError):
        token_cmd("--revoke", "yw_nosuchtoken")


def test_revoke_all_of_a_user(company):
    toks = [token_cmd("sales1") for _ in range(3)]
    assert "revoked 3" in token_cmd("sales1", "--revoke", "all")
    assert all(get(t).status_code == 401 for t in toks)


def test_password_change_revokes_every_token_of_that_user(company):
    raw, other = token_cmd("sales1"), token_cmd("sales2")
    assert get(raw).status_code == 200
    company.sales1.set_password("a-new-password-1")
    company.sales1.save()
    assert get(raw).status_code == 401
    assert get(other).status_code == 200
    assert "revoked" in token_cmd("--list", "sales1")
    fresh = token_cmd("sales1")  # a token issued after the change works
    assert get(fresh).status_code == 200


def test_password_set_through_django_forms_revokes_tokens(company):
    """The admin's and Django's password forms (set_password + save) end the tokens too."""
    from django.contrib.auth.forms import SetPasswordForm

    raw = token_cmd("sales1")

    form = SetPasswordForm(company.sales1, {"new_password1": "Another-pass-9", "new_password2": "Another-pass-9"})
    assert form.is_valid()
    form.save()
    assert get(raw).status_code == 401


def test_saving_a_user_without_changing_the_password_keeps_tokens(company):
    raw = token_cmd("sales1")
    company.sales1.display_name = "张三丰"
    company.sales1.save()
    assert get(raw).status_code == 200
