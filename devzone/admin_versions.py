"""A record's versions in the admin: its history page, and no save over another's.

A record's version is the time of its last change (``audit.record_version``). The
change page carries it; the form refuses to save over a newer one and says who
changed what since. The history page lists every change, masked like the list.
"""

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devzone.audit import history_entries, record_version
from devzone.audit_events import audit_event_record
from devzone.errors import RecordNotFound
from devzone.models import AuditEvent, PersonalDataAccess

# The mixins are typed as the classes they are mixed into; at run time they stay
# plain mixins, so the real classes' order of bases is unchanged.
if TYPE_CHECKING:
    from devzone.admin_personal import PersonalDataMixin as _Admin

    _ModelForm = forms.ModelForm
else:
    _Admin = _ModelForm = object


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


class VersionsMixin(_Admin):
    """The history page, and the version a change page sends back with its form."""

    change_form_template = "admin/devzone/change_form.html"

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form: Any = super().get_form(request, obj, change, **kwargs)
        # What another user changed is shown masked like the rest of the page.
        form.masks = self.history_masks(request)
        return form

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None:
            context["record_version"] = record_version(getattr(obj, "updated_at", None))
        return super().render_change_form(request, context, add, change, form_url, obj)
