"""The record form of every admin page: its rules, and choices within the user's scope."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin

from devzone.admin_personal import PersonalLookupFormMixin
from devzone.admin_versions import VersionCheckFormMixin
from devzone.admin_widgets import with_safe_autocomplete
from devzone.constraints import unique_conflicts
from devzone.scope import Scope, community_path

# The mixins are typed as the classes they are mixed into; at run time they stay
# plain mixins, so the real classes' order of bases is unchanged.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
    _ModelForm = forms.ModelForm
else:
    _ModelAdmin = _ModelForm = object


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


class ZoneModelForm(
    VersionCheckFormMixin,
    PersonalLookupFormMixin,
    UniqueRulesFormMixin,
    forms.ModelForm,
):
    """The form of every record's admin page."""

    masks: dict[str, Callable[[Any], str]] = {}


class ZoneFormMixin(_ModelAdmin):
    """Use ZoneModelForm; offer only the records of the user's communities.

    A community worker must also say which community a record belongs to: without
    one it would fall outside their scope the moment it is saved.
    """

    form = ZoneModelForm

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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        return with_safe_autocomplete(formfield) if formfield else formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = self.scoped_formfield(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs = self.scoped_formfield(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
