"""Admin widgets that survive the values a tampered form sends.

Django's autocomplete widgets look up the submitted value to show it again on a form
with errors: a value that is no key at all (``\\x00``, 30 digits) is a ValueError
or an OverflowError there, a 500 instead of the form's own "选择一个有效的选项".
"""

from typing import TYPE_CHECKING, Any

from django.contrib.admin.widgets import (
    AutocompleteMixin,
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from django.core.exceptions import ValidationError

# Typed as the widget it is mixed into; a plain mixin at run time.
if TYPE_CHECKING:
    _Autocomplete = AutocompleteMixin
else:
    _Autocomplete = object


class ValidKeysMixin(_Autocomplete):
    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        to_field = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        keys = []
        for key in value:
            try:
                to_field.run_validators(to_field.to_python(key))
            except ValidationError:
                continue
            keys.append(key)
        return super().optgroups(name, keys, attr)


class ZoneAutocompleteSelect(ValidKeysMixin, AutocompleteSelect):
    pass


class ZoneAutocompleteSelectMultiple(ValidKeysMixin, AutocompleteSelectMultiple):
    pass


SAFE_WIDGETS = {
    AutocompleteSelect: ZoneAutocompleteSelect,
    AutocompleteSelectMultiple: ZoneAutocompleteSelectMultiple,
}


def with_safe_autocomplete(formfield):
    """Return the form field with its autocomplete widget replaced by a safe one."""
    wrapper: Any = getattr(formfield, "widget", None)
    widget: Any = getattr(wrapper, "widget", None)
    safe = SAFE_WIDGETS.get(type(widget))
    if safe is not None:
        wrapper.widget = safe(
            widget.field,
            widget.admin_site,
            attrs=widget.attrs,
            choices=widget.choices,
            using=widget.db,
        )
    return formfield
