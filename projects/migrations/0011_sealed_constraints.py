import devzone.constraints
from django.db import migrations, models


class Migration(migrations.Migration):
    """Personal data sealed, step 3: unique rules and indexes on the digests."""

    dependencies = [("projects", "0010_seal_existing_rows")]

    operations = [
        migrations.AddIndex(
            model_name='relocationhousehold',
            index=models.Index(fields=['id_number_digest'], name='projects_household_id_number'),
        ),
        migrations.AddIndex(
            model_name='relocationhousehold',
            index=models.Index(fields=['phone_digest'], name='projects_household_phone'),
        ),
        migrations.AddConstraint(
            model_name='relocationhousehold',
            constraint=devzone.constraints.FieldUnique(field='id_number', fields=('project', 'id_number_digest'), name='projects_household_id_unique_in_project', violation_error_message='该搬迁项目中已有相同身份证号的搬迁户。'),
        ),
    ]
