"""ApprovalRequest.policy_version: the settings version its routing was decided under (SPEC §8.5).
Existing requests get the version that was in force when they were created."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    PolicyVersion = apps.get_model("org", "PolicyVersion")
    ApprovalRequest = apps.get_model("approvals", "ApprovalRequest")
    versions = list(PolicyVersion.objects.order_by("effective_at", "id").values_list("id", "effective_at"))
    if not versions:
        return
    for req in ApprovalRequest.objects.only("id", "created_at").iterator():
        in_force = [vid for vid, at in versions if at <= req.created_at]
        if in_force:
            ApprovalRequest.objects.filter(pk=req.pk).update(policy_version=in_force[-1])


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0005_hprocess_process_version"),
        ("org", "0002_hsettingsv_policy_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="approvalrequest",
            name="policy_version",
            field=models.IntegerField(default=0),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
