"""One preview or confirmation of an import: what it remembers beside its rows."""

import dataclasses
from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from devzone.audit import record_version
from devzone.spreadsheets.uploads import Upload, upload_progress_save


@dataclasses.dataclass
class ImportRun:
    """One preview or confirmation of an import: its file, its reader, what it found.

    ``devzone.spreadsheets.pipeline`` takes it whole: ``resource`` reads ``dataset``
    as ``user`` may, and ``result`` is what it found. At the preview, ``versions``
    records which stored record each row matched (its pk and ``updated_at``), or
    None for a new one. At the confirmation ``expected`` holds the preview's
    versions: a row whose record was edited, deleted or added in between refuses the
    whole file. ``upload`` is the file as the import batch records it; ``batch``
    names the confirmed import in the history of every record it writes.
    """

    expected: dict | None = None
    versions: dict = dataclasses.field(default_factory=dict)
    batch: Any = None
    upload: Upload | None = None  # named when it waits in the upload folder
    on_progress: Callable[[int, int], None] | None = None  # e.g. a command's bar
    user: Any = None
    # A ZoneResource built with ``run=`` this run: typed loosely, as the engine
    # types it, since spreadsheets.resources imports this module.
    resource: Any = None
    dataset: Any = None  # the file's rows, as ``resource.import_data`` takes them
    result: Any = None  # the ImportResult, once the pipeline ran

    @classmethod
    def of(
        cls,
        resource_class: Callable[..., Any],
        resource_kwargs: dict[str, Any],
        **fields: Any,
    ) -> "ImportRun":
        """Return a run of ``fields`` reading with ``resource_class(**resource_kwargs)``."""
        run = cls(**fields)
        run.resource = resource_class(**resource_kwargs, run=run)
        return run

    @property
    def model(self) -> Any:
        """Return the model the run's resource imports."""
        return self.resource._meta.model

    def progress(self, done, total):
        """Report how many of the file's rows a confirmation has processed."""
        if self.upload is not None and self.upload.name:
            upload_progress_save(self.upload.name, done=done, total=total)
        if self.on_progress is not None:
            self.on_progress(done, total)


PROGRESS_ROWS = 1000  # a confirmation reports its progress every so many rows

STALE_ROW = {
    "changed": "预览后该行对应的记录已被他人修改",
    "deleted": "预览后该行对应的记录已被删除，导入不会重新创建它",
    "added": "预览后已有人新增了该行对应的记录",
}


def version_of(instance):
    """Return a stored record's version: its pk and the time of its last change."""
    return version_from(instance.pk, getattr(instance, "updated_at", None))


def stale_row_error(expected, version):
    """Return the refusal of a row whose record moved since the preview, or None."""
    if expected == version:
        return None
    if expected is None:
        reason = STALE_ROW["added"]
    elif version is None:
        reason = STALE_ROW["deleted"]
    else:
        reason = STALE_ROW["changed"]
    return ValidationError(
        {
            NON_FIELD_ERRORS: [
                f"{reason}。为免覆盖他人的修改，整个文件都没有导入，请重新上传并预览。"
            ]
        }
    )


def version_from(pk, changed):
    """Return the version of the record ``pk`` last changed at ``changed``."""
    return [pk, record_version(changed)]
