from django.db import migrations, models


class Migration(migrations.Migration):
    """Each seal names the columns it covers, and covers sealed ones in clear."""

    dependencies = [
        ("devzone", "0012_sealed_person_keys"),
        ("projects", "0011_sealed_constraints"),
        ("welfare", "0013_sealed_constraints"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditseal",
            name="columns",
            field=models.JSONField(blank=True, null=True, verbose_name="覆盖的列"),
        ),
    ]
