from django.db import migrations

from devzone.sealed_rows import migration


class Migration(migrations.Migration):
    """Personal data sealed, step 2: the stored rows encrypted, their siblings filled.

    Records and their history rows, in chunks; a row already sealed under the
    current key is left as it is. Reversible: going back writes the clear values.
    """

    dependencies = [("projects", "0009_sealed_personal_data")]

    operations = [
        migrations.RunPython(
            migration("projects", ['RelocationHousehold', 'HistoricalRelocationHousehold']),
            migration("projects", ['RelocationHousehold', 'HistoricalRelocationHousehold'], clear=True),
            elidable=False,
        ),
    ]
