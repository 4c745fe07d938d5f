"""The ModelAdmin every record's admin is built on: one mixin a concern.

Each concern lives in its own module: the import (``admin_imports``), the export
(``admin_export``), personal data (``admin_personal``), a record's versions and
history (``admin_versions``), the record form (``admin_forms``) and the list
(``changelist``, ``filter_words``, ``search``). ``ZoneAdmin`` composes them and
keeps the one gate of every admin path to a record: the user's scope.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from import_export.admin import ImportExportModelAdmin

from devzone.admin_export import ZoneExportMixin
from devzone.admin_forms import ZoneFormMixin
from devzone.admin_imports import ZoneImportMixin
from devzone.admin_personal import PersonalDataMixin
from devzone.admin_versions import VersionsMixin
from devzone.audit_events import audit_event_record, masked
from devzone.changelist import CappedCountPaginator, ZoneChangeListMixin
from devzone.errors import RecordNotFound
from devzone.filter_words import FilterWordsMixin
from devzone.models import AuditEvent
from devzone.scope import Scope
from devzone.search import IndexedSearchMixin
from devzone.spreadsheets.formats import FORMATS


class ZoneAdmin(
    ZoneImportMixin,
    ZoneExportMixin,
    VersionsMixin,
    PersonalDataMixin,
    ZoneFormMixin,
    FilterWordsMixin,
    IndexedSearchMixin,
    ZoneChangeListMixin,
    ImportExportModelAdmin,
):
    """Admin with all-or-nothing imports and streamed, logged, escaped exports.

    Personal data (every path to an ``IdNumberField`` or ``PhoneField``, the model's
    own or a related record's such as ``recipient__id_number``: ``devzone.personal``)
    is masked in the list, the form and the history for users who may not see it in
    full; they cannot edit it, nor probe it with lookups beyond the day's quota.
    Users who may see it leave a log row for every list, record and history shown.
    """

    formats = FORMATS
    change_list_template = "admin/devzone/change_list.html"
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_queryset(self, request):
        # The one gate of every admin path to a record: lists and their counts,
        # change, history and delete views, actions, autocomplete and exports.
        return Scope.of(request.user).filter(super().get_queryset(request))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise RecordNotFound(request.user)  # deleted, or outside the user's scope
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise RecordNotFound(request.user)
        return super().delete_view(request, object_id, extra_context)

    def get_resource_kwargs(self, request, **kwargs):
        # Imports and exports read and write as the user: their scope, and numbers
        # masked unless they may see them.
        return {
            "user": request.user,
            "unmasked": self.has_personal_data_permission(request),
        }


class LogReadMixin(admin.ModelAdmin):
    """Write a security event for each look at a log: its list or one of its rows."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            query = masked(request.GET.urlencode())
            self.log_read(request, f"{self.opts.verbose_name}列表 {query}".rstrip())
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            self.log_read(request, f"{self.opts.verbose_name} #{object_id}")
        return response

    def log_read(self, request, target):
        audit_event_record(
            action=AuditEvent.Action.LOG_READ, request=request, target=target
        )


class ReadOnlyLogAdmin(LogReadMixin, ZoneChangeListMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
