# DocumentSequence moved here from orders (state only): the table orders_documentsequence is reused as it is.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("common", "0003_push_channels"), ("orders", "0009_documentsequence_to_common")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DocumentSequence",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=4)),
                        ("day", models.DateField()),
                        ("last", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "orders_documentsequence",
                        "constraints": [models.UniqueConstraint(fields=("kind", "day"), name="docseq_kind_day_unique")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
