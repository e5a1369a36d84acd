# Quote numbers now come from yewu.common.numbering (kind "BJ"), like every other document. Before, a quote took
# max(number of the day) + 1. Each day's counter is seeded with the highest number already given that day, so the
# next quote of a day that already has quotes continues after them and no number is ever given twice.
import re

from django.db import migrations

BJ = re.compile(r"BJ-(\d{4})(\d{2})(\d{2})-(\d+)$")


def seed_quote_sequences(apps, schema_editor):
    import datetime

    Quote = apps.get_model("sales", "Quote")
    DocumentSequence = apps.get_model("common", "DocumentSequence")
    highest: dict[datetime.date, int] = {}
    for number in Quote.objects.values_list("number", flat=True).iterator():
        m = BJ.search(number or "")
        if not m:
            continue
        try:
            day = datetime.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
        highest[day] = max(highest.get(day, 0), int(m[4]))
    for day, last in highest.items():
        row, _ = DocumentSequence.objects.get_or_create(kind="BJ", day=day, defaults={"last": last})
        if row.last < last:
            row.last = last
            row.save(update_fields=["last"])


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_decimal_columns_fit"), ("common", "0004_documentsequence")]

    operations = [migrations.RunPython(seed_quote_sequences, migrations.RunPython.noop)]
