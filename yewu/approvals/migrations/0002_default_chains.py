from django.db import migrations

# SPEC §8.2/§8.3 defaults; a company edits them in the admin (each edit is a new version).
DEFAULTS = [
    ("payment", "付款审批（pay.approval_chain）", [{"role": "SM", "limit_wd": 1}, {"role": "FD", "limit_wd": 1}, {"role": "GM", "limit_wd": 1}]),
    ("expense", "费用报销（pay.approval_chain）", [{"role": "SM", "limit_wd": 1}, {"role": "FD", "limit_wd": 1}, {"role": "GM", "limit_wd": 1}]),
    ("cash_advance", "现金借支（cash.advance_max_3000）", [{"role": "SM", "limit_wd": 1}, {"role": "FD", "limit_wd": 1}]),
    ("quote_special_price", "特价审批（price.special_commission）", [{"role": "SM", "limit_wd": 1}]),
]


def forwards(apps, schema_editor):
    Chain = apps.get_model("approvals", "ApprovalChain")
    for doc_type, name, steps in DEFAULTS:
        Chain.objects.get_or_create(doc_type=doc_type, version=1, defaults={"name": name, "steps": steps})


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
