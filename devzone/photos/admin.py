"""Photos on a record's admin page: the upload field, the inline, the panel.

A record's admin mixes in ``PhotosAdminMixin`` and names its ``photo_model``; its
form mixes in ``PhotoUploadFormMixin``. The upload is a field of the record's own
form (the admin page is one HTML form), so photos and a change of status — closing
a case with its 整改后 photo — are saved together, or refused together.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from devzone.audit import ACTIONS
from devzone.photos.models import Photo
from devzone.photos.services import photos_add, photos_process

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


class MultiplePhotoInput(forms.ClearableFileInput):
    """A file input that takes several photos and, on a phone, opens the camera."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__(
            {"accept": "image/*", "capture": "environment", **(attrs or {})}
        )


class MultiplePhotoField(forms.FileField):
    """The photos chosen in one upload, each checked (``photos_process``)."""

    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = [file for file in (data or []) if file]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], "required")
            return []
        limit = settings.DEVZONE_PHOTOS_PER_UPLOAD
        if len(files) > limit:
            raise ValidationError(
                _("一次最多上传 %(limit)d 张照片，请分几次上传。"),
                params={"limit": limit},
            )
        return photos_process(files)


class PhotoUploadFormMixin(forms.Form):
    """Add ``photo_files``, ``photo_kind`` and ``photo_caption`` to a record's form.

    Mixed in before the record's ModelForm (a Form, so that Django collects the
    fields); the form declares ``photo_model``, whose ``Kind`` gives the kinds.
    """

    photo_model: type[Photo]
    instance: Any

    photo_files = MultiplePhotoField(
        label=_("上传照片"),
        required=False,
        help_text=_(
            "可一次选择多张；手机上会直接打开相机。接受手机和相机拍摄的常见照片，"
            "每张不超过 %(limit)d 兆。照片中的位置等信息会被删除。"
        )
        % {"limit": settings.DEVZONE_PHOTO_MAX_BYTES // 2**20},
    )
    photo_kind = forms.ChoiceField(label=_("照片类型"), required=False)
    photo_caption = forms.CharField(label=_("照片说明"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = self.photo_model.Kind.choices  # type: ignore[attr-defined]
        field: Any = self.fields["photo_kind"]
        field.choices = kinds
        field.initial = kinds[0][0]
        if len(kinds) == 1:
            field.widget = forms.HiddenInput()

    def clean_photo_kind(self):
        kind = self.cleaned_data.get("photo_kind") or self.fields["photo_kind"].initial
        if kind not in self.photo_model.Kind.values:  # type: ignore[attr-defined]
            raise ValidationError(_("请选择照片类型。"))
        return kind

    def pending_photo_kinds(self) -> list[str]:
        """Return the kind of each photo this submission uploads."""
        photos = self.cleaned_data.get("photo_files") or []
        return [self.cleaned_data.get("photo_kind", "")] * len(photos)

    def existing_photo_kinds(self) -> list[str]:
        """Return the kinds of the record's stored photos."""
        if self.instance.pk is None:
            return []
        record_field = self.photo_model.record_field
        return list(
            self.photo_model.objects.filter(
                **{record_field: self.instance}
            ).values_list("kind", flat=True)
        )


class PhotoInlineFormSet(forms.BaseInlineFormSet):
    """The record's photos; the record may refuse to lose its evidence.

    A record model may define ``photo_evidence_refusal(kinds)``: given the kinds of
    photos it would keep, a message if it may not be left so, else None.
    """

    def clean(self):
        super().clean()
        refusal = getattr(self.instance, "photo_evidence_refusal", None)
        if refusal is None or not self.has_changed():
            return
        before = [form.initial.get("kind") for form in self.initial_forms]
        kept = [
            form.cleaned_data.get("kind")
            for form in self.initial_forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        uploading = self.files.getlist("photo_files") if self.files else []
        kept += [self.data.get("photo_kind")] * len(uploading)
        # Only a change that takes evidence away is refused here; closing a record
        # without it is the form's to refuse.
        if refusal(before) is None and (message := refusal(kept)):
            raise ValidationError(message)


class PhotoInline(admin.TabularInline):
    """The photos of a record, to caption, re-kind or delete (delete keeps history).

    New photos come through the upload field, not through empty inline rows.
    Permissions follow the record: whoever may change it may change its photos.
    """

    formset = PhotoInlineFormSet
    fields = ["preview", "kind", "caption", "taken_at", "uploader"]
    readonly_fields = ["preview", "taken_at", "uploader"]
    extra = 0
    classes = ["devzone-photo-inline"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("上传人"))
    def uploader(self, obj):
        """Return the uploader by name, as staff know each other."""
        user = obj.uploaded_by
        return (user.get_full_name() or user.get_username()) if user else ""

    def record_perm(self, request, action):
        opts = self.parent_model._meta
        return request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return self.record_perm(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self.record_perm(request, "change")

    def has_view_permission(self, request, obj=None):
        return self.record_perm(request, "view") or self.record_perm(request, "change")

    @admin.display(description=_("照片"))
    def preview(self, photo):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">'
            '<img src="{}" alt="{}" class="devzone-photo-thumb" loading="lazy"></a>',
            photo.display_url,
            photo.thumbnail_url,
            photo.caption or photo.get_kind_display(),
        )


class PhotosAdminMixin(_ModelAdmin):
    """A record's admin with photos: the upload on its form, the panel on its page.

    Declare ``photo_model`` and ``photo_columns``: the kinds shown side by side
    (e.g. 整改前 beside 整改后), then the others below.
    """

    photo_model: type[Photo]
    photo_columns: tuple[str, ...] = ()
    # From a photo to this admin's record: its record_field unless the page shows
    # the photos of related records (a recipient's visits: "record__recipient"),
    # which are then shown but uploaded on those records' pages.
    photo_path = ""
    change_form_template = "admin/devzone/photos/change_form.html"

    def get_fieldsets(self, request, obj=None):
        upload = ["photo_files", "photo_kind", "photo_caption"]
        fieldsets = [
            (title, {**opts, "fields": [f for f in opts["fields"] if f not in upload]})
            for title, opts in super().get_fieldsets(request, obj)
        ]
        may_upload = (
            self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        if not may_upload or self.photo_path:
            return fieldsets
        return [*fieldsets, (_("上传现场照片"), {"fields": upload})]

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        context["photo_panel"] = self.photo_panel(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def photo_panel(self, obj) -> dict[str, Any] | None:
        """Return the photos of ``obj`` grouped by kind, the paired kinds first."""
        if obj is None or obj.pk is None:
            return None
        path = self.photo_path or self.photo_model.record_field
        photos = list(
            self.photo_model.objects.filter(**{path: obj}).select_related("uploaded_by")
        )
        kinds = self.photo_model.Kind  # type: ignore[attr-defined]

        def group(kind: str) -> dict[str, Any]:
            return {
                "kind": kind,
                "label": kinds(kind).label,
                "photos": [photo for photo in photos if photo.kind == kind],
            }

        return {
            "count": len(photos),
            "columns": [group(kind) for kind in self.photo_columns],
            "others": [
                group(kind) for kind in kinds.values if kind not in self.photo_columns
            ],
        }

    def history_view(self, request, object_id, extra_context=None):
        """Add the record's photos, deleted ones too, to its history page."""
        response = super().history_view(request, object_id, extra_context)
        context = getattr(response, "context_data", None) or {}
        if isinstance(response, TemplateResponse) and "object" in context:
            response.template_name = "admin/devzone/photos/history.html"
            context["photo_history"] = self.photo_history(context["object"])
        return response

    def photo_history(self, obj) -> list[dict[str, Any]]:
        """Return every upload, change and deletion of the record's photos."""
        path = self.photo_path or self.photo_model.record_field
        history: Any = self.photo_model.history  # type: ignore[attr-defined]
        rows = (
            history.filter(**{path: obj})
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        return [
            {
                "date": row.history_date,
                "user": row.history_user,
                "action": ACTIONS.get(row.history_type, row.history_type),
                "kind": row.get_kind_display(),
                "caption": row.caption,
                "taken_at": row.taken_at,
                "key": row.key,
            }
            for row in rows
        ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        photos = form.cleaned_data.get("photo_files")
        if photos:
            photos_add(
                photo_model=self.photo_model,
                record=form.instance,
                kind=form.cleaned_data["photo_kind"],
                photos=photos,
                caption=form.cleaned_data.get("photo_caption", ""),
                user=request.user,
            )
