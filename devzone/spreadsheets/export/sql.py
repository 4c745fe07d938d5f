"""Rows in SQL: the same cells computed by PostgreSQL, written by COPY."""

from typing import Any

from django.db import models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Left, Length, NullIf, Ord
from django.db.models.lookups import (
    Exact,
    GreaterThanOrEqual,
    In,
)

from devzone.fields import SealedCharField
from devzone.personal import TEXT, pipes
from devzone.spreadsheets.cells import (
    FORMULA_PREFIXES,
    escape_formula,
)
from devzone.spreadsheets.export.rows import value_path
from devzone.spreadsheets.export.xlsx_file import (
    DATE,
    TEXT_CLOSE,
    TEXT_OPEN,
    TEXT_OPEN_PRESERVE,
)
from devzone.spreadsheets.widgets import (
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    DecimalWidget,
    IntegerWidget,
    NaturalKeyWidget,
    TextWidget,
)
from devzone.validators import NO, YES


def starts_with_formula(value):
    """Return a condition: the text starts with one of FORMULA_PREFIXES."""
    by_length: dict[int, list[str]] = {}
    for prefix in FORMULA_PREFIXES:
        by_length.setdefault(len(prefix), []).append(prefix)
    condition = Q()
    for length, prefixes in sorted(by_length.items()):
        if length == 1:
            # The first character's code point: integers compare faster than text.
            condition |= Q(In(Ord(value), [ord(prefix) for prefix in prefixes]))
        else:
            condition |= Q(In(Left(value, length), prefixes))
    return condition


def sql_escape_formula(value, starts=None):
    """escape_formula in SQL: a "'" before text that starts as a formula.

    ``starts`` is the condition when it is cheaper to read from elsewhere than
    from ``value`` (the stored value of a masked one).
    """
    apostrophe = Case(
        When(starts_with_formula(value) if starts is None else starts, then=Value("'")),
        default=Value(""),
        output_field=TEXT,
    )
    return pipes(apostrophe, value)


class IsoDate(Func):
    """A date as ``YYYY-MM-DD``, as ``date.isoformat()`` writes it."""

    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
    output_field = TEXT

    def as_postgresql(self, compiler, connection, **extra_context):
        # In the ISO DateStyle (the server's default, reported to the client) a
        # date's own text is YYYY-MM-DD already, and a cast costs less than to_char.
        style = connection.connection.info.parameter_status("DateStyle") or ""
        if style.startswith("ISO"):
            extra_context["template"] = "(%(expressions)s)::text"
        return self.as_sql(compiler, connection, **extra_context)


def is_text(model_field):
    return isinstance(model_field, models.CharField | models.TextField)


def renders_as(widget, widget_class):
    """Return True if the widget renders a value as ``widget_class`` does."""
    return isinstance(widget, widget_class) and type(widget).render is (
        widget_class.render
    )


def sql_column(resource, field):
    """Return the field's cell as a SQL expression, or None if only Python knows it.

    The cell is the one ``python_rows`` gives: rendered by the widget, masked unless
    the Resource is unmasked, formula-escaped; an empty cell is NULL, which COPY
    writes as nothing, as the csv module writes "".
    """
    path = value_path(resource, field)
    if path is None:
        return None
    widget = field.widget
    mask = None if resource.unmasked else resource.personal_masks.get(id(field))
    opts = resource._meta.model._meta
    model_field = opts.get_field(field.attribute)
    if isinstance(model_field, SealedCharField):
        if mask is None:
            return None  # unmasked: only Python decrypts (python_rows)
        stored = sql_escape_formula(mask.stored(path))
        return NullIf(stored, Value(""), output_field=TEXT)
    value: Any = F(path)
    if isinstance(widget, NaturalKeyWidget):
        target = model_field.related_model._meta.get_field(widget.field)
        if not is_text(target):
            return None
        text = value
    elif renders_as(widget, ChoiceWidget):
        if mask is not None:
            return None
        known = [(key, label) for key, label in widget.labels.items() if key != ""]
        other = value if is_text(model_field) else Cast(value, TEXT)
        return NullIf(
            Case(
                *[
                    When(Exact(value, key), then=Value(escape_formula(label)))
                    for key, label in known
                ],
                default=sql_escape_formula(other) if is_text(model_field) else other,
                output_field=TEXT,
            ),
            Value(""),
            output_field=TEXT,
        )
    elif renders_as(widget, TextWidget) and is_text(model_field):
        text = value
    elif mask is not None:
        return None
    elif renders_as(widget, BooleanWidget):
        return Case(
            When(Exact(value, True), then=Value(YES)),
            When(Exact(value, False), then=Value(NO)),
            output_field=TEXT,
        )
    elif renders_as(widget, DateWidget) and type(model_field) is models.DateField:
        return IsoDate(value)
    elif (
        renders_as(widget, IntegerWidget)
        and isinstance(model_field, models.IntegerField)
        or (
            renders_as(widget, DecimalWidget)
            and isinstance(model_field, models.DecimalField)
            # Python writes a Decimal below 1e-6 with an exponent; PostgreSQL never does.
            and model_field.decimal_places <= 6
        )
    ):
        return Cast(value, TEXT)
    else:
        return None
    if mask is None:
        escaped = sql_escape_formula(text)
    else:
        escaped = sql_escape_formula(
            mask.sql(text),
            starts=Q(GreaterThanOrEqual(Length(text), mask.shown_from))
            & starts_with_formula(text),
        )
    return NullIf(escaped, Value(""), output_field=TEXT)


def decrypted_column(resource, field):
    """Return an unmasked sealed field's stored column, or None for any other.

    Only Python decrypts: the column is read as the field reads it (its value in
    clear), while SQL renders the other cells (``rows.decrypted_rows``).
    """
    path = value_path(resource, field)
    if path is None or not resource.unmasked:
        return None
    model_field = resource._meta.model._meta.get_field(field.attribute)
    return F(path) if isinstance(model_field, SealedCharField) else None


def select_columns(queryset, columns):
    """Return the SQL and parameters selecting ``columns`` of the queryset's rows."""
    names = [f"export_{index}" for index in range(len(columns))]
    select = queryset.values(**dict(zip(names, columns, strict=True)))
    return select.query.get_compiler(using=queryset.db).as_sql()


def without_distinct(queryset):
    """Return the queryset's rows, ordered, in a query without DISTINCT.

    DISTINCT makes Django select the columns it orders by, beside the asked ones,
    and COPY would write them too: the same rows are found by their keys instead.
    """
    if queryset.query.distinct and not queryset.query.distinct_fields:
        ordering = queryset.query.order_by or queryset.model._meta.ordering
        queryset = queryset.model._default_manager.filter(
            pk__in=queryset.order_by().values("pk")
        ).order_by(*ordering)
    return queryset if queryset.ordered else queryset.order_by("pk")


# The same cells as a sheet row's XML, for xlsx_file.xlsx_copy_chunks.


class ExcelSerial(Func):
    """A date as Excel's serial number (days since 1899-12-30), as text."""

    template = "(%(expressions)s - DATE '1899-12-30')::text"
    output_field = TEXT


class XmlText(Func):
    """Text escaped for an XML element, as xlsx_file.text_cell escapes it.

    ``>`` may stay as it is; control characters are dropped from COPY's bytes.
    """

    template = (
        "replace(replace(replace(%(expressions)s, '&', '&amp;'), '<', '&lt;'), "
        "chr(13), '&#13;')"
    )
    output_field = TEXT


def sheet_cell(resource, field, number_style):
    """Return the field's sheet cell as XML built in SQL, or None if only Python can.

    The cell is the one xlsx_file.cell_xml writes of python_rows' native value.
    """
    column = sql_column(resource, field)
    if column is None:
        return None
    if isinstance(column, IsoDate):
        value: Any = ExcelSerial(*column.get_source_expressions())
        opening = f'<c s="{DATE}"><v>'
        closing = "</v></c>"
    elif isinstance(column, Cast):
        style = f' s="{number_style}"' if number_style else ""
        value, opening, closing = column, f"<c{style}><v>", "</v></c>"
    else:
        model_field = resource._meta.model._meta.get_field(field.attribute)
        multiline = isinstance(model_field, models.TextField)
        opening = TEXT_OPEN_PRESERVE if multiline else TEXT_OPEN
        value, closing = XmlText(column), TEXT_CLOSE
    return Coalesce(
        pipes(Value(opening), value, Value(closing)),
        Value("<c/>"),
        output_field=TEXT,
    )


def sheet_row(resource, fields, columns):
    """Return a record's sheet row as XML built in SQL, or None if only Python can."""
    cells = [
        sheet_cell(resource, field, column.number_style)
        for field, column in zip(fields, columns, strict=True)
    ]
    if None in cells:
        return None
    # One concat() of the cells: a chain of || copies the growing row at each step.
    return Func(
        Value("<row>"), *cells, Value("</row>"), function="concat", output_field=TEXT
    )
