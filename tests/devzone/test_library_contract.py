"""The few private or undocumented things of the libraries that devzone still relies on.

devzone extends django-import-export, Django and django-simple-history through their
public hooks. Where nothing public fits, the library's version is pinned (``~=`` in
pyproject.toml) and a test here fails the day the private thing changes, so an
upgrade is read, not discovered in production.
"""

import inspect
from importlib.metadata import version

from django.core.paginator import Paginator
from import_export.admin import ImportMixin
from import_export.resources import ModelResource, Resource
from import_export.tmp_storages import BaseStorage
from simple_history.models import HistoricalRecords
from simple_history.utils import get_change_reason_from_object

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


def test_the_admin_still_names_the_stored_upload_on_the_uploaded_file():
    # ZoneAdmin.import_action reads ``import_file.tmp_storage_name`` (set by the
    # library's import_action, undocumented) to claim the upload for its user.
    assert "tmp_storage_name" in inspect.getsource(ImportMixin.import_action)


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
