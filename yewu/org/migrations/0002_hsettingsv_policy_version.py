

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='policyversion',
            name='old_values',
            field=models.JSONField(blank=True, default=dict, verbose_name='原值'),
        ),
    ]
