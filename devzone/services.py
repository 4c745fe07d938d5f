"""Writes of the zone's shared records, each in one place."""

from devzone.models import ExportLog, ImportLog


def export_log_create(
    *, user, model, filters, row_count, file_format, personal_data=False, dataset=None
):
    """Record one download of records."""
    return ExportLog.objects.create(
        user=user,
        dataset=dataset or str(model._meta.verbose_name),
        model=model._meta.label_lower,
        filters=filters,
        row_count=row_count,
        file_format=file_format,
        personal_data=personal_data,
    )


def import_log_create(*, user, model, file_name, counts):
    """Record one confirmed import."""
    return ImportLog.objects.create(
        user=user,
        dataset=str(model._meta.verbose_name),
        model=model._meta.label_lower,
        file_name=file_name[:255],
        new_count=counts["new"],
        update_count=counts["update"],
        skip_count=counts["skip"],
    )
