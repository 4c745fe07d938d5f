"""Personal data in the admin: masked for whoever may not see it, logged when seen.

What is personal, who may unmask it, the masks, the quota and the log are
``devzone.personal``'s; this module applies them to a ModelAdmin's lists, forms,
search and lookups.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from django import forms
from django.contrib import admin, messages
from django.utils.functional import cached_property

from devzone import personal
from devzone.filter_words import NO_FILTER
from devzone.models import PersonalDataAccess
from devzone.validators import (
    CONTROL_CHARACTERS,
    contains_personal_number,
    normalize_search_term,
)

# The mixins are typed as the classes they are mixed into; at run time they stay
# plain mixins, so the real classes' order of bases is unchanged.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
    _ModelForm = forms.ModelForm
else:
    _ModelAdmin = _ModelForm = object


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


class PersonalDataMixin(_ModelAdmin):
    """Mask personal data for users without the permission; log every full view.

    Personal data is every path to an ``IdNumberField`` or ``PhoneField``, the
    model's own or a related record's such as ``recipient__id_number``. Masked
    users cannot edit it, nor probe it with lookups beyond the day's quota.
    """

    # Columns that narrow a masked number down (an age), hidden from masked users.
    personal_derived_columns: Sequence[str] = ()

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

    def get_personal_fields(self):
        """Return {path: mask} of the personal values this admin's records hold."""
        return personal.personal_paths(self.model)

    def personal_label(self, path):
        opts = self.model._meta
        *relations, name = path.split("__")
        for relation in relations:
            opts = opts.get_field(relation).related_model._meta
        return opts.get_field(name).verbose_name

    def has_personal_data_permission(self, request):
        """Return True if the user may see this model's personal data unmasked."""
        return personal.may_unmask(request.user, self.model)

    def masks_personal_data(self, request):
        return bool(
            self.get_personal_fields()
        ) and not self.has_personal_data_permission(request)

    def shows_personal_data(self, request):
        """Return True if this admin shows the user full ID numbers or phones."""
        return bool(self.get_personal_fields()) and not self.masks_personal_data(
            request
        )

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form: Any = super().get_form(request, obj, change, **kwargs)
        form.lookup_user = request.user if self.masks_personal_data(request) else None
        return form

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
        return super().get_search_results(request, queryset, term)

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
        response = super().change_view(request, object_id, form_url, extra_context)
        original = (getattr(response, "context_data", None) or {}).get("original")
        if original is not None and self.shows_personal_data(request):
            self.log_full_view(request, PersonalDataAccess.Kind.RECORD, original)
        return response
