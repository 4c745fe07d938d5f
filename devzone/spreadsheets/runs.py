"""One preview or confirmation of an import: what it remembers beside its rows."""

import dataclasses
from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from devzone.audit import record_version
from devzone.spreadsheets.uploads import upload_progress_save


@dataclasses.dataclass
class ImportRun:
    """What one preview or confirmation of an import remembers beside its rows.

    At the preview, ``versions`` records which stored record each row matched (its
    pk and ``updated_at``), or None for a new one. At the confirmation ``expected``
    holds the preview's versions: a row whose record was edited, deleted or added
    in between refuses the whole file. ``batch`` names the confirmed import in the
    history of every record it writes.
    """

    expected: dict | None = None
    versions: dict = dataclasses.field(default_factory=dict)
    batch: object = None
    upload: str | None = None  # the upload a confirmation reads, for its progress
    on_progress: Callable[[int, int], None] | None = None  # e.g. a command's bar
    column_map: dict | None = None  # the preview's column mapping, at a confirmation

    def progress(self, done, total):
        """Report how many of the file's rows a confirmation has processed."""
        if self.upload is not None:
            upload_progress_save(self.upload, done=done, total=total)
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
