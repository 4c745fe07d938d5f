"""Admin actions that change the selected records: all of them or none."""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


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
