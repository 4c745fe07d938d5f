"""Uploads waiting between an import's preview and its confirmation."""

# Each upload is a file in ``DEVZONE_UPLOAD_DIR`` (a directory every app server
# shares) beside a small JSON note of who uploaded it, under which name, its SHA-256
# and encoding, and the versions of the records the preview matched. Only its
# uploader may confirm it; it is deleted when the import ends, and an abandoned one
# after ``DEVZONE_UPLOAD_LIFETIME`` seconds. Uploads hold personal data, so they are
# kept neither in the database nor in the cache that backups carry.

import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from import_export.tmp_storages import BaseStorage

from devzone.spreadsheets.formats import read_dataset

NAME = re.compile(r"^[0-9a-f]{32}$")
MISSING = (
    "找不到这次上传的文件：它可能已导入、已超过 1 小时未确认，"
    "或不是由您上传的。请重新上传文件。"
)


class UploadError(Exception):
    """An upload that cannot be confirmed; the message is shown to the user."""


@dataclass
class Upload:
    """What devzone knows of an upload, from the moment of its preview."""

    name: str
    owner_id: int
    original_name: str
    sha256: str
    encoding: str
    created: float
    versions: dict[str, Any] = field(
        default_factory=dict
    )  # row number -> [pk, version]
    # The user's column mapping the preview read the file with (spreadsheets.mapping).
    column_map: dict[str, str] = field(default_factory=dict)


def upload_dir() -> Path:
    path = Path(settings.DEVZONE_UPLOAD_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def data_path(name: str) -> Path:
    if not NAME.match(name or ""):
        raise UploadError("上传文件的标识无效，请重新上传文件。")
    return upload_dir() / name


def note_path(name: str) -> Path:
    return data_path(name).with_suffix(".json")


def progress_path(name: str) -> Path:
    return data_path(name).with_suffix(".progress")


def purge_abandoned(now: float | None = None) -> int:
    """Delete uploads older than their lifetime; return how many were deleted."""
    limit = (now or time.time()) - settings.DEVZONE_UPLOAD_LIFETIME
    deleted = 0
    for path in upload_dir().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                deleted += path.suffix == ""
        except FileNotFoundError:  # another server got there first
            continue
    return deleted


def upload_claim(
    *,
    name: str,
    user: Any,
    original_name: str,
    encoding: str,
    versions: dict,
    column_map: dict | None = None,
) -> Upload:
    """Record that ``user`` uploaded ``name``; only they may confirm it."""
    upload = Upload(
        name=name,
        owner_id=user.pk,
        original_name=os.path.basename(original_name or "")[:255],
        sha256=file_sha256(data_path(name)),
        encoding=encoding,
        created=time.time(),
        versions={str(k): v for k, v in versions.items()},
        column_map=dict(column_map or {}),
    )
    path = note_path(name)
    path.write_text(json.dumps(asdict(upload), ensure_ascii=False))
    os.chmod(path, 0o600)
    return upload


def upload_for(name: str, user: Any) -> Upload:
    """Return the upload ``name`` if ``user`` uploaded it; refuse it otherwise.

    Another user's upload, a name that never existed and an expired one get the
    same answer, so a forged name learns nothing.
    """
    try:
        note = json.loads(note_path(name).read_text())
    except (FileNotFoundError, ValueError) as exc:
        raise UploadError(MISSING) from exc
    upload = Upload(**note)
    if upload.owner_id != user.pk:
        raise UploadError(MISSING)
    return upload


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read a chunk at a time, never held whole."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def upload_rows(upload: Upload) -> Any:
    """Return the rows of an upload ``upload_for`` gave, read from its file.

    The file is opened several times as it is parsed (its kind, its encoding, its
    rows): one removed meanwhile by another server, at any of them, is missing.
    """
    try:
        return read_dataset(data_path(upload.name), upload.original_name)
    except FileNotFoundError as exc:
        raise UploadError(MISSING) from exc


def upload_remove(name: str) -> None:
    """Delete an upload, its note and its progress."""
    for path in (data_path(name), note_path(name), progress_path(name)):
        path.unlink(missing_ok=True)


def upload_progress_save(name: str, *, done: int, total: int) -> None:
    """Record how many of the upload's rows its confirmation has processed."""
    path = progress_path(name)
    partial = path.with_suffix(".progress-partial")
    partial.write_text(json.dumps({"done": done, "total": total}))
    os.chmod(partial, 0o600)
    partial.replace(path)  # whole or not at all: the page never reads half a file


def upload_progress(name: str, user: Any) -> dict[str, int]:
    """Return ``{done, total}`` of ``user``'s upload being confirmed.

    Refused, as ``upload_for`` refuses it, for anyone but its uploader.
    """
    upload_for(name, user)
    try:
        progress = json.loads(progress_path(name).read_text())
    except (FileNotFoundError, ValueError):
        return {"done": 0, "total": 0}  # not started, or already finished
    return {"done": int(progress["done"]), "total": int(progress["total"])}


class UploadFileStorage(BaseStorage):
    """django-import-export's temporary storage, kept as files in the shared folder."""

    name: str | None  # BaseStorage.__init__ sets it; None until save() names one

    def save(self, data: str | bytes) -> None:
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        self.save_chunks([data])

    def save_chunks(self, chunks: Iterable[bytes]) -> None:
        """Write an upload as it arrives, a chunk at a time, never held whole."""
        purge_abandoned()
        if not self.name:
            self.name = secrets.token_hex(16)
        path = self.path()
        with open(path, "wb") as handle:
            os.chmod(path, 0o600)
            for chunk in chunks:
                handle.write(chunk)

    def path(self) -> Path:
        """Return where the upload waits (the file ``formats.read_dataset`` reads)."""
        return data_path(self.name or "")

    def read(self) -> str | bytes:
        try:
            data = data_path(self.name or "").read_bytes()
        except FileNotFoundError as exc:
            raise UploadError(MISSING) from exc
        if "b" in (self.read_mode or "rb"):
            return data
        return data.decode(self.encoding or "utf-8")

    def remove(self) -> None:
        upload_remove(self.name or "")
