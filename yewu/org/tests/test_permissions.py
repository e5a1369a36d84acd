import pytest

from yewu.common.errors import PermissionDenied
from yewu.org.permissions import can, require


@pytest.mark.django_db
def test_warehouse_and_production_do_not_see_prices(company):
    u = company.users
    assert can(u["sales1"], "sees_prices") and can(u["cs"], "sees_prices")
    from yewu.org.models import User

    wh = User.objects.create_user(username="wh", password="x", roles=["WH"])
    assert not can(wh, "sees_prices")
    with pytest.raises(PermissionDenied) as e:
        require(wh, "sees_prices")
    assert e.value.rule == "acl.ops_scope"


def test_unknown_ability_fails_loudly():
    with pytest.raises(KeyError):
        can(None, "sees_pricez")
