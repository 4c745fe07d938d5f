import devzone.constraints
from django.db import migrations, models


class Migration(migrations.Migration):
    """Personal data sealed, step 3: unique rules and indexes on the digests."""

    dependencies = [("welfare", "0012_seal_existing_rows")]

    operations = [
        migrations.AddIndex(
            model_name='welfarerecipient',
            index=models.Index(fields=['phone_digest'], name='welfare_recipient_phone'),
        ),
        migrations.AddIndex(
            model_name='welfarerecipient',
            index=models.Index(fields=['guardian_phone_digest'], name='welfare_recipient_guardian'),
        ),
        migrations.AddConstraint(
            model_name='welfarerecipient',
            constraint=devzone.constraints.FieldUnique(field='id_number', fields=('id_number_digest', 'category'), name='welfare_recipient_id_category_unique', violation_error_message='同一身份证号在同一帮扶类别中只能登记一次。'),
        ),
    ]
