"""yewu.common.bulk: the shortcuts of Table.row send what get_db_prep_save would send."""

import pytest
from django.apps import apps
from django.db import connection

from yewu.common import bulk


@pytest.mark.django_db
def test_empty_values_sent_as_null_are_what_the_field_sends():
    checked = 0
    for model in apps.get_models():
        if model._meta.abstract or model._meta.proxy or not model._meta.managed:
            continue
        try:
            table = bulk.Table(model)
        except ValueError:  # a database default: bulk_create only
            continue
        for f, none_is_null in zip(table.fields, table._none_is_null, strict=True):
            if none_is_null:
                assert f.get_db_prep_save(None, connection) is None, f"{model.__name__}.{f.name}"
                checked += 1
    assert checked > 10
