"""Rows in Python: values_list where every column is a stored value, else objects."""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.utils.encoding import force_str

from devzone.spreadsheets.widgets import NaturalKeyManyWidget, NaturalKeyWidget


def value_path(resource, field):
    """Return a field's ``values_list`` path, or None if it needs its object."""
    method = field.get_dehydrate_method(resource.get_field_name(field))
    if getattr(resource, method, None) is not None or not field.attribute:
        return None
    if "__" in field.attribute or isinstance(field.widget, NaturalKeyManyWidget):
        return None
    try:
        model_field = resource._meta.model._meta.get_field(field.attribute)
    except FieldDoesNotExist:
        return None  # a property or a method
    if isinstance(field.widget, NaturalKeyWidget):
        return f"{field.attribute}__{field.widget.field}"
    if model_field.is_relation or not model_field.concrete:
        return None
    return field.attribute


def python_rows(resource, fields, queryset, selected=None, native=False):
    """Yield each record's cells, rendered, masked and escaped by the Resource."""
    paths = [value_path(resource, field) for field in fields]
    if None in paths:
        for obj in resource.iter_queryset(resource.filter_export(queryset)):
            yield resource.export_resource(
                obj, selected_fields=selected, force_native_type=native
            )
        return
    renderers = [
        (field, None if isinstance(field.widget, NaturalKeyWidget) else field.widget)
        for field in fields
    ]
    rows = queryset.values_list(*paths).iterator(chunk_size=resource.get_chunk_size())
    for values in rows:
        yield [
            resource.finish_cell(
                field,
                ("" if value is None else force_str(value))
                if widget is None
                else widget.render(value, force_native_type=native),
            )
            for (field, widget), value in zip(renderers, values, strict=True)
        ]


def decrypted_rows(resource, fields, queryset, columns):
    """Yield each record's cells: SQL's, and the sealed ones decrypted in Python.

    ``columns`` are ``sql.sql_column``'s expressions, with ``sql.decrypted_column``'s
    for the sealed fields of an unmasked export: the field decrypts those as it
    reads them, and they are rendered and escaped as ``python_rows`` does; the
    rest come rendered, masked and escaped by SQL, an empty cell as NULL.
    """
    decrypted = [
        (index, field, field.widget)
        for index, (field, column) in enumerate(zip(fields, columns, strict=True))
        if isinstance(column, F)
    ]
    rows = queryset.values_list(*columns)
    for values in rows.iterator(chunk_size=resource.get_chunk_size()):
        row = ["" if value is None else value for value in values]
        for index, field, widget in decrypted:
            row[index] = resource.finish_cell(field, widget.render(values[index]))
        yield row
