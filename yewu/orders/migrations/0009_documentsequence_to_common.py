# DocumentSequence moved to yewu.common (state only): the table orders_documentsequence stays as it is.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0008_merge_parallel_branches")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DocumentSequence")],
            database_operations=[],
        ),
    ]
