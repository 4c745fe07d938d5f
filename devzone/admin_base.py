"""The ModelAdmin every record's admin is built on: import, export and their rules."""

import datetime
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path as url_path
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from devzone import personal
from devzone.admin_export import ZoneExportForm
from devzone.admin_widgets import with_safe_autocomplete
from devzone.audit import history_entries, record_version
from devzone.audit_events import audit_event_record
from devzone.changelist import (
    CappedCountPaginator,
    IndexedAllValuesFieldListFilter,
    ZoneChangeListMixin,
    plain_column,
)
from devzone.constraints import unique_conflicts
from devzone.errors import RecordNotFound
from devzone.filter_words import NO_FILTER, filters_in_words
from devzone.import_templates import column_rules, template_workbook
from devzone.models import AuditEvent, PersonalDataAccess
from devzone.scope import Scope, community_path
from devzone.search import IndexedSearch
from devzone.services import import_batch_finish, import_batch_start
from devzone.spreadsheets import cells
from devzone.spreadsheets.export import CONTENT_TYPES, XLSX, Export, export_filename
from devzone.spreadsheets.formats import FORMATS, detected_encoding
from devzone.spreadsheets.resources import ImportRun
from devzone.spreadsheets.results import (
    ImportFileError,
    error_lines,
    import_counts,
)
from devzone.spreadsheets.uploads import (
    MISSING,
    UploadError,
    data_path,
    upload_claim,
    upload_for,
    upload_progress,
    upload_remove,
)
from devzone.validators import (
    CONTROL_CHARACTERS,
    contains_personal_number,
    mask_numbers_in_text,
    normalize_search_term,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

ERROR_LINES_SHOWN = 20


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A sidebar filter over communities (or records in them) offering only the
    user's own."""

    def field_choices(self, field, request, model_admin):
        scope = Scope.of(request.user)
        self.scoped = not scope.is_whole_zone
        if scope.is_whole_zone:
            return super().field_choices(field, request, model_admin)
        related = field.related_model
        queryset = scope.filter(related._default_manager.all())
        return [(obj.pk, str(obj)) for obj in queryset]

    def has_output(self):
        # A worker of one community gets a single choice, which Django would hide
        # and then ignore: ?community=<another> would list their own rows instead.
        return getattr(self, "scoped", False) or super().has_output()


admin.FieldListFilter.register(
    lambda field: (
        bool(field.is_relation and field.related_model)
        # The stubs allow "self", which Django resolves to the model as apps load.
        and community_path(field.related_model) is not None  # type: ignore[arg-type]
    ),
    ScopedRelatedFieldListFilter,
    take_priority=True,
)
admin.FieldListFilter.register(
    plain_column, IndexedAllValuesFieldListFilter, take_priority=True
)


# The mixins below are typed as the classes they are mixed into; at run time they
# stay plain mixins, so the real classes' order of bases is unchanged.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
    _ModelForm = forms.ModelForm
else:
    _ModelAdmin = _ModelForm = object


class ScopedFormFieldsMixin(_ModelAdmin):
    """Offer only the records of the user's communities in a form's choices.

    A community worker must also say which community a record belongs to: without
    one it would fall outside their scope the moment it is saved.
    """

    def scoped_formfield(self, db_field, request, kwargs):
        related = db_field.related_model
        scope = Scope.of(request.user)
        if scope.is_whole_zone or community_path(related) is None:
            return kwargs
        queryset = kwargs.get("queryset")
        if queryset is None:
            queryset = self.get_field_queryset(None, db_field, request)
        if queryset is None:
            queryset = related._default_manager.all()
        kwargs["queryset"] = scope.filter(queryset)
        own = community_path(self.model)
        if own and own.split("__")[0] == db_field.name:
            kwargs["required"] = True
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = self.scoped_formfield(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs = self.scoped_formfield(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ZoneImportForm(ImportForm):
    """The upload: a CSV or XLSX file, its format read from its name, not asked."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        self.fields["import_file"].label = _("选择文件")
        self.fields["import_file"].help_text = _(
            "XLSX、XLS、ODS、CSV 或文本文件；格式和中文编码由系统自动识别，不需要选择。"
        )
        self.fields["import_file"].widget.attrs["accept"] = (
            ".csv,.xlsx,.xls,.ods,.txt,.tsv"
        )
        self.fields["format"].required = False
        self.fields["format"].widget = forms.HiddenInput(
            attrs={"class": "guess_format"}
        )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is not None and not cleaned.get("format"):
            extension = upload.name.rsplit(".", 1)[-1].lower()
            # Every format reads the upload by its bytes (spreadsheets.formats.kind_of);
            # the name only tells an upload from a file of another kind.
            if extension in ("xls", "ods", "txt", "tsv"):
                extension = "csv"
            for index, file_format in enumerate(self.import_formats):
                if file_format().get_extension() == extension:
                    cleaned["format"] = str(index)
                    break
            else:
                self.add_error(
                    "import_file",
                    _("只能导入 XLSX、XLS、ODS、CSV 或文本文件，请另存为其中一种。"),
                )
        return cleaned

    def clean_import_file(self):

        upload = self.cleaned_data["import_file"]
        limit = settings.DEVZONE_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "文件过大（%(size).1f MB），单个文件不能超过 %(limit)d MB，请分批导入。"
                ),
                params={"size": upload.size / 2**20, "limit": limit // 2**20},
            )
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        return upload


LOOKUP_WORDS = {
    "exact": "",
    "in": "",
    "gte": "≥",
    "lte": "≤",
    "gt": ">",
    "lt": "<",
    "year": "（年）",
    "month": "（月）",
    "day": "（日）",
    "isnull": "为空",
    "contains": "包含",
    "icontains": "包含",
    "startswith": "开头为",
}


def masked_display(field_name, mask, description):
    """Return an admin column showing a field masked."""

    @admin.display(description=description)
    def display(obj):
        value = obj
        for part in field_name.split("__"):
            value = getattr(value, part, None)
        return mask(value) if value else ""

    display.__name__ = f"masked_{field_name}"
    return display


class UniqueRulesFormMixin(_ModelForm):
    """Check every unique rule of the record, also those Django's form skips.

    A ModelForm leaves out the unique rules that name a field it does not show: a
    masked, read-only ID number. Changing a household's project to one that already
    has that ID would then reach the database as an IntegrityError (a 500).
    """

    def validate_unique(self):
        super().validate_unique()
        if self.errors:
            return
        for _instance, by_field in unique_conflicts(
            type(self.instance), [self.instance]
        ):
            for field, errors in by_field.items():
                target = field if field in self.fields else None
                for message in errors:
                    self.add_error(target, message)


class VersionCheckFormMixin(_ModelForm):
    """Refuse to save over a change someone else made after the form was opened.

    The change page carries the record's version (its ``updated_at``) in a hidden
    ``_version``; the row is locked while the version is compared, so of two staff
    saving the same record the second is told what the first changed, and the first
    change is kept.
    """

    masks: dict[str, Callable[[Any], str]]

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk is None or not hasattr(instance, "updated_at"):
            return cleaned
        model = type(instance)
        current = (
            model._base_manager.select_for_update()
            .filter(pk=instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if current is None:
            raise ValidationError(
                _("这条记录已被他人删除，您的修改没有保存。"), code="deleted"
            )
        sent = self.data.get("_version", "")
        if sent == record_version(current):
            return cleaned
        raise ValidationError(
            [
                _(
                    "保存失败：在您打开这条记录之后，它已被他人修改。您的修改没有保存，"
                    "对方的修改已保留。请记下您的改动，重新打开记录后再修改。"
                )
            ]
            + changes_since(instance, sent, self.masks),
            code="stale",
        )


def changes_since(instance, version, masks):
    """Return, as lines, who changed what in a record after ``version``."""
    try:
        since = datetime.datetime.fromisoformat(version)
    except ValueError:
        since = None
    if since is not None and timezone.is_naive(since):
        since = None  # not a version this page ever sent
    lines = []
    record = type(instance)._base_manager.get(pk=instance.pk)
    for entry in history_entries(record, masks):
        # Skip what the user saw: the changes up to the version the page carried.
        if since is not None and entry["version"] and entry["version"] <= since:
            continue
        who = entry["user"] or _("系统")
        changed = "；".join(
            f"{label}：{old or '（空）'} → {new or '（空）'}"
            for label, old, new in entry["changes"]
        )
        lines.append(
            _("%(who)s 于 %(when)s %(action)s：%(changes)s")
            % {
                "who": who,
                "when": timezone.localtime(entry["date"]).strftime("%Y-%m-%d %H:%M:%S"),
                "action": entry["action"],
                "changes": changed or "—",
            }
        )
    return lines


class PersonalLookupFormMixin(_ModelForm):
    """Count a masked user's typed numbers before a unique rule answers about them.

    "已存在" tells whether a full number is stored, in any community: a user who
    sees numbers masked spends a lookup of the day's quota on each number a unique
    rule checks, and past it the number is refused on its own field, so that no
    unique rule (which skips a field with errors) answers for it.
    """

    lookup_user: Any = None  # set for a user who sees this model's numbers masked

    def clean(self):
        cleaned = super().clean() or {}
        if self.lookup_user is None:
            return cleaned
        model = type(self.instance)
        typed = {
            name: cleaned.get(name)
            for name in personal.unique_personal_fields(model)
            if name in self.fields and cleaned.get(name)
        }
        if typed and not personal.form_lookup(
            self.lookup_user, model=model, values=typed
        ):
            message = personal.quota_message(personal.FORM_OVER_QUOTA)
            for name in typed:
                self.add_error(name, message)
        return cleaned


class ZoneModelForm(
    VersionCheckFormMixin,
    PersonalLookupFormMixin,
    UniqueRulesFormMixin,
    forms.ModelForm,
):
    """The form of every record's admin page."""

    masks: dict[str, Callable[[Any], str]] = {}


def action_date_field(label: "StrOrPromise") -> forms.DateField:
    """Return a SelectionAction form's date field: the day of the change, today unless set."""
    return forms.DateField(
        label=label, initial=timezone.localdate, widget=AdminDateWidget
    )


class SelectionAction:
    """An admin action that changes many records at once: all of them or none.

    Declared on an admin (``mark_vacated = SelectionAction(...)``, named in ``actions``).
    The first POST shows the selection, as ``describe`` puts each record, and asks
    for ``form_class``; the confirming POST calls ``service`` with the selection as
    its ``records`` argument and the form's values. The service refuses the whole
    selection with a ValidationError when any record breaks a rule; its messages, or
    ``done``, are shown on the list.
    """

    template_name = "admin/devzone/action_form.html"

    def __init__(
        self,
        *,
        description: "StrOrPromise",
        service: Callable[..., int],
        records: str,
        form_class: type[forms.Form],
        title: "StrOrPromise",
        intro: "StrOrPromise",
        submit: "StrOrPromise",
        done: "StrOrPromise",
        describe: Callable[[Any], str],
        select: Callable[[QuerySet], QuerySet] | None = None,
        permissions: Sequence[str] = ("change",),
    ) -> None:
        self.short_description = description
        self.allowed_permissions = tuple(permissions)
        self.service = service
        self.records = records
        self.form_class = form_class
        self.title = title
        self.intro = intro
        self.submit = submit
        self.done = done
        self.describe = describe
        self.select = select
        self.__name__ = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.__name__ = name

    def __call__(
        self, model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        rows = self.select(queryset) if self.select else queryset
        form = self.form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                count = self.service(**{self.records: rows}, **form.cleaned_data)
            except ValidationError as exc:
                model_admin.message_user(
                    request, "；".join(exc.messages), messages.ERROR
                )
                return None
            model_admin.message_user(
                request, self.done % {"count": count}, messages.SUCCESS
            )
            return None
        return self.confirmation(model_admin, request, rows, form)

    def confirmation(
        self,
        model_admin: admin.ModelAdmin,
        request: HttpRequest,
        rows: QuerySet,
        form: forms.Form,
    ) -> TemplateResponse:
        """Return the page that lists what will change and asks for the form."""
        records = list(rows)
        context = {
            **model_admin.admin_site.each_context(request),
            "title": self.title,
            "opts": model_admin.model._meta,
            "intro": self.intro % {"count": len(records)},
            "items": [self.describe(record) for record in records],
            "pks": [record.pk for record in records],
            "form": form,
            "action": self.__name__,
            "submit": self.submit,
            "media": model_admin.media + form.media,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.template_name, context)


class ZoneAdmin(ScopedFormFieldsMixin, ZoneChangeListMixin, ImportExportModelAdmin):
    """Admin with all-or-nothing imports and streamed, logged, escaped exports.

    Personal data (every path to an ``IdNumberField`` or ``PhoneField``, the model's
    own or a related record's such as ``recipient__id_number``: ``devzone.personal``)
    is masked in the list, the form and the history for users who may not see it in
    full; they cannot edit it, nor probe it with lookups beyond the day's quota.
    Users who may see it leave a log row for every list, record and history shown.
    """

    form = ZoneModelForm
    change_form_template = "admin/devzone/change_form.html"
    formats = FORMATS
    import_form_class = ZoneImportForm
    import_template_name = "admin/devzone/import.html"
    export_template_name = "admin/devzone/export.html"
    export_form_class = ZoneExportForm
    change_list_template = "admin/devzone/change_list.html"
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    personal_derived_columns: Sequence[
        str
    ] = ()  # columns that narrow a masked number down

    @cached_property
    def masked_columns(self):
        """Return {field path: column showing it masked}, one per personal field.

        The columns are callables, which list_display, readonly_fields and
        fieldsets accept as they are.
        """
        return {
            path: masked_display(path, mask, self.personal_label(path))
            for path, mask in self.get_personal_fields().items()
        }

    def get_urls(self):
        opts = self.model._meta
        return [
            url_path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{opts.app_label}_{opts.model_name}_import_template",
            ),
            url_path(
                "import/progress/<str:name>/",
                self.admin_site.admin_view(self.import_progress_view),
                name=f"{opts.app_label}_{opts.model_name}_import_progress",
            ),
            *super().get_urls(),
        ]

    def import_rules(self, request):
        """Return the columns of this record's import with their rules."""
        resource_class = self.get_import_resource_classes(request)[0]
        return column_rules(resource_class, Scope.of(request.user))

    def import_template_view(self, request):
        """Download the import template: headers, an example row, the rules."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        title = str(self.model._meta.verbose_name)
        response = FileResponse(
            template_workbook(title, self.import_rules(request)),
            content_type=CONTENT_TYPES[XLSX],
        )
        return cells.as_download(response, f"{title}_导入模板.xlsx")

    def import_progress_view(self, request, name):
        """Return how far the user's own confirmed import has come: {done, total}."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            progress = upload_progress(name, request.user)
        except UploadError:
            raise Http404(MISSING) from None
        return JsonResponse(progress)

    def get_queryset(self, request):
        # The one gate of every admin path to a record: lists and their counts,
        # change, history and delete views, actions, autocomplete and exports.
        return Scope.of(request.user).filter(super().get_queryset(request))

    def history_view(self, request, object_id, extra_context=None):
        """Show every change of the record with its old and new values, masked."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise RecordNotFound(request.user)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        masked = self.masks_personal_data(request)
        if self.shows_personal_data(request):
            self.log_full_view(request, PersonalDataAccess.Kind.HISTORY, obj)
        # A record's history is a log too: who read it is in the security log.
        audit_event_record(
            action=AuditEvent.Action.LOG_READ,
            request=request,
            target=f"{self.opts.verbose_name} #{obj.pk} 的修改历史",
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("修改历史：%(record)s") % {"record": obj},
            "opts": self.model._meta,
            "object": obj,
            "masked": masked,
            "entries": history_entries(obj, self.history_masks(request)),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/devzone/history.html", context)

    def history_masks(self, request):
        """Return {field name: mask} for the record's own personal fields."""
        if not self.masks_personal_data(request):
            return {}
        return {
            path: mask
            for path, mask in self.get_personal_fields().items()
            if "__" not in path
        }

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        return with_safe_autocomplete(formfield) if formfield else formfield

    def get_form(self, request, obj=None, change=False, **kwargs):
        form: Any = super().get_form(request, obj, change, **kwargs)
        # What another user changed is shown masked like the rest of the page.
        form.masks = self.history_masks(request)
        form.lookup_user = request.user if self.masks_personal_data(request) else None
        return form

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None:
            context["record_version"] = record_version(getattr(obj, "updated_at", None))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_personal_fields(self):
        """Return {path: mask} of the personal values this admin's records hold."""
        return personal.personal_paths(self.model)

    def personal_label(self, path):
        opts = self.model._meta
        *relations, name = path.split("__")
        for relation in relations:
            opts = opts.get_field(relation).related_model._meta
        return opts.get_field(name).verbose_name

    def masks_personal_data(self, request):
        return bool(
            self.get_personal_fields()
        ) and not self.has_personal_data_permission(request)

    def masked_names(self, names):
        return [self.masked_columns.get(name, name) for name in names]

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if not self.masks_personal_data(request):
            return columns
        # An age beside a masked ID number narrows its hidden birth date to a year.
        columns = [c for c in columns if c not in self.personal_derived_columns]
        return self.masked_names(columns)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.masks_personal_data(request):
            return fieldsets
        # An existing record: its numbers are shown masked and cannot be edited, so
        # neither the form nor the page source carries them.
        return [
            (title, {**options, "fields": self.masked_names(options["fields"])})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.masks_personal_data(request):
            readonly += list(self.masked_columns.values())
        return readonly

    def lookup_allowed(self, lookup, value, request=None):
        # ?id_number__startswith= would read a masked number digit by digit from the
        # result counts, and ?id_number= would bypass the search's daily quota:
        # without the permission a number is found only through the search box.
        if request is not None and self.masks_personal_data(request):
            for path in self.get_personal_fields():
                if lookup == path or lookup.startswith(path + "__"):
                    return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        term = normalize_search_term(CONTROL_CHARACTERS.sub("", search_term))
        if (
            term
            and self.masks_personal_data(request)
            and contains_personal_number(term)
            and not personal.lookup(
                request.user,
                model=self.model,
                channel=PersonalDataAccess.Channel.SEARCH,
                target=term,
            )
        ):
            messages.error(request, personal.quota_message())
            return queryset.none(), False
        fields = self.get_search_fields(request)
        if not (term and fields and IndexedSearch.handles(fields)):
            return super().get_search_results(request, queryset, term)
        return IndexedSearch(self.model, fields, queryset.db).filter(queryset, term)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and self.shows_personal_data(request):
            self.log_full_view(
                request,
                PersonalDataAccess.Kind.LIST,
                unquote_plus(request.GET.urlencode()) or NO_FILTER,
                row_count=len(changelist.result_list),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise RecordNotFound(request.user)  # deleted, or outside the user's scope
        response = super().change_view(request, object_id, form_url, extra_context)
        original = (getattr(response, "context_data", None) or {}).get("original")
        if original is not None and self.shows_personal_data(request):
            self.log_full_view(request, PersonalDataAccess.Kind.RECORD, original)
        return response

    def delete_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise RecordNotFound(request.user)
        return super().delete_view(request, object_id, extra_context)

    def log_full_view(self, request, kind, target, row_count=1):
        """Record that the user saw this admin's personal columns in full."""
        paths = self.get_personal_fields()
        personal.record_view(
            request.user,
            model=self.model,
            kind=kind,
            target=getattr(target, "pk", target),
            row_count=row_count,
            columns=personal.labels(self.model, paths),
        )

    def shows_personal_data(self, request):
        """Return True if this admin shows the user full ID numbers or phones."""
        return bool(self.get_personal_fields()) and not self.masks_personal_data(
            request
        )

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def get_resource_kwargs(self, request, **kwargs):
        return {
            "user": request.user,
            "unmasked": self.has_personal_data_permission(request),
        }

    def get_import_resource_kwargs(self, request, **kwargs):
        # The run is the request's own: the preview records the versions of the
        # records its rows match, the confirmation checks them and names its batch.
        run = getattr(request, "_devzone_import_run", None)
        if run is None:
            run = request._devzone_import_run = ImportRun()
        return {**self.get_resource_kwargs(request), "run": run}

    def get_export_resource_kwargs(self, request, **kwargs):
        return self.get_resource_kwargs(request)

    def has_personal_data_permission(self, request):
        """Return True if the user may see this model's personal data unmasked."""
        return personal.may_unmask(request.user, self.model)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            form.add_error(
                "import_file",
                _("无法读取该文件（%(error)s）：请确认选择的格式与文件一致。")
                % {"error": type(e).__name__},
            )

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if context:
            context["title"] = _("导入%(name)s") % {
                "name": self.model._meta.verbose_name
            }
            context["import_rules"] = self.import_rules(request)
            resource_class = self.get_import_resource_classes(request)[0]
            context["import_key_columns"] = resource_class().key_columns()
        form = context.get("form")
        upload: Any = getattr(form, "cleaned_data", {}).get("import_file")
        name = getattr(upload, "tmp_storage_name", None)
        if name:
            if context.get("confirm_form") is not None:
                upload_claim(
                    name=name,
                    user=request.user,
                    original_name=upload.name,
                    encoding=detected_encoding(data_path(name).read_bytes()),
                    versions=request._devzone_import_run.versions,
                )
            else:  # refused at the preview: nothing will confirm it
                upload_remove(name)
        return response

    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST" and not self.confirm_choices_valid(request):
            messages.error(
                request,
                _(
                    "确认导入的表单已被改动（格式或数据表无效），导入未执行：请重新上传文件。"
                ),
            )
            return self.redirect_to_import(request)
        name = request.POST.get("import_file_name", "")
        try:
            upload = upload_for(name, request.user)
        except UploadError as exc:
            messages.error(request, str(exc))
            return self.redirect_to_import(request)
        run = request._devzone_import_run = ImportRun(
            expected=upload.versions, upload=name
        )
        try:
            with transaction.atomic():
                run.batch = import_batch_start(
                    user=request.user, model=self.model, upload=upload
                )
                return super().process_import(request, **kwargs)
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return self.redirect_to_import(request)
        finally:
            upload_remove(name)

    def confirm_choices_valid(self, request):
        """Return True if the confirm form's hidden format and resource are choices.

        The library turns them into list indexes: a tampered value is a 500 there.
        """
        choices = {
            "format": len(self.get_import_formats()),
            "resource": len(self.get_import_resource_classes(request)),
        }
        for name, count in choices.items():
            value = request.POST.get(name, "")
            if name == "resource" and value == "":
                continue
            if not (value.isascii() and value.isdigit() and int(value) < count):
                return False
        return True

    def redirect_to_import(self, request):
        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Nothing of the file was written: the batch goes too.
            transaction.set_rollback(True)
            messages.error(
                request,
                _("导入未执行，没有保存任何数据：%(errors)s")
                % {"errors": "；".join(error_lines(result)[:ERROR_LINES_SHOWN])},
            )
            return self.redirect_to_import(request)
        counts = import_counts(result)
        import_batch_finish(batch=request._devzone_import_run.batch, counts=counts)
        batch = request._devzone_import_run.batch
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("导入完成：新增 %(new)d 条，更新 %(update)d 条，未变 %(skip)d 条。")
                % counts,
                reverse("admin:devzone_importbatch_change", args=[batch.pk]),
                _("查看导入批次 #%(pk)s") % {"pk": batch.pk},
            ),
        )
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        """devzone's own message is added in process_result."""

    def describe_filters(self, request):
        """Return the changelist's filter and search in the admin's own Chinese words.

        E.g. "类型：村；搜索：普善" — what the export log records, numbers masked.
        """
        try:
            changelist = self.get_changelist_instance(request)
        except (
            IncorrectLookupParameters,
            DisallowedModelAdminLookup,
            FieldDoesNotExist,
            ValidationError,
        ):  # an invalid lookup: record what was asked, as it was asked
            return (
                mask_numbers_in_text(unquote_plus(request.GET.urlencode())) or NO_FILTER
            )
        return filters_in_words(self.changelist_filters(changelist))

    def describe_changelist(self, changelist):
        """Return a changelist's filters and search in words, "" when there are none."""
        return filters_in_words(self.changelist_filters(changelist), none="")

    def changelist_filters(self, changelist):
        """Return a changelist's filters and search as (label, text) pairs."""
        parts, described = [], set()
        for spec in changelist.filter_specs:
            used = getattr(spec, "used_parameters", None)
            if not used:
                continue
            described.update(used)
            chosen = [
                str(choice["display"])
                for choice in spec.choices(changelist)
                if choice.get("selected") and choice.get("display") is not None
            ]
            if chosen:
                parts.append((str(spec.title), "、".join(chosen)))
            else:  # a filter of its own form (a range): name what it was given
                described.difference_update(used)
        # A lookup typed into the address (or a date-hierarchy step) has no sidebar
        # filter: name its field.
        for lookup, values in changelist.get_filters_params().items():
            if lookup not in described:
                value = "、".join(
                    map(str, values if isinstance(values, list) else [values])
                )
                parts.append((self.lookup_label(lookup), value))
        if changelist.query:
            parts.append(("搜索", changelist.query))
        return parts

    def lookup_label(self, lookup):
        """Return a lookup such as ``project__year__gte`` in words: 搬迁项目·年度≥."""
        opts, words, suffix = self.model._meta, [], ""
        for part in lookup.split("__"):
            try:
                field = opts.get_field(part)
            except FieldDoesNotExist:
                if part in LOOKUP_WORDS:
                    suffix += LOOKUP_WORDS[part]
                else:
                    words.append(part)
                continue
            words.append(str(field.verbose_name))
            if field.is_relation and field.related_model:
                opts = field.related_model._meta
        return "·".join(words) + suffix

    def init_request_context_data(self, request, form):
        context = super().init_request_context_data(request, form)
        context.update(
            title=_("导出%(name)s") % {"name": self.model._meta.verbose_name},
            export_filters=self.describe_filters(request),
            export_row_count=self.get_export_queryset(request).count(),
            export_masked=self.masks_personal_data(request),
        )
        return context

    def get_export_filename(self, request, queryset, file_format):
        """Return e.g. ``搬迁户_已签约_练湖新城社区_20261130.xlsx``."""
        described = self.describe_filters(request)
        values = [
            part.split("：", 1)[-1]
            for part in described.split("；")
            if described != NO_FILTER
        ]
        return export_filename(
            str(self.model._meta.verbose_name), values, file_format.get_extension()
        )

    def export_action(self, request):
        """Show the export form; on a valid POST, stream the file it asks for."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        try:
            # The export's rows are the list's: its address is checked as the
            # changelist checks it, before any form or file is built from it.
            self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(
                request,
                _("导出的筛选条件无效：请在列表中重新筛选后再导出。"),
                messages.ERROR,
            )
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        formats = self.get_export_formats()
        if self.is_skip_export_form_enabled():
            return self.export_response(request, formats[0]())
        if request.method != "POST":
            return super().export_action(request)
        form = self.get_export_form_class()(
            formats, self.get_export_resource_classes(request), data=request.POST
        )
        # An export action's form names its records by pk; the export queryset
        # keeps them to the user's scope.
        items = [
            item
            for item in request.POST.getlist("export_items")
            if item.isascii() and item.isdigit()
        ]
        form.fields["export_items"].choices = [(item, item) for item in items]
        if form.is_valid():
            file_format = formats[int(form.cleaned_data["format"])]()
            return self.export_response(
                request, file_format, form, form.cleaned_data["export_items"]
            )
        context = self.init_request_context_data(request, form)
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.export_template_name], context=context)

    def export_response(self, request, file_format, form=None, items=()):
        """Return the changelist's rows (those of ``items`` if any) as a file."""
        queryset = self.get_export_queryset(request)
        if items:
            queryset = queryset.filter(pk__in=items)
        resource_class = self.choose_export_resource_class(form, request)
        resource = resource_class(**self.get_export_resource_kwargs(request))
        export = Export(
            resource,
            queryset,
            file_format.get_extension(),
            selected=self.get_export_resource_fields_from_form(form),
        )
        return export.response(
            user=request.user,
            model=self.model,
            filters=self.describe_filters(request),
            filename=self.get_export_filename(request, queryset, file_format),
        )


class LogReadMixin(_ModelAdmin):
    """Write a security event for each look at a log: its list or one of its rows."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            query = request.GET.urlencode()
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
