"""The import/export core every Resource in devzone is built on.

Spreadsheets come from Excel and WPS: CSV in UTF-8, UTF-8 with BOM or GBK, XLSX whose
numbers are floats and whose long digit strings may already be destroyed. This module
reads them, repairs what can be repaired, refuses what cannot with a message in Chinese,
and names every column by its Chinese header.
"""

import csv
import dataclasses
import datetime
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_str
from import_export import resources, widgets
from import_export.formats import base_formats
from import_export.instance_loaders import ModelInstanceLoader
from import_export.resources import Diff
from import_export.results import RowResult
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from devzone.constraints import (
    Unsupported,
    check_constraint_errors,
    evaluate,
    referenced_fields,
    unique_conflicts,
)
from devzone.exports import escape_formula, unescape_formula
from devzone.fields import IdNumberField, PhoneField
from devzone.scope import Scope
from devzone.validators import (
    mask_id_number,
    mask_phone,
    normalize_phone,
    normalize_text,
    validate_plain_text,
)

EXCEL_EPOCH = datetime.date(1899, 12, 30)
LOOKUP_CHUNK = 1000
PREVIEW_ROWS = 100  # rows of an import's preview page
PREVIEW_CHARS = 200  # characters of a cell on the preview page


class ImportFileError(Exception):
    """A file that cannot be imported at all; the message is shown to the user."""


class NumberGuessingRefused(ImportFileError):
    """A file refused as an attempt to guess masked numbers; it is logged."""


def header_key(text):
    """Return a header folded for matching: NFKC, no spaces, lower-case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", force_str(text))).lower()


def is_blank(value):
    return value is None or (isinstance(value, str) and value.strip() == "")


def decode_csv(data):
    """Return the text of a CSV upload saved as UTF-8, UTF-8 with BOM or GBK."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if data[:2] in (b"PK", b"\xd0\xcf"):
        raise ImportFileError(
            "这是一个 Excel 工作簿，不是 CSV 文件：请在“格式”中选择 xlsx 后重新上传。"
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096]:
        raise ImportFileError(
            "文件不是可识别的文本 CSV（可能是 UTF-16 或二进制文件），"
            "请在 Excel 或 WPS 中另存为“CSV（逗号分隔）”后重新上传。"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        "无法识别文件编码：支持 UTF-8 和 GBK（GB18030）编码的 CSV，请另存后重新上传。"
    )


def import_limit(name):
    from django.conf import settings

    return getattr(settings, f"DEVZONE_IMPORT_MAX_{name}")


def shown(value, limit=40):
    """Return a cell's value for a message: a long one is cut, not repeated whole."""
    text = force_str(value)
    return text if len(text) <= limit else text[:limit] + f"…（共 {len(text)} 个字符）"


def build_dataset(rows):
    """Return a dataset from ``(line, cells)`` pairs, the first being the header row.

    Blank rows are left out (they are neither imported nor counted); the dataset's
    ``row_numbers`` keeps each remaining row's number in the file, so messages still
    name the row a person sees. The limits on rows, columns and cell length are
    checked as the rows stream in, so a hostile file stops at its first excess.
    """
    max_rows = import_limit("ROWS")
    max_columns = import_limit("COLUMNS")
    max_chars = import_limit("CELL_CHARS")
    dataset = tablib.Dataset()
    dataset.row_numbers = []
    width = None
    for number, (line, cells) in enumerate(rows, start=1):
        cells = list(cells)
        if len(cells) > max_columns:
            while cells and is_blank(cells[-1]):
                cells.pop()
            if len(cells) > max_columns:
                raise ImportFileError(
                    f"第 {line} 行有 {len(cells)} 列，超过了每个文件最多 {max_columns} "
                    "列的限制：请删去多余的列后重新上传。"
                )
        for column, value in enumerate(cells, start=1):
            if isinstance(value, str) and len(value) > max_chars:
                raise ImportFileError(
                    f"第 {line} 行第 {column} 列的单元格有 {len(value)} 个字符，"
                    f"超过了单元格最多 {max_chars} 个字符的限制（Excel 的上限）："
                    "请检查该单元格后重新上传。"
                )
        if width is None:
            while cells and is_blank(cells[-1]):
                cells.pop()
            if not cells:
                raise ImportFileError(
                    "文件的第 1 行是空的：第 1 行应为表头（各列的名称），"
                    "数据从第 2 行开始。"
                )
            width = len(cells)
            dataset.headers = cells
            continue
        if all(is_blank(value) for value in cells):
            continue
        if len(cells) > width:
            extra = cells[width:]
            if any(not is_blank(value) for value in extra):
                raise ImportFileError(
                    f"第 {line} 行有 {len(cells)} 个单元格，而表头只有 {width} 列："
                    "该行可能多了逗号（内容中有逗号时，应把整个内容用英文双引号括起），"
                    "或表头少了列名。请改正后重新上传。"
                )
            cells = cells[:width]
        cells += [None] * (width - len(cells))
        if len(dataset.row_numbers) >= max_rows:
            raise ImportFileError(
                f"文件超过了每次最多导入 {max_rows} 行数据的限制：请分成几个文件导入。"
            )
        dataset.append(cells)
        dataset.row_numbers.append(number)
    if width is None:
        raise ImportFileError("文件是空的：第 1 行应为表头，数据从第 2 行开始。")
    if not dataset.row_numbers:
        raise ImportFileError(
            "文件只有表头，没有数据行：请从第 2 行起填写要导入的数据后重新上传。"
        )
    return dataset


CSV_REASONS = {
    "unexpected end of data": '引号没有闭合：从这一行起的英文双引号 " 到文件末尾都没有'
    "配对的结束引号",
    "',' expected after '\"'": "引号后面紧跟了其他字符：带引号的内容应整体用英文双引号"
    '括起，内容中的双引号要写成两个（""）',
    "field larger than field limit": "有一个单元格的内容过长",
    "new-line character seen in unquoted field": "有未用引号括起的换行符",
    "line contains NUL": "含有空字符（NUL），可能不是文本文件",
}


def csv_error_reason(error):
    text = str(error)
    for english, chinese in CSV_REASONS.items():
        if text.startswith(english):
            return chinese
    return "无法按 CSV 格式解析这一行"


def csv_rows(text):
    """Yield ``(line, cells)`` of a CSV text; a malformed line is named and explained."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(
                f"CSV 文件第 {start} 行格式有误：{csv_error_reason(exc)}。"
                "请在 Excel 或 WPS 中打开该文件检查这一行，改正后重新上传。"
            ) from exc
        yield start, cells
        start = reader.line_num + 1


class CSV(base_formats.CSV):
    """CSV read in any encoding Excel or WPS saves, written as UTF-8 with BOM."""

    CONTENT_TYPE = "text/csv; charset=utf-8"

    def get_read_mode(self):
        return "rb"

    def is_binary(self):
        # Uploads are kept as bytes so the encoding is detected, not assumed.
        return True

    def create_dataset(self, in_stream):
        return build_dataset(csv_rows(decode_csv(in_stream)))

    def export_data(self, dataset, **kwargs):
        return ("\ufeff" + dataset.export("csv")).encode("utf-8")


def check_xlsx_size(data):
    """Refuse a workbook whose unpacked size, rows or columns exceed the limits.

    The sizes come from the zip directory and the sheet's declared dimension, read
    before any cell is parsed: a small file cannot make the server unpack or walk
    a million rows.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(
            "无法读取该 xlsx 文件：文件已损坏或不是 Excel 工作簿。"
        ) from exc
    limit = import_limit("UNPACKED_BYTES")
    if unpacked > limit:
        raise ImportFileError(
            f"该 xlsx 文件解压后有 {unpacked / 2**20:.1f} MB，超过了 {limit // 2**20} MB "
            "的限制：请删去多余的工作表、图片或空白格式，或分成几个文件导入。"
        )


def check_sheet_dimension(sheet):
    max_rows, max_columns = import_limit("ROWS"), import_limit("COLUMNS")
    rows, columns = sheet.max_row, sheet.max_column  # as declared; None if not
    if rows is not None and rows > max_rows + 1:
        raise ImportFileError(
            f"工作表声明了 {rows} 行，超过了每次最多导入 {max_rows} 行数据的限制："
            "请删去多余的行（包括只有格式的空行）或分成几个文件导入。"
        )
    if columns is not None and columns > max_columns:
        raise ImportFileError(
            f"工作表声明了 {columns} 列，超过了每个文件最多 {max_columns} 列的限制："
            "请删去多余的列（包括只有格式的空列）后重新上传。"
        )


def xlsx_rows(sheet):
    """Yield ``(row number, values)``, stopping at a row past the limit."""
    max_rows = import_limit("ROWS")
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > 2 * max_rows + 1:
            # Blank rows are not counted as data, but walking millions is refused.
            raise ImportFileError(
                f"工作表超过了 {2 * max_rows} 行（含空行）：请删去多余的空行后重新上传。"
            )
        yield number, row


class XLSX(base_formats.XLSX):
    """XLSX checked for its size before parsing; unreadable files refused."""

    def create_dataset(self, in_stream):
        import openpyxl

        check_xlsx_size(in_stream)
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(in_stream), read_only=True, data_only=True
            )
            try:
                sheet = workbook.active
                if sheet is None or not hasattr(sheet, "iter_rows"):
                    raise ImportFileError("该 xlsx 文件中没有可读取的工作表。")
                check_sheet_dimension(sheet)
                return build_dataset(xlsx_rows(sheet))
            finally:
                workbook.close()
        except ImportFileError:
            raise
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportFileError(
                "无法读取该 xlsx 文件：文件已损坏或不是 Excel 工作簿。"
            ) from exc


FORMATS = [CSV, XLSX]


def detected_encoding(data):
    """Return the encoding an upload was saved in, as the import log records it."""
    if data[:2] == b"PK":
        return "xlsx"
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


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
    progress: Callable[[int, int], None] | None = None  # (rows done, rows in all)


STALE_ROW = {
    "changed": "预览后该行对应的记录已被他人修改",
    "deleted": "预览后该行对应的记录已被删除，导入不会重新创建它",
    "added": "预览后已有人新增了该行对应的记录",
}


def version_of(instance):
    """Return a stored record's version: its pk and the time of its last change."""
    return version_from(instance.pk, getattr(instance, "updated_at", None))


def version_from(pk, changed):
    """Return the version of the record ``pk`` last changed at ``changed``."""
    return [pk, changed.isoformat() if changed else None]


# Widgets ---------------------------------------------------------------------------


def clean_text(value):
    """Return a cell as text: Excel's float integers lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unescape_formula(str(value).strip())


class TextWidget(widgets.CharWidget):
    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return "" if self.allow_blank else None
        return clean_text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else force_str(value)


NUMBER_LIKE = re.compile(r"^[0-9.]+[eE][+-]?[0-9]+$|^[0-9]+\.[0-9]*$")


class IdNumberWidget(TextWidget):
    """An ID number cell; a number that Excel has already rounded is refused."""

    message = (
        "「%(value)s」已被 Excel 当成数字保存，身份证号的后几位已经丢失；"
        "请把该列设为“文本”格式后重新填写号码。"
    )

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return ""
        if isinstance(value, (int, float, Decimal)):
            raise ValueError(self.message % {"value": shown(value)})
        text = normalize_text(unescape_formula(str(value)))
        if NUMBER_LIKE.match(text):
            raise ValueError(self.message % {"value": shown(value)})
        return text.upper()


class PhoneWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return ""
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"「{shown(value)}」不是电话号码。")
            value = int(value)
        text = normalize_phone(unescape_formula(str(value)))
        if re.fullmatch(r"[0-9]+\.0", text):
            text = text[:-2]
        return text


def parse_number_text(value):
    return normalize_text(unescape_formula(str(value))).replace(",", "")


class IntegerWidget(widgets.IntegerWidget):
    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(f"「{shown(value)}」不是整数。")
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"「{shown(value)}」不是整数。")
            return int(value)
        if isinstance(value, int):
            return value
        text = parse_number_text(value)
        if re.fullmatch(r"[+-]?[0-9]+(\.0+)?", text):
            return int(text.split(".")[0])
        raise ValueError(f"「{shown(value)}」不是整数。")

    def render(self, value, obj=None, **kwargs):
        return value


class DecimalWidget(widgets.DecimalWidget):
    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(f"「{shown(value)}」不是数字。")
        if isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, (int, Decimal)):
            number = Decimal(value)
        else:
            try:
                number = Decimal(parse_number_text(value))
            except InvalidOperation:
                raise ValueError(f"「{shown(value)}」不是数字。") from None
        if not number.is_finite():
            raise ValueError(f"「{shown(value)}」不是数字。")
        return number

    def render(self, value, obj=None, **kwargs):
        return value


DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(value):
    """Return a date from a cell: a date, an Excel serial, or a common Chinese form."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return excel_serial_date(value)
    text = normalize_text(value)
    text = re.sub(r"[T\s]?\d{1,2}:\d{2}(:\d{2})?$", "", text)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return excel_serial_date(float(text))
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise ValueError(
        f"「{shown(value)}」不是有效日期，请写成 2021-03-05 或 2021年3月5日。"
    )


def excel_serial_date(serial):
    if not 1 <= serial < 2958466:
        raise ValueError(f"「{serial}」不是有效日期。")
    return EXCEL_EPOCH + datetime.timedelta(days=int(serial))


class DateWidget(widgets.DateWidget):
    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        if kwargs.get("force_native_type"):
            return value
        return value.isoformat()


TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "对"}
FALSE_WORDS = {"否", "无", "没有", "n", "no", "false", "0", "×", "✗", "不是"}


class BooleanWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            return value
        text = normalize_text(clean_text(value)).lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(f"「{shown(value)}」应填“是”或“否”。")

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "是" if value else "否"


class ChoiceWidget(widgets.Widget):
    """A choice read by its Chinese label (or its stored code), written as the label."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.labels = {value: force_str(label) for value, label in choices}
        self.values = {header_key(label): value for value, label in self.labels.items()}
        self.values.update({header_key(value): value for value in self.labels})

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            # An empty cell of a numeric choice (stars) is "no value", not "".
            return "" if all(isinstance(v, str) for v in self.labels) else None
        try:
            return self.values[header_key(clean_text(value))]
        except KeyError:
            options = "、".join(self.labels.values())
            raise ValueError(
                f"「{shown(value)}」不是有效选项，可选：{options}。"
            ) from None

    def render(self, value, obj=None, **kwargs):
        if value in (None, ""):
            return ""
        return self.labels.get(value, value)


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related record's natural key (e.g. a name).

    Lookups are cached per import and primed for a whole file in a few queries.
    """

    def __init__(self, model, field="name", **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.cache = {}

    def key_of(self, value):
        return clean_text(value)

    def prime(self, values):
        """Load every related record the file names, LOOKUP_CHUNK at a time."""
        wanted = list(
            {self.key_of(v) for v in values if not is_blank(v)} - set(self.cache)
        )
        for key in [key for key in wanted if "\x00" in key]:
            # PostgreSQL refuses a NUL even in a query; no stored key holds one.
            self.cache[key] = None
            wanted.remove(key)
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            found = self.model._default_manager.filter(**{f"{self.field}__in": chunk})
            for obj in found:
                self.cache[force_str(getattr(obj, self.field))] = obj
            for key in chunk:
                self.cache.setdefault(key, None)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        key = self.key_of(value)
        try:
            validate_plain_text(key)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None
        if key not in self.cache:
            self.prime([key])
        obj = self.cache[key]
        if obj is None:
            raise ValueError(
                f"找不到「{shown(key)}」：请先在“{self.model._meta.verbose_name}”中添加。"
            )
        return obj

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return force_str(getattr(value, self.field))


class NaturalKeyManyWidget(widgets.ManyToManyWidget):
    """Many related records by natural key, separated by 、 , ， ; or ；."""

    def __init__(self, model, field="name", **kwargs):
        super().__init__(model, separator="、", field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return self.model.objects.none()
        names = [
            n.strip() for n in re.split(r"[、,，;；]", clean_text(value)) if n.strip()
        ]
        found = self.model._default_manager.filter(**{f"{self.field}__in": names})
        missing = set(names) - {force_str(getattr(o, self.field)) for o in found}
        if missing:
            raise ValueError(f"找不到：{'、'.join(sorted(missing))}。")
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "、".join(force_str(getattr(o, self.field)) for o in value.all())


def verbose_header(django_field):
    return force_str(django_field.verbose_name)


# The instance loader -----------------------------------------------------------------


class NaturalKeyInstanceLoader(ModelInstanceLoader):
    """Find the existing records of a whole file in a few queries, by natural key."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.instances = {}
        keys = [resource.row_key(row) for row in resource.dataset_rows(dataset)]
        # A key with a NUL is refused on its row; PostgreSQL refuses it in a query.
        keys = [
            key
            for key in keys
            if key is not None
            and not any(isinstance(part, str) and "\x00" in part for part in key)
        ]
        if not keys:
            return
        opts = resource._meta.model._meta
        id_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        attnames = [opts.get_field(f.attribute).attname for f in id_fields]
        related = [
            field.attribute
            for field in resource.fields.values()
            if isinstance(field.widget, NaturalKeyWidget) and field.attribute
        ]
        first_values = list({key[0] for key in keys})
        for start in range(0, len(first_values), LOOKUP_CHUNK):
            chunk = first_values[start : start + LOOKUP_CHUNK]
            queryset = self.get_queryset().filter(**{f"{attnames[0]}__in": chunk})
            # The unchanged-row comparison reads each foreign key: fetch them along.
            queryset = queryset.select_related(*related)
            for instance in queryset:
                key = tuple(getattr(instance, attname) for attname in attnames)
                self.instances[key] = instance

    def get_instance(self, row):
        return self.instances.get(self.resource.row_key(row))


class MaskedDiff(Diff):
    """The import preview's before/after cells, masked like an export.

    The library reads the preview through ``Field.export`` (as the class method
    ``Diff._read_field_values``), which bypasses ``ZoneResource.export_field``: without
    this, a user lacking the permission would read the stored numbers of every record
    a file updates.
    """

    left: Any
    right: Any

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.left = self.masked(resource, self.left)

    def compare_with(self, resource, instance):
        super().compare_with(resource, instance)
        self.right = self.masked(resource, self.right)

    @staticmethod
    def masked(resource, values):
        # A long note is cut in the preview: the page shows what a row is, not all.
        values = [
            shown(value, PREVIEW_CHARS)
            if isinstance(value, str) and len(value) > PREVIEW_CHARS
            else value
            for value in values
        ]
        if resource.unmasked or not resource.personal_fields:
            return values
        masks = [
            resource.personal_fields.get(f.attribute)
            for f in resource.get_import_fields()
        ]
        return [
            mask(value) if mask and value else value
            for value, mask in zip(values, masks, strict=True)
        ]


# The Resource base ---------------------------------------------------------------------


class ZoneResource(resources.ModelResource):
    """The base of every Resource: Chinese headers, natural keys, all-or-nothing imports.

    Subclasses declare ``Meta.model``, ``Meta.fields`` and ``Meta.import_id_fields``
    (a natural key, never ``id``). Columns listed in ``personal_fields`` are masked on
    export unless the resource is built with ``unmasked=True``.
    """

    personal_fields: dict[str, Callable[[Any], str]] = {}  # field name -> mask
    personal_data_permission = None  # "app_label.codename" that lifts the masking

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        skip_diff = False
        instance_loader_class = NaturalKeyInstanceLoader
        chunk_size = 2000
        # Rows are validated one by one without a query (devzone.constraints), then
        # checked for unique rules and written all at once: no savepoint, INSERT or
        # SELECT per row. A Resource with a many-to-many field sets use_bulk = False.
        use_bulk = True
        batch_size = None

    write_batch_size = 1000

    def __init__(self, *, unmasked=False, user=None, run=None, **kwargs):
        super().__init__(**kwargs)
        self.unmasked = unmasked
        self.user = user
        self.run = run
        self.scope = Scope.of(user)
        self.row_numbers = {}

    def get_diff_class(self):
        return MaskedDiff

    # Fields from model fields: Chinese headers and devzone's widgets.

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if f.is_relation and f.many_to_many:
            return lambda **kw: NaturalKeyManyWidget(
                f.related_model, field=getattr(f.related_model, "NATURAL_KEY", "name")
            )
        if f.is_relation:
            return lambda **kw: NaturalKeyWidget(
                f.related_model, field=getattr(f.related_model, "NATURAL_KEY", "name")
            )
        if f.choices:
            return lambda **kw: ChoiceWidget(f.choices)
        if isinstance(f, IdNumberField):
            return IdNumberWidget
        if isinstance(f, PhoneField):
            return PhoneWidget
        if isinstance(f, models.BooleanField):
            return BooleanWidget
        if isinstance(f, models.DateTimeField):
            return super().widget_from_django_field(f, default)
        if isinstance(f, models.DateField):
            return DateWidget
        if isinstance(f, models.DecimalField | models.FloatField):
            return DecimalWidget
        if isinstance(f, models.IntegerField):
            return IntegerWidget
        if isinstance(f, models.CharField | models.TextField):
            return TextWidget
        return super().widget_from_django_field(f, default)

    @classmethod
    def widget_kwargs_for_field(cls, field_name, django_field):
        return dict((cls._meta.widgets or {}).get(field_name, {}))

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        field.attribute = field_name
        field.column_name = verbose_header(django_field)
        return field

    # Reading a file.

    def dataset_rows(self, dataset):
        headers = dataset.headers or []
        for values in dataset:
            yield dict(zip(headers, values, strict=False))

    def row_key(self, row):
        """Return the natural key of a row, or None if it cannot be read."""
        key = []
        for name in self.get_import_id_fields():
            field = self.fields[name]
            try:
                value = field.clean(row)
            except (ValueError, KeyError, ValidationError):
                return None
            if is_blank(value):
                return None
            if isinstance(value, models.Model):
                value = value.pk
            else:
                try:
                    # A key no column can hold (2**70) is never looked up.
                    opts = self._meta.model._meta
                    opts.get_field(field.attribute).run_validators(value)
                except (ValidationError, FieldDoesNotExist):
                    return None
            key.append(value)
        return tuple(key)

    def key_columns(self):
        return "、".join(
            self.fields[name].column_name for name in self.get_import_id_fields()
        )

    def normalize_headers(self, dataset):
        """Rename the headers to the columns' names; refuse a file for another table.

        Both what is missing and what is unknown are named in one message, before
        any row is read: a file meant for another table gets one clear answer.
        """
        by_key = {}
        for name, field in self.fields.items():
            if field.readonly:
                continue
            by_key[header_key(field.column_name)] = field.column_name
            by_key[header_key(name)] = field.column_name
        headers, unknown, seen = [], [], set()
        for header in dataset.headers or []:
            if is_blank(header):
                headers.append("")
                continue
            column = by_key.get(header_key(header))
            if column is None:
                unknown.append(shown(header, 20))
                headers.append(force_str(header))
                continue
            if column in seen:
                raise ImportFileError(
                    f"表头中“{column}”出现了两次：请删去其中一列后重新上传。"
                )
            seen.add(column)
            headers.append(column)
        missing = [
            self.fields[n].column_name
            for n in self.get_import_id_fields()
            if self.fields[n].column_name not in seen
        ]
        if unknown or missing:
            problems = []
            if missing:
                problems.append(f"缺少必需的列：{'、'.join(missing)}")
            if unknown:
                problems.append(f"无法识别的列：{'、'.join(unknown)}")
            table = self._meta.model._meta.verbose_name
            raise ImportFileError(
                f"表头与“{table}”的表格不符（{'；'.join(problems)}）。"
                f"请确认上传的是“{table}”的表格，并按可用的列修改表头；"
                f"可用的列：{'、'.join(f.column_name for f in self.get_import_fields())}。"
            )
        dataset.headers = headers

    def prime_foreign_keys(self, dataset):
        for field in self.fields.values():
            if (
                isinstance(field.widget, NaturalKeyWidget)
                and field.column_name in dataset.headers
            ):
                field.widget.prime(dataset[field.column_name])

    def refuse_duplicate_keys(self, dataset):
        first_row: dict[Any, int] = {}
        duplicates = defaultdict(list)
        numbers = file_row_numbers(dataset)
        for number, row in zip(numbers, self.dataset_rows(dataset), strict=False):
            key = self.row_key(row)
            if key is None:
                continue
            if key in first_row:
                duplicates[first_row[key]].append(number)
            else:
                first_row[key] = number
        if duplicates:
            raise self.duplicate_keys_error(duplicates)

    def duplicate_keys_error(self, duplicates):
        """Return the refusal of a file naming a record twice: {first row: [later rows]}."""
        lines = [
            f"第 {first} 行与第 {'、'.join(map(str, later))} 行"
            for first, later in sorted(duplicates.items())
        ]
        return ImportFileError(
            f"同一文件中“{self.key_columns()}”重复：{'；'.join(lines)}。"
            "每条记录只能出现一次，请合并后重新上传。"
        )

    def check_file(self, dataset, *, duplicate_keys=True):
        """Refuse a file that cannot be imported at all, before any row is read.

        The set-based import finds a key given twice in SQL (``duplicate_keys=False``).
        """
        if not dataset.headers:
            raise ImportFileError("文件没有表头行：第 1 行应为各列的名称。")
        self.normalize_headers(dataset)
        self.prime_foreign_keys(dataset)
        if duplicate_keys:
            self.refuse_duplicate_keys(dataset)
        self.refuse_number_guessing(dataset)

    def after_init_instance(self, instance, new, row, **kwargs):
        # Before the preview shows a single stored value: a row may not reach a
        # record outside the user's communities. The refusal names no record.
        if not new and not self.scope.allows(instance):
            raise ValidationError({NON_FIELD_ERRORS: [self.scope.refusal()]})
        if self.run is not None:
            self.check_version(instance, new, kwargs.get("row_number"))
        super().after_init_instance(instance, new, row, **kwargs)

    def check_version(self, instance, new, number):
        """Record the row's record version; refuse it if it moved since the preview."""
        version = None if new else version_of(instance)
        self.run.versions[number] = version
        if self.run.expected is None:
            return
        expected = self.run.expected.get(str(number))
        if expected == version:
            return
        if expected is None:
            reason = STALE_ROW["added"]
        elif version is None:
            reason = STALE_ROW["deleted"]
        else:
            reason = STALE_ROW["changed"]
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    f"{reason}。为免覆盖他人的修改，整个文件都没有导入，"
                    "请重新上传并预览。"
                ]
            }
        )

    def refuse_number_guessing(self, dataset):
        """Refuse a masked user's file that tries candidates for a masked number.

        Rows are matched by their key: whether a row would update a record or find
        a recipient tells whether its number exists. A user who sees numbers masked
        could import the few candidates a mask leaves open and read the answer off
        the preview. Such a file has many "near misses": numbers that share their
        mask with a stored number but differ from it. A real file has almost none.
        """
        if self.unmasked:
            return
        misses = 0
        for name in self.get_import_id_fields():
            mask = self.personal_fields.get(name)
            field = self.fields[name]
            if mask is None or field.column_name not in (dataset.headers or []):
                continue
            values = {
                normalize_text(str(value)).upper()
                for value in dataset[field.column_name]
                if not is_blank(value)
            }
            if isinstance(field.widget, NaturalKeyWidget):
                model, attribute = field.widget.model, field.widget.field
            else:
                model, attribute = self._meta.model, field.attribute
            misses += near_misses(model, attribute, values, mask)
        if misses > settings.DEVZONE_IMPORT_NEAR_MISSES:
            raise NumberGuessingRefused(
                f"文件中有 {misses} 个号码与已有记录的号码只在被遮盖的几位上不同。"
                "为防止通过导入试探他人的完整号码，您无权查看完整号码时不能导入这样的文件；"
                "请核对号码，或请有权限的同事导入。"
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if all(is_blank(value) for value in row.values()):
            return True
        if import_validation_errors:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def import_row(self, row, instance_loader, **kwargs):
        if self._meta.use_bulk:
            row_result = self.import_row_in_bulk(row, instance_loader, **kwargs)
        else:
            row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.validation_error is not None:
            row_result.validation_error = self.errors_by_column(
                row_result.validation_error
            )
        return row_result

    def import_row_in_bulk(self, row, instance_loader, **kwargs):
        """Import one row as the library does, without its per-row costs.

        The library deep-copies every record to tell an unchanged row and builds the
        preview's diff for every row; here the unchanged test compares the imported
        columns' values, and the diff is built only for the rows the preview shows.
        devzone's imports never delete, so ``for_delete`` is not consulted.
        """
        if not self._meta.store_instance:
            self._meta.store_instance = kwargs.get(
                "retain_instance_in_row_result", False
            )
        row_result = self.get_row_result_class()()
        try:
            self.before_import_row(row, **kwargs)
            instance, new = self.get_or_init_instance(instance_loader, row)
            self.after_init_instance(instance, new, row, **kwargs)
            row_result.import_type = (
                RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
            )
            shown = kwargs.get("row_number", 0) <= PREVIEW_ROWS
            diff = self.get_diff_class()(self, instance, new) if shown else None
            before = None if new else self.imported_values(instance)
            errors: dict[str, list] = {}
            try:
                self.import_instance(instance, row, **kwargs)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
            if all(is_blank(value) for value in row.values()) or (
                not errors
                and before is not None
                and self._meta.skip_unchanged
                and before == self.imported_values(instance)
            ):
                row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            else:
                self.validate_instance(instance, errors)
                self.save_instance(instance, new, row, **kwargs)
            row_result.add_instance_info(instance)
            if self._meta.store_instance:
                row_result.instance = instance
            if diff is not None:
                diff.compare_with(self, instance)
                row_result.diff = diff.as_html()
            self.after_import_row(row, row_result, **kwargs)
        except ValidationError as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = exc
        except Exception as exc:  # reported on the row, as the library does
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            row_result.errors.append(
                self.get_error_result_class()(exc, row=row, number=kwargs["row_number"])
            )
        return row_result

    def imported_values(self, instance):
        """Return the values of the imported columns, to tell an unchanged row."""
        if not hasattr(self, "_import_fields"):
            self._import_fields = self.get_import_fields()
        return tuple(field.get_value(instance) for field in self._import_fields)

    def errors_by_column(self, error):
        columns = {field.attribute: field.column_name for field in self.fields.values()}
        by_column: dict[str, list] = {}
        for name, messages in error.message_dict.items():
            column = "整行" if name == NON_FIELD_ERRORS else columns.get(name, name)
            by_column.setdefault(column, []).extend(messages)
        return ValidationError(by_column)

    def import_data(self, dataset, *args, **kwargs):
        from devzone.spreadsheets.bulk import BulkImport

        kwargs.setdefault("rollback_on_validation_errors", True)
        in_bulk = BulkImport.supports(self)
        try:
            self.check_file(dataset, duplicate_keys=not in_bulk)
            if in_bulk:
                result = BulkImport(
                    self,
                    dataset,
                    dry_run=kwargs.get("dry_run", False),
                    progress=self.run.progress if self.run is not None else None,
                ).run()
            else:
                result = super().import_data(dataset, *args, **kwargs)
        except ImportFileError as exc:
            if kwargs.get("raise_errors"):
                raise
            # The library would go on to read every row of a refused file.
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            result.append_base_error(self.get_error_result_class()(exc))
            return result
        result.file_row_numbers = file_row_numbers(dataset)
        return result

    def resolved_foreign_keys(self, instance):
        """Return the foreign keys a NaturalKeyWidget found: they exist, no query needed."""
        names = set()
        for field in self.fields.values():
            if isinstance(field.widget, NaturalKeyWidget) and field.attribute:
                model_field = instance._meta.get_field(field.attribute)
                if getattr(instance, model_field.attname) is not None:
                    names.add(field.attribute)
        return names

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        errors = dict(import_validation_errors or {})
        if not errors and not self.scope.allows(instance):
            # A row may neither create a record in another community nor move one.
            raise ValidationError({NON_FIELD_ERRORS: [self.scope.refusal()]})
        exclude = set(errors) | self.resolved_foreign_keys(instance)
        per_row = not self._meta.use_bulk
        try:
            instance.full_clean(
                exclude=exclude, validate_unique=per_row, validate_constraints=per_row
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not per_row:
            failed = exclude | set(errors)
            for field, messages in check_constraint_errors(instance, failed).items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(required_messages(instance, errors))

    def save_instance(self, instance, is_create, row, **kwargs):
        if not is_create and hasattr(instance, "updated_at"):
            instance.updated_at = timezone.now()
        self.row_numbers[id(instance)] = (kwargs.get("row_number"), row)
        if not self._meta.use_bulk:
            # Saved one by one: the history signal reads who and which batch here.
            if getattr(self.user, "pk", None):
                instance._history_user = self.user
            if self.run is not None and self.run.batch is not None:
                instance._import_batch = self.run.batch
        super().save_instance(instance, is_create, row, **kwargs)

    def get_bulk_update_fields(self):
        # Only the model's own columns: a Resource may read columns it does not save
        # (an assistance record's 帮扶对象类别), which bulk_update cannot write.
        names = {field.name for field in self._meta.model._meta.concrete_fields}
        fields = [name for name in super().get_bulk_update_fields() if name in names]
        if hasattr(self._meta.model, "updated_at") and "updated_at" not in fields:
            fields.append("updated_at")
        return fields

    def bulk_create(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        # The first of the final writes: check the unique rules of every row at once.
        # A file with any bad row is rolled back, so its good rows are not written.
        self.refuse_unique_conflicts(result)
        if result is not None and (
            result.has_validation_errors() or result.has_errors()
        ):
            self.create_instances.clear()
            self.update_instances.clear()
            return
        if self.create_instances and (using_transactions or not dry_run):
            try:
                bulk_create_with_history(
                    self.create_instances,
                    self._meta.model,
                    batch_size=self.write_batch_size,
                    **self.history_kwargs(),
                )
            except DatabaseError as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        if self.update_instances and (using_transactions or not dry_run):
            try:
                bulk_update_with_history(
                    self.update_instances,
                    self._meta.model,
                    self.get_bulk_update_fields(),
                    batch_size=self.write_batch_size,
                    **self.history_kwargs(),
                )
            except DatabaseError as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.update_instances.clear()

    def history_kwargs(self):
        """Return who and which batch the history of a bulk write names."""
        batch = self.run.batch if self.run is not None else None
        return {
            "default_user": self.user if getattr(self.user, "pk", None) else None,
            "custom_historical_attrs": {"import_batch": batch} if batch else None,
        }

    def handle_import_error(self, result, error, raise_errors=False):
        # A database's refusal of a bulk write is put on the rows that caused it.
        if result is not None and isinstance(error, DatabaseError):
            instances = self.create_instances + self.update_instances
            refusal = database_refusal(self._meta.model, error, instances)
            if refusal is not None:
                field, message, culprits = refusal
                for instance in culprits:
                    number, row = self.row_numbers[id(instance)]
                    error_dict = self.errors_by_column(
                        ValidationError({field: message})
                    )
                    result.append_invalid_row(number, row, error_dict)
                if culprits:
                    result.invalid_rows.sort(key=lambda invalid: invalid.number)
                    return
                error = DatabaseRefusal(
                    f"{message}（{self.column_of(field)}）"
                    "。数据可能在预览后被他人修改，没有保存任何数据：请重新上传文件。"
                )
        super().handle_import_error(result, error, raise_errors)

    def column_of(self, field_name):
        for field in self.fields.values():
            if field.attribute == field_name:
                return field.column_name
        return field_name

    def refuse_unique_conflicts(self, result):
        """Report the rows that break a unique rule."""
        instances = self.create_instances + self.update_instances
        if not instances or result is None:
            return
        conflicts = unique_conflicts(self._meta.model, instances)
        for instance, by_field in conflicts:
            number, row = self.row_numbers[id(instance)]
            error = self.errors_by_column(ValidationError(dict(by_field)))
            result.append_invalid_row(number, row, error)
        result.invalid_rows.sort(key=lambda invalid: invalid.number)

    # Writing a file.

    def filter_export(self, queryset, **kwargs):
        related = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, NaturalKeyWidget) and field.attribute
        ]
        many = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, NaturalKeyManyWidget) and field.attribute
        ]
        if related:
            queryset = queryset.select_related(*related)
        if many:
            queryset = queryset.prefetch_related(*many)
        return queryset

    def export_field(self, field, instance, **kwargs):
        return self.finish_cell(field, super().export_field(field, instance, **kwargs))

    def finish_cell(self, field, value):
        """Return an exported value masked (personal data) and formula-escaped."""
        mask = self.personal_fields.get(field.attribute)
        if mask and value and not self.unmasked:
            value = mask(value)
        return escape_formula(value)

    def value_paths(self, export_fields):
        """Return each field's ``values_list`` path, or None if one needs its object."""
        opts = self._meta.model._meta
        paths = []
        for field in export_fields:
            method = field.get_dehydrate_method(self.get_field_name(field))
            if getattr(self, method, None) is not None or not field.attribute:
                return None
            if "__" in field.attribute or isinstance(
                field.widget, NaturalKeyManyWidget
            ):
                return None
            try:
                model_field = opts.get_field(field.attribute)
            except FieldDoesNotExist:
                return None  # a property or a method
            if isinstance(field.widget, NaturalKeyWidget):
                paths.append(f"{field.attribute}__{field.widget.field}")
            elif model_field.is_relation or not model_field.concrete:
                return None
            else:
                paths.append(field.attribute)
        return paths

    def iter_rows(self, queryset, export_fields=None, force_native_type=False):
        """Yield the header row, then each record's row, reading the queryset in chunks.

        When every column is a plain field (or a foreign key's natural key) the rows
        come from ``values_list``, with no model instance built per row.
        """
        yield self.get_export_headers(selected_fields=export_fields)
        fields = self.get_export_fields(export_fields)
        paths = self.value_paths(fields)
        if paths is None:
            for obj in self.iter_queryset(self.filter_export(queryset)):
                yield self.export_resource(
                    obj,
                    selected_fields=export_fields,
                    force_native_type=force_native_type,
                )
            return
        renderers = [
            (
                field,
                None if isinstance(field.widget, NaturalKeyWidget) else field.widget,
            )
            for field in fields
        ]
        rows = queryset.values_list(*paths).iterator(chunk_size=self.get_chunk_size())
        for values in rows:
            yield [
                self.finish_cell(
                    field,
                    ("" if value is None else force_str(value))
                    if widget is None
                    else widget.render(value, force_native_type=force_native_type),
                )
                for (field, widget), value in zip(renderers, values, strict=True)
            ]


def near_misses(model, attribute, values, mask):
    """Return how many of ``values`` share their mask with a different stored value."""
    by_mask = defaultdict(set)
    for value in values:
        masked = mask(value)
        if not masked.startswith("*") and not masked.endswith("*"):
            by_mask[masked].add(value)
    misses = 0
    masks = list(by_mask)
    for start in range(0, len(masks), LOOKUP_CHUNK // 10):
        query = Q()
        for masked in masks[start : start + LOOKUP_CHUNK // 10]:
            prefix, suffix = masked.split("*", 1)[0], masked.rsplit("*", 1)[-1]
            query |= Q(
                **{f"{attribute}__startswith": prefix, f"{attribute}__endswith": suffix}
            )
        stored = model._default_manager.filter(query).values_list(attribute, flat=True)
        stored_by_mask = defaultdict(set)
        for value in stored:
            stored_by_mask[mask(value)].add(value)
        for masked in masks[start : start + LOOKUP_CHUNK // 10]:
            if stored_by_mask[masked]:
                misses += len(by_mask[masked] - stored_by_mask[masked])
    return misses


MASK_ID = mask_id_number
MASK_PHONE = mask_phone


def required_messages(instance, errors):
    """Return errors with Django's "这个值不能为 null" said as for a blank cell."""
    result: dict[str, list] = {}
    for name, messages in errors.items():
        result[name] = []
        for message in messages:
            if getattr(message, "code", None) == "null":
                try:
                    text = instance._meta.get_field(name).error_messages["blank"]
                except FieldDoesNotExist:
                    text = message
                message = ValidationError(text, code="blank")
            result[name].append(message)
    return result


class DatabaseRefusal(Exception):
    """A database's refusal, explained; the message is shown to the user."""


CONSTRAINT_NAME = re.compile(r'constraint "([^"]+)"|CHECK constraint failed: (\w+)')
COLUMN_NAMES = re.compile(
    r"(?:UNIQUE|NOT NULL) constraint failed: ([\w.]+(?:, [\w.]+)*)"
    r'|null value in column "(\w+)"|Key \(([^)]+)\)='
)


def database_refusal(model, error, instances):
    """Return (field, rule in Chinese, offending instances) for a refused write.

    The rule is read from the database's message (PostgreSQL and SQLite word it
    differently) and matched to the model's own constraint or field; the rows that
    break it are found in Python. None when the message names nothing known.
    """
    text = str(error)
    opts = model._meta
    match = CONSTRAINT_NAME.search(text)
    name = match and (match.group(1) or match.group(2))
    for constraint in opts.constraints:
        if constraint.name != name:
            continue
        message = force_str(constraint.get_violation_error_message())
        if isinstance(constraint, models.CheckConstraint):
            field = (
                getattr(constraint, "field", None)
                or sorted(referenced_fields(constraint.condition))[0]
            )
            culprits = []
            for instance in instances:
                try:
                    if evaluate(instance, constraint.condition) is False:
                        culprits.append(instance)
                except Unsupported:
                    continue
            return field, message, culprits
        field = getattr(constraint, "field", None) or constraint.fields[0]
        return field, message, duplicated(model, instances, constraint.fields)
    match = COLUMN_NAMES.search(text)
    columns = match and (match.group(1) or match.group(2) or match.group(3))
    if not columns:
        return None
    names = [part.strip().split(".")[-1] for part in columns.split(",")]
    fields = []
    for column in names:
        for field in opts.concrete_fields:
            if field.column == column:
                fields.append(field)
    if not fields:
        return None
    if "NOT NULL" in text or "null value" in text:
        field = fields[0]
        culprits = [i for i in instances if getattr(i, field.attname) is None]
        return field.name, "此项必填，不能为空。", culprits
    labels = "、".join(str(f.verbose_name) for f in fields)
    return (
        fields[0].name,
        f"{labels}与已有的记录重复。",
        duplicated(model, instances, [f.name for f in fields]),
    )


def duplicated(model, instances, field_names):
    """Return the instances whose values of the fields repeat an earlier one's."""
    attnames = [model._meta.get_field(name).attname for name in field_names]
    seen, culprits = set(), []
    for instance in instances:
        key = tuple(getattr(instance, attname) for attname in attnames)
        if key in seen:
            culprits.append(instance)
        seen.add(key)
    return culprits


def error_text(error):
    """Return an error for a person: a database's own refusal gets a Chinese sentence."""
    if isinstance(error, DatabaseRefusal):
        return f"数据库拒绝保存：{error}"
    if isinstance(error, DatabaseError):
        return f"数据库拒绝保存这些数据，没有保存任何数据。请把以下信息发给系统管理员：{error}"
    return force_str(error)


def file_row_numbers(dataset):
    """Return the row number in the file of each of the dataset's rows."""
    numbers = getattr(dataset, "row_numbers", None)
    if numbers is None or len(numbers) != len(dataset):
        return list(range(2, len(dataset) + 2))
    return numbers


def row_ranges(numbers):
    """Return row numbers as a person reads them: 3–48、50、52–53."""
    numbers = sorted(set(numbers))
    parts, start = [], None
    for index, number in enumerate(numbers):
        if start is None:
            start = number
        if index + 1 == len(numbers) or numbers[index + 1] != number + 1:
            parts.append(str(start) if start == number else f"{start}–{number}")
            start = None
    return "、".join(parts)


def error_lines(result):
    """Return every error of an import result as a line a person can act on.

    The same message on many rows is one line naming them all ("第 3–48 行 · …"),
    so a file with one mistake copied down a column does not give a thousand lines.
    """
    numbers = getattr(result, "file_row_numbers", None)

    def file_row(number):
        if numbers and 1 <= number <= len(numbers):
            return numbers[number - 1]
        return number + 1

    lines = [error_text(error.error) for error in result.base_errors]
    grouped: dict[
        tuple, list
    ] = {}  # (column, message) -> file rows, in the order first seen
    for number, errors in result.row_errors():
        for error in errors:
            row = file_row(error.number or number)
            grouped.setdefault((None, error_text(error.error)), []).append(row)
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            for message in messages:
                grouped.setdefault((column, message), []).append(file_row(row.number))
    entries = sorted(grouped.items(), key=lambda item: min(item[1]))
    for (column, message), rows in entries:
        where = f"第 {row_ranges(rows)} 行"
        lines.append(
            f"{where}：{message}"
            if column is None
            else f"{where} · {column}：{message}"
        )
    return lines


def import_counts(result):
    """Return how many rows an import adds, updates and leaves unchanged."""
    totals = result.totals
    return {
        "new": totals[RowResult.IMPORT_TYPE_NEW],
        "update": totals[RowResult.IMPORT_TYPE_UPDATE],
        "skip": totals[RowResult.IMPORT_TYPE_SKIP],
    }


def read_dataset(data, file_name):
    """Return a dataset from an uploaded file's bytes, choosing the format by its name."""
    fmt = XLSX() if file_name.lower().endswith((".xlsx", ".xlsm")) else CSV()
    return fmt.create_dataset(
        data if isinstance(data, bytes) else io.BytesIO(data).read()
    )
