"""The formats an export is written in, their content types and the file's name."""

import re

from django.utils import timezone

CSV, XLSX = "csv", "xlsx"
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK_BYTES = 64 * 1024
BOM = "\ufeff".encode()
UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s]+')
FILENAME_MAX = 120


def sanitise_filename(text):
    """Return text fit for a file name on Windows, macOS and Linux."""
    text = UNSAFE_FILENAME.sub("-", text).strip(" .-")
    return text[:FILENAME_MAX] or "export"


def export_filename(label, values, extension, today=None):
    """Return e.g. ``搬迁户_2021_已签约_20261129.xlsx`` from a label and filter values."""
    today = today or timezone.localdate()
    parts = [label, *values, today.strftime("%Y%m%d")]
    stem = "_".join(sanitise_filename(str(part)) for part in parts)
    return f"{stem[: FILENAME_MAX * 2]}.{extension}"
