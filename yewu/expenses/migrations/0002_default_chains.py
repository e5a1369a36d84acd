from django.db import migrations

# SPEC §8.2 P07/P08 chains already exist (approvals 0002: payment, expense, cash_advance). This adds the chain
# of the sales-expense prior approval (`expense.prior_approval`: approved by the SM before it is incurred).
DEFAULTS = [
    ("expense_request", "费用事前申请（expense.prior_approval）", [{"role": "SM", "limit_wd": 1}]),
]


def forwards(apps, schema_editor):
    Chain = apps.get_model("approvals", "ApprovalChain")
    for doc_type, name, steps in DEFAULTS:
        if not Chain.objects.filter(doc_type=doc_type).exists():
            Chain.objects.create(doc_type=doc_type, version=1, name=name, steps=steps)


class Migration(migrations.Migration):
    dependencies = [("expenses", "0001_initial"), ("approvals", "0002_default_chains")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
