"""Widgets: how each kind of cell is read from a spreadsheet and written back."""

import contextlib
import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from import_export import widgets

from devzone.spreadsheets.cells import unescape_formula
from devzone.spreadsheets.formats import FormulaCell, header_key, is_blank, shown
from devzone.validators import (
    NO,
    YES,
    normalize_phone,
    normalize_text,
    validate_plain_text,
    yes_no,
)

EXCEL_EPOCH = datetime.date(1899, 12, 30)
LOOKUP_CHUNK = 1000


def refuse_formula(value, hint="公式单元格请改为直接填写的内容"):
    """Raise ValueError for a formula cell whose result the file does not hold."""
    if isinstance(value, FormulaCell):
        raise ValueError(
            f"「{shown(value)}」是公式单元格，文件中没有保存它的计算结果：{hint}。"
        )


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
        refuse_formula(value)
        if is_blank(value):
            return "" if self.allow_blank else None
        return clean_text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else force_str(value)


EXCEL_INTEGER = re.compile(
    r"[0-9]+\.0"
)  # a number Excel kept as a float: 13912345678.0
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+(\.0+)?")
NUMBER_LIKE = re.compile(r"^[0-9.]+[eE][+-]?[0-9]+$|^[0-9]+\.[0-9]*$")


class IdNumberWidget(TextWidget):
    """An ID number cell; a number that Excel has already rounded is refused."""

    message = (
        "「%(value)s」已被 Excel 当成数字保存，身份证号的后几位已经丢失；"
        "请把该列设为“文本”格式后重新填写号码。"
    )

    def clean(self, value, row=None, **kwargs):
        refuse_formula(value)
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
        refuse_formula(value)
        if is_blank(value):
            return ""
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"「{shown(value)}」不是电话号码。")
            value = int(value)
        text = normalize_phone(unescape_formula(str(value)))
        if EXCEL_INTEGER.fullmatch(text):
            text = text[:-2]
        return text


def parse_number_text(value):
    return normalize_text(unescape_formula(str(value))).replace(",", "")


class NativeValueMixin:
    """Export values as they are, not as text: XLSX keeps numbers and dates typed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)


class NumberCellWidget(NativeValueMixin, widgets.NumberWidget):
    """A number cell: blank is no value, a boolean or a word is refused in Chinese.

    Subclasses say what a number is (``number``) and how a refusal is worded.
    """

    refusal = "「%s」不是数字。"

    def clean(self, value, row=None, **kwargs):
        refuse_formula(value, "公式单元格请改为数值")
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise self.refused(value)
        return self.number(value)

    def number(self, value):
        raise NotImplementedError

    def refused(self, value):
        return ValueError(self.refusal % shown(value))

    def render(self, value, obj=None, **kwargs):
        return value


class IntegerWidget(NumberCellWidget, widgets.IntegerWidget):
    refusal = "「%s」不是整数。"

    def number(self, value):
        if isinstance(value, float):
            if not value.is_integer():
                raise self.refused(value)
            return int(value)
        if isinstance(value, int):
            return value
        text = parse_number_text(value)
        if INTEGER_TEXT.fullmatch(text):
            return int(text.split(".")[0])
        raise self.refused(value)


class DecimalWidget(NumberCellWidget, widgets.DecimalWidget):
    def number(self, value):
        if isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, (int, Decimal)):
            number = Decimal(value)
        else:
            try:
                number = Decimal(parse_number_text(value))
            except InvalidOperation:
                raise self.refused(value) from None
        if not number.is_finite():
            raise self.refused(value)
        return number


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


class DateWidget(NativeValueMixin, widgets.DateWidget):
    def clean(self, value, row=None, **kwargs):
        refuse_formula(value)
        if is_blank(value):
            return None
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        if kwargs.get("force_native_type"):
            return value
        return value.isoformat()


TRUE_WORDS = {YES, "有", "y", "yes", "true", "1", "√", "✓", "对"}
FALSE_WORDS = {NO, "无", "没有", "n", "no", "false", "0", "×", "✗", "不是"}


class BooleanWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        refuse_formula(value)
        if is_blank(value):
            return None
        if isinstance(value, bool):
            return value
        text = normalize_text(clean_text(value)).lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(f"「{shown(value)}」应填“{YES}”或“{NO}”。")

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return yes_no(value)


class ChoiceWidget(widgets.Widget):
    """A choice read by its Chinese label (or its stored code), written as the label."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.labels = {value: force_str(label) for value, label in choices}
        self.values = {header_key(label): value for value, label in self.labels.items()}
        self.values.update({header_key(value): value for value in self.labels})

    def clean(self, value, row=None, **kwargs):
        refuse_formula(value)
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
        # Narrows the records a key may find (the user's scope), set per import.
        self.narrow = None

    def key_of(self, value):
        return clean_text(value)

    def candidates(self):
        """Return the records a key may name: all of them, or the user's own."""
        queryset = self.model._default_manager.all()
        return queryset if self.narrow is None else self.narrow(queryset)

    def prime(self, values):
        """Load every related record the file names, LOOKUP_CHUNK at a time."""
        # A column names a few records many times: each distinct cell is read once.
        # (1 and True fall together here; a key missed is looked up as its cell is
        # cleaned.) With an unhashable cell, every cell is read.
        with contextlib.suppress(TypeError):
            values = set(values)
        wanted = list(
            {self.key_of(v) for v in values if not is_blank(v)} - set(self.cache)
        )
        for key in [key for key in wanted if "\x00" in key]:
            # PostgreSQL refuses a NUL even in a query; no stored key holds one.
            self.cache[key] = None
            wanted.remove(key)
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            found = self.candidates().filter(**{f"{self.field}__in": chunk})
            for obj in found:
                self.cache[force_str(getattr(obj, self.field))] = obj
            for key in chunk:
                self.cache.setdefault(key, None)

    def clean(self, value, row=None, **kwargs):
        refuse_formula(value)
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
        refuse_formula(value)
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
