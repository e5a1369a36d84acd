from django.db import migrations


def seed(apps, schema_editor):
    from yewu.processes.builtin import seed_builtin

    seed_builtin(apps.get_model("processes", "ProcessDefinition"), apps.get_model("processes", "ProcessStep"))


class Migration(migrations.Migration):
    dependencies = [("processes", "0001_hprocess_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
