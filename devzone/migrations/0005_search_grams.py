from django.db import migrations

from devzone.db_functions import GRAMS_FUNCTION, postgresql_only


class Migration(migrations.Migration):

    dependencies = [
        ("devzone", "0004_personal_data_access"),
    ]

    operations = [
        postgresql_only(GRAMS_FUNCTION, "DROP FUNCTION IF EXISTS devzone_grams(text)"),
    ]
