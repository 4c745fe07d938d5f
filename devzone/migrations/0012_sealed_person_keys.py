from django.db import migrations, models


def seal_numbers(apps, schema_editor):
    """Seal each stored number and fill its digest (a sealed one is left)."""
    from devzone import sealing

    PersonKey = apps.get_model("devzone", "PersonKey")
    rows = PersonKey.objects.using(schema_editor.connection.alias)
    for record in rows.iterator(chunk_size=2000):
        number = sealing.unseal(record.id_number)
        sealed = (
            record.id_number if sealing.is_sealed(record.id_number) else sealing.seal(number)
        )
        rows.filter(pk=record.pk).update(
            id_number=sealed, id_number_digest=sealing.digest(number)
        )


def clear_numbers(apps, schema_editor):
    """Going back: the numbers written in clear again."""
    from devzone import sealing

    PersonKey = apps.get_model("devzone", "PersonKey")
    rows = PersonKey.objects.using(schema_editor.connection.alias)
    for record in rows.iterator(chunk_size=2000):
        rows.filter(pk=record.pk).update(id_number=sealing.unseal(record.id_number))


class Migration(migrations.Migration):
    """A person page's key keeps its number sealed, found by the number's digest."""

    dependencies = [("devzone", "0011_password_history_and_superuser_events")]

    operations = [
        migrations.AlterField(
            model_name="personkey",
            name="id_number",
            field=models.CharField(max_length=100, verbose_name="身份证号（密文）"),
        ),
        migrations.AddField(
            model_name="personkey",
            name="id_number_digest",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(seal_numbers, clear_numbers, elidable=False),
        migrations.AlterField(
            model_name="personkey",
            name="id_number_digest",
            field=models.CharField(
                max_length=64, unique=True, verbose_name="身份证号检索摘要"
            ),
        ),
    ]
