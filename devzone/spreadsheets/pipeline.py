"""An import's two steps, the admin's and ``manage.py import_file``'s alike.

``preview`` checks a file and saves nothing; ``confirm`` imports it as one batch.
Each takes an explicit ``ImportRun`` (its resource, user, rows and upload) and
leaves what it found on it: the caller words the answer.
"""

from django.db import transaction

from devzone.services import import_batch_finish, import_batch_start
from devzone.spreadsheets.results import ImportResult, import_counts
from devzone.spreadsheets.runs import ImportRun


class _Refused(Exception):
    """A confirmation whose file has errors: raised to roll its atomic block back."""


def succeeded(result: ImportResult) -> bool:
    """Return True if an import's result refuses no row and no file."""
    return not (result.has_errors() or result.has_validation_errors())


def import_rows(run: ImportRun, *, dry_run: bool) -> ImportResult:
    """Return what the run's resource makes of its rows, writing them unless a dry run."""
    run.result = run.resource.import_data(
        run.dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    return run.result


def preview(run: ImportRun) -> ImportResult:
    """Check the run's file, saving no row; record the versions its rows matched.

    A user who sees numbers masked spends lookups of the day's quota here, and a
    refusal for the quota is kept: it is logged whether or not the file imports.
    """
    return import_rows(run, dry_run=True)


def confirm(run: ImportRun) -> ImportResult:
    """Import the run's file as one batch: all of it, or nothing, the batch included.

    The run's ``expected`` versions (the preview's, for the admin) refuse a row
    whose record moved since. On success ``run.batch`` is the finished batch; on a
    refusal it is None and no row, history row or batch is left.
    """
    if run.upload is None:
        raise ValueError("A confirmation needs its upload: the batch records it.")
    try:
        with transaction.atomic():
            run.batch = import_batch_start(
                user=run.user, model=run.model, upload=run.upload
            )
            result = import_rows(run, dry_run=False)
            if not succeeded(result):
                raise _Refused
            import_batch_finish(batch=run.batch, counts=import_counts(result))
    except _Refused:
        run.batch = None
    return run.result
