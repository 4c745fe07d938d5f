from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devzone.desk.people import clean_number


class PersonFindForm(forms.Form):
    """Find a person by full ID number, or by name and birth date."""

    number = forms.CharField(label=_("身份证号"), required=False, max_length=40)
    name = forms.CharField(label=_("姓名"), required=False, max_length=50)
    birth_date = forms.DateField(
        label=_("出生日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean() or {}
        text = (data.get("number") or "").strip()
        if text:
            number = clean_number(text)
            if number is None:
                raise forms.ValidationError(_("请输入完整的 18 位身份证号。"))
            data["number"] = number
            return data
        name, birth = (data.get("name") or "").strip(), data.get("birth_date")
        if not (name and birth):
            raise forms.ValidationError(
                _("请输入完整身份证号，或同时输入姓名和出生日期。")
            )
        if birth > timezone.localdate():
            raise forms.ValidationError(_("出生日期不能晚于今天。"))
        data["name"] = name
        return data

    def term(self) -> str:
        """Return what was looked up, as the access log keeps it."""
        data = self.cleaned_data
        if data.get("number"):
            return data["number"]
        return f"{data['name']} {data['birth_date']:%Y%m%d}"
