from django.db import migrations, models


def name_legacy_columns(apps, schema_editor):
    """Name the columns each existing seal covers (devzone.audit_seal)."""
    from devzone.audit_seal import fill_legacy_columns

    fill_legacy_columns(
        using=schema_editor.connection.alias,
        seal_model=apps.get_model("devzone", "AuditSeal"),
        models={model._meta.db_table: model for model in apps.get_models()},
    )


class Migration(migrations.Migration):
    """Each seal names the columns it covers, and covers sealed ones in clear.

    Each seal made before is given the columns over which its digest still
    holds; a seal none fits keeps none and ``verify_audit`` reports it. Going back
    keeps them.
    """

    # No app's migration is named: run before an app's sealing migrations (an
    # older database), a seal is given the columns its table has then, and the
    # sealing that follows keeps it whole (sealed columns are digested in clear).
    dependencies = [("devzone", "0013_history_unconstrained")]

    operations = [
        migrations.AddField(
            model_name="auditseal",
            name="columns",
            field=models.JSONField(blank=True, null=True, verbose_name="覆盖的列"),
        ),
        migrations.RunPython(
            name_legacy_columns, migrations.RunPython.noop, elidable=False
        ),
    ]
