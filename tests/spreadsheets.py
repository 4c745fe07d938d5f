"""Helpers for tests that upload spreadsheets to the admin and read downloads back."""

import csv
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

CSV_FORMAT, XLSX_FORMAT = 0, 1


def upload(client, admin_name, name, data, fmt=None):
    """POST a file to the admin import page (the preview step) and return the response."""
    if fmt is None:
        fmt = XLSX_FORMAT if name.endswith(".xlsx") else CSV_FORMAT
    return client.post(
        reverse(f"admin:{admin_name}_import"),
        {"format": fmt, "import_file": SimpleUploadedFile(name, data), "resource": 0},
    )


def confirm(client, admin_name, preview, follow=False):
    """Confirm a previewed import and return the response."""
    return client.post(
        reverse(f"admin:{admin_name}_process_import"),
        preview.context["confirm_form"].initial,
        follow=follow,
    )


def page_text(response):
    """Return a page's text without tags, whitespace folded."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def error_items(response):
    """Return the error lines shown on an import preview page."""
    html = response.content.decode()
    block = re.search(r'<ul class="errorlist import-errors">(.*?)</ul>', html, re.S)
    if not block:
        return []
    return [
        re.sub(r"\s+", " ", item).strip()
        for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)
    ]


def preview_cells(response, columns=5):
    """Return the preview table's rows: line, status and the first cells of each."""
    html = response.content.decode()
    table = re.search(r'<table class="import-preview">(.*?)</table>', html, re.S)
    if not table:
        return []
    body = table.group(1).split("<tbody>", 1)[-1]
    return [
        [
            re.sub(r"\s+", " ", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ][:columns]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def csv_bytes(rows, encoding="utf-8-sig"):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(response):
    """Return the bytes of a (possibly streamed) download."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def read_csv_download(response):
    data = download(response)
    assert data.startswith("\ufeff".encode()), (
        "CSV downloads start with a BOM for Excel"
    )
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx_download(response):
    sheet = load_workbook(io.BytesIO(download(response))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]
