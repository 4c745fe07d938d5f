from django.db import migrations

# The intervals staff start with (留守儿童/困境儿童 monthly, 特困供养/空巢老人 every
# two months, the rest quarterly); they change them in the admin.
DEFAULTS = {
    "left_behind_child": 1,
    "distressed_child": 1,
    "extreme_poverty": 2,
    "elderly_alone": 2,
    "hardship": 3,
    "subsistence": 3,
    "disabled": 3,
    "veteran": 3,
}


def add_defaults(apps, schema_editor):
    VisitInterval = apps.get_model("welfare", "VisitInterval")
    for category, months in DEFAULTS.items():
        VisitInterval.objects.get_or_create(
            category=category, defaults={"months": months}
        )


class Migration(migrations.Migration):
    dependencies = [("welfare", "0008_visit_interval")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
