"""Every private or undocumented thing of the libraries that devzone relies on.

devzone extends django-import-export, Django and django-simple-history through their
public hooks. Where nothing public fits, the library's version is pinned (``~=`` in
pyproject.toml, or a minor release range) and a test here fails the day the thing
changes, so an upgrade is read, not discovered in production.

The list, by library (each a test below):

- Django's ORM: ``Query.where`` / ``distinct`` / ``distinct_fields`` / ``combinator``
  / ``group_by`` / ``order_by``, ``Query.sql_with_params()``,
  ``Query.get_compiler(using=…).as_sql()``, ``WhereNode.children`` and ``Lookup.lhs``
  (changelist.py, search.py, spreadsheets/engine.py, spreadsheets/export/);
  ``connection.ops.quote_name``; raw cursors: ``CursorWrapper.cursor`` (psycopg's
  own cursor, for ``copy()``) in bulk_data.py, spreadsheets/engine.py and export/csv_file.py;
  a backend's ``DatabaseWrapper(settings_dict, alias)`` (backups.py).
- Django's admin: ``ChangeList.get_filters`` / ``get_queryset`` / ``get_results`` /
  ``get_filters_params()`` and a list filter's ``used_parameters`` (changelist.py,
  filter_words.py, projects/admin_filters.py); ``ChangeList.get_ordering_field``,
  through which ``?o=`` sorts, and ``ChangeList.sortable_by``, by which the headers
  link (changelist.py, no list sorted by ciphertext); ``Paginator._get_page``;
  ``admin.utils.lookup_spawns_duplicates`` (search.py); the autocomplete widgets'
  ``field``, ``admin_site``, ``attrs``, ``choices``, ``db`` and ``optgroups``
  (admin_widgets.py).
- django-import-export: ``Resource.create_instances`` / ``update_instances`` (the
  bulk path's lists), ``ForeignKeyWidget.model`` / ``field``,
  ``ImportMixin.write_to_tmp_storage`` and ``ConfirmImportForm``'s fields (the
  admin's own import views, admin_imports.py), ``BaseStorage`` attributes, no
  private method overridden, the hooks' signatures.
- Python's zipfile: a zip entry open for writing deflates through its
  ``_compressor`` (``compress`` per write, ``flush`` on close), which the XLSX
  export replaces with ISA-L's (spreadsheets/export/xlsx_file.py).
- django-simple-history: the historical table's own columns, written column by
  column by the set-based import (spreadsheets/engine.py), as its bulk helpers write
  them; ``_history_user`` / ``_change_reason``; the bulk helpers'
  ``default_user`` and ``custom_historical_attrs``.
- openpyxl: ``ILLEGAL_CHARACTERS_RE`` (spreadsheets/cells.py) — small enough for
  devzone to own one day; pinned here until then.
"""

import inspect
import io
import zipfile
from importlib.metadata import version

import pytest
from django.contrib.admin import FieldListFilter, SimpleListFilter
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.utils import lookup_spawns_duplicates
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteMixin
from django.core.paginator import Paginator
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models.lookups import Lookup
from django.db.models.sql import Query
from django.db.models.sql.where import WhereNode
from import_export.admin import ImportMixin
from import_export.forms import ConfirmImportForm
from import_export.resources import ModelResource, Resource
from import_export.tmp_storages import BaseStorage
from import_export.widgets import ForeignKeyWidget
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_change_reason_from_object,
)

from devzone import registry
from devzone.models import Community
from devzone.spreadsheets.export.xlsx_file import deflate_with_isal
from devzone.spreadsheets.resources import ZoneResource


def test_django_import_export_is_the_pinned_release():
    # The hooks below were read in 4.4.x; pyproject.toml pins ~=4.4.3.
    assert version("django-import-export").startswith("4.4.")


def test_zone_resource_overrides_no_private_method_of_the_library():
    library = {
        name
        for cls in ModelResource.__mro__
        for name, value in vars(cls).items()
        if name.startswith("_") and not name.startswith("__") and callable(value)
    }
    overridden = {
        name
        for cls in ZoneResource.__mro__
        if cls.__module__.startswith("devzone")
        for name in vars(cls)
    }
    assert not library & overridden


def test_the_hooks_zone_resource_uses_keep_their_signatures():
    # skip_row, validate_instance and after_import_row are documented hooks; their
    # arguments are what ZoneResource reads (row_number arrives in kwargs).
    def parameters(method):
        return list(inspect.signature(method).parameters)

    assert parameters(Resource.skip_row) == [
        "self",
        "instance",
        "original",
        "row",
        "import_validation_errors",
    ]
    assert parameters(Resource.validate_instance) == [
        "self",
        "instance",
        "import_validation_errors",
        "validate_unique",
    ]
    assert parameters(Resource.after_import_row) == [
        "self",
        "row",
        "row_result",
        "kwargs",
    ]
    assert "row_number" in inspect.getsource(Resource.import_data_inner)


def test_the_admin_import_views_still_fit_the_library_parts_they_use():
    # devzone.admin_imports replaces import_action and process_import whole; it
    # keeps the upload through the library's write_to_tmp_storage (the storage of
    # IMPORT_EXPORT_TMP_STORAGE_CLASS, returned) and fills the library's confirm
    # form, which its template posts back to process_import.
    write = ImportMixin.write_to_tmp_storage
    assert list(inspect.signature(write).parameters) == [
        "self",
        "import_file",
        "input_format",
    ]
    assert "return tmp_storage" in inspect.getsource(write)
    assert list(ConfirmImportForm.base_fields) == [
        "import_file_name",
        "original_file_name",
        "format",
        "resource",
    ]


def test_temporary_storage_keeps_the_attributes_upload_file_storage_reads():
    # devzone.spreadsheets.uploads.UploadFileStorage reads name, read_mode and
    # encoding, which BaseStorage.__init__ sets from its keyword arguments.
    storage = BaseStorage(name="x", read_mode="rb", encoding="utf-8")
    assert (storage.name, storage.read_mode, storage.encoding) == ("x", "rb", "utf-8")


def test_paginator_get_page_is_still_the_hook_for_a_page():
    # devzone.changelist.CappedCountPaginator builds a deep page through
    # Paginator._get_page(), which Django documents as the hook for subclasses.
    signature = inspect.signature(Paginator._get_page)
    assert list(signature.parameters) == ["self", "args", "kwargs"]
    assert "self._get_page(" in inspect.getsource(Paginator.page)


def test_simple_history_still_reads_the_user_and_reason_set_on_a_record():
    # devzone sets record._history_user and record._change_reason (the way
    # django-simple-history's docs name) when it saves one by one.
    assert "instance._history_user" in inspect.getsource(
        HistoricalRecords.get_history_user
    )

    class Record:
        _change_reason = "撤销导入批次 #1"

    assert get_change_reason_from_object(Record()) == "撤销导入批次 #1"


def parameters(callable_):
    return list(inspect.signature(callable_).parameters)


def test_django_is_the_pinned_minor_release():
    # The ORM and admin internals below were read in 5.2; pyproject.toml pins <5.3.
    assert version("django").startswith("5.2.")


def test_the_query_attributes_devzone_reads_are_still_there():
    # changelist.is_whole_table, export.without_distinct, search.searches_grams
    query = Community.objects.filter(name="高楼社区").order_by("name").query

    assert isinstance(query, Query)
    assert isinstance(query.where, WhereNode)
    (lookup,) = query.where.children
    assert isinstance(lookup, Lookup)
    assert lookup.lhs.target.name == "name"
    for name in ("distinct", "distinct_fields", "combinator", "group_by"):
        assert hasattr(query, name), name
    assert query.order_by == ("name",)
    sql, params = query.sql_with_params()
    assert params == ("高楼社区",)
    compiled, _ = query.get_compiler(using="default").as_sql()
    assert compiled == sql
    assert "using" in parameters(Query.get_compiler)


def test_a_raw_cursor_still_wraps_the_drivers_cursor(db):
    # bulk_data.py, spreadsheets/engine.py and export/ call ``cursor.cursor.copy``:
    # psycopg 3's COPY, through Django's CursorWrapper.
    assert parameters(CursorWrapper.__init__) == ["self", "cursor", "db"]
    assert "self.cursor = cursor" in inspect.getsource(CursorWrapper.__init__)
    assert connection.ops.quote_name("名称") == '"名称"'
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            assert callable(cursor.cursor.copy)


def test_a_backend_connection_is_still_built_from_its_settings_and_alias(db):
    # devzone.backups.new_connection: a connection of its own to another database.
    assert parameters(BaseDatabaseWrapper.__init__)[:3] == [
        "self",
        "settings_dict",
        "alias",
    ]
    default = connections["default"]
    own = type(default)({**default.settings_dict}, alias="contract")
    try:
        with own.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        own.close()


def test_the_changelist_methods_devzone_overrides_keep_their_signatures():
    # devzone.changelist.SafeChangeList, filter_words.FilterWordsMixin.describe_filters
    assert parameters(ChangeList.get_filters) == ["self", "request"]
    assert parameters(ChangeList.get_queryset) == [
        "self",
        "request",
        "exclude_parameters",
    ]
    assert parameters(ChangeList.get_results) == ["self", "request"]
    assert parameters(ChangeList.get_filters_params) == ["self", "params"]


def test_a_list_is_still_sorted_and_linked_only_as_the_changelist_says():
    # devzone.changelist.ZoneChangeList refuses a sealed column in both.
    assert parameters(ChangeList.get_ordering_field) == ["self", "field_name"]
    ordering = inspect.getsource(ChangeList.get_ordering)
    assert "order_field = self.get_ordering_field(field_name)" in ordering
    assert "if not order_field:" in ordering
    assert "field_name in cl.sortable_by" in inspect.getsource(result_headers)


def test_list_filters_still_keep_the_parameters_they_used():
    # FilterWordsMixin.changelist_filters and projects.admin_filters read
    # used_parameters.
    assert "self.used_parameters" in inspect.getsource(FieldListFilter.__init__)
    assert "self.used_parameters" in inspect.getsource(SimpleListFilter.__init__)


def test_lookup_spawns_duplicates_keeps_its_signature():
    # devzone.search decides per field whether a search needs DISTINCT.
    assert parameters(lookup_spawns_duplicates) == ["opts", "lookup_path"]
    assert lookup_spawns_duplicates(Community._meta, "name") is False


def test_the_autocomplete_widget_keeps_the_attributes_devzone_copies():
    # admin_widgets.with_safe_autocomplete rebuilds the widget from these.
    assert parameters(AutocompleteMixin.__init__) == [
        "self",
        "field",
        "admin_site",
        "attrs",
        "choices",
        "using",
    ]
    source = inspect.getsource(AutocompleteMixin.__init__)
    for attribute in ("self.field", "self.admin_site", "self.db", "self.choices"):
        assert attribute in source, attribute
    assert parameters(AutocompleteMixin.optgroups) == ["self", "name", "value", "attr"]


def test_the_bulk_path_still_collects_instances_in_the_lists_devzone_writes():
    # ZoneResource.bulk_create/bulk_update write create_instances/update_instances
    # with simple-history's bulk helpers, and clear them as the library does.
    resource = ZoneResource.__subclasses__()[0]()
    assert (resource.create_instances, resource.update_instances) == ([], [])
    assert "self.create_instances.append" in inspect.getsource(Resource.save_instance)
    assert "self.update_instances.append" in inspect.getsource(Resource.save_instance)
    for method in (Resource.bulk_create, Resource.bulk_update):
        assert "instances" in inspect.getsource(method)


def test_foreign_key_widgets_keep_their_model_and_field():
    # spreadsheets.resources and export read widget.model and widget.field.
    widget = ForeignKeyWidget(Community, field="name")
    assert (widget.model, widget.field) == (Community, "name")


HISTORY_COLUMNS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
    "import_batch_id",
}


@pytest.mark.parametrize(
    "dataset", list(registry.datasets.values()), ids=lambda d: d.key
)
def test_the_history_table_holds_the_columns_the_set_based_import_writes(dataset):
    # spreadsheets/engine.py writes a historical row column by column: the record's
    # own columns, then when, what, who and which batch; anything else must be
    # nullable (ImportEngine.history_columns refuses otherwise).
    model = dataset.model
    if not hasattr(model, "history"):
        pytest.skip("no history")
    own = {field.column for field in model._meta.concrete_fields}
    history = model.history.model._meta
    extra = {
        field.column for field in history.concrete_fields if field.column not in own
    }
    assert (
        extra - {f.column for f in history.concrete_fields if f.null} <= HISTORY_COLUMNS
    )


def test_simple_historys_bulk_helpers_fill_the_same_columns():
    source = inspect.getsource(HistoryManager.bulk_history_create)
    for name in (
        "history_date",
        "history_user",
        "history_change_reason",
        "history_type",
    ):
        assert name in source, name
    assert "custom_historical_attrs" in parameters(bulk_create_with_history)
    assert "default_user" in parameters(bulk_create_with_history)
    assert "custom_historical_attrs" in parameters(bulk_update_with_history)
    assert "default_user" in parameters(bulk_update_with_history)


def test_openpyxl_refuses_the_characters_cells_py_removes():
    # spreadsheets.cells.xlsx_safe removes what openpyxl would refuse to write.
    assert ILLEGAL_CHARACTERS_RE.pattern == r"[\000-\010]|[\013-\014]|[\016-\037]"
    assert ILLEGAL_CHARACTERS_RE.sub("", "a\x0bb\x1bc\td\ne") == "abc\td\ne"


def test_a_zip_entry_still_deflates_through_its_compressor():
    # xlsx_file.deflate_with_isal swaps ``_ZipWriteFile._compressor``.
    source = inspect.getsource(zipfile._ZipWriteFile)
    assert "self._compressor = _get_compressor(" in source
    assert "self._compressor.compress(data)" in source
    assert "self._compressor.flush()" in source
    data = b"<row><c><v>1</v></c></row>" * 10_000
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("sheet.xml", "w", force_zip64=True) as entry,
    ):
        deflate_with_isal(entry)
        entry.write(data)

    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.testzip() is None
        assert archive.read("sheet.xml") == data
        assert archive.getinfo("sheet.xml").compress_size < len(data) // 10
