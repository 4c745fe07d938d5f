"""A written cell and a download: formula escaping, characters a file can't hold, widths."""

import re
from urllib.parse import quote

from django.utils.cache import add_never_cache_headers
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# OWASP (CSV injection) and ASVS 1.2.10: a text cell starting with one of these can run
# as a formula in Excel or WPS; the leading apostrophe makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def escape_formula(value):
    """Return a text value that no spreadsheet will evaluate; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_formula(text):
    """Return an exported text cell to what was stored (the inverse of escape_formula)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def xlsx_safe(value):
    """Return a value XLSX can hold: text loses the control characters it cannot.

    Such characters are refused on the way in; a value stored by an older path must
    still not make every export that includes its row fail.
    """
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def csv_safe(value):
    """Return a value for a CSV cell; a NUL (which no reader accepts) is dropped."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def column_width(header):
    """Return a column's width in characters for its header: wide enough for an ID."""
    if "身份证" in header:
        return 22
    wide = sum(2 if ord(char) > 0x2E80 else 1 for char in header)
    return min(max(wide + 2, 12), 40)


def safe_filename(name):
    """Return a file name without characters that file systems or browsers refuse."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "、", name).strip(" .、")
    return name or "export"


def content_disposition(filename):
    filename = safe_filename(filename)
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def as_download(response, filename):
    """Return the response as an attachment that no browser or proxy keeps a copy of.

    Downloads hold records, some with personal data: ``Cache-Control: no-store``
    keeps them out of shared caches and the browser's cache on office computers.
    """
    response["Content-Disposition"] = content_disposition(filename)
    add_never_cache_headers(response)
    return response
