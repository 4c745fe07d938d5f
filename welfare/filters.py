"""FilterSets for the export centre: the same vocabulary as the admin's filters."""

import django_filters
from django.utils.translation import gettext_lazy as _

from devzone.models import Community
from welfare.models import AgeBand, AssistanceRecord, Gender, WelfareRecipient


def filter_gender(queryset, name, value):
    return queryset.of_gender(value)


def filter_age_band(queryset, name, value):
    return queryset.in_age_band(value)


class WelfareRecipientFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("姓名"), lookup_expr="contains")
    # Exact: the field stores and looks up the number normalised; a masked user's
    # filter by it is a lookup (devzone.personal), found by the path it reads.
    id_number = django_filters.CharFilter(
        label=_("身份证号（完整）"), field_name="id_number"
    )
    category = django_filters.MultipleChoiceFilter(
        label=_("帮扶类别"), choices=WelfareRecipient.Category.choices
    )
    cause = django_filters.MultipleChoiceFilter(
        label=_("致困原因"), choices=WelfareRecipient.Cause.choices
    )
    community = django_filters.ModelMultipleChoiceFilter(
        label=_("村/社区"), queryset=Community.objects.all()
    )
    batch_year = django_filters.NumberFilter(label=_("认定年度"))
    batch = django_filters.MultipleChoiceFilter(
        label=_("认定批次"), choices=WelfareRecipient.Batch.choices
    )
    identified_on = django_filters.DateFromToRangeFilter(label=_("认定日期"))
    status = django_filters.MultipleChoiceFilter(
        label=_("状态"), choices=WelfareRecipient.Status.choices
    )
    gender = django_filters.ChoiceFilter(
        label=_("性别"), choices=Gender.choices, method=filter_gender
    )
    age_band = django_filters.ChoiceFilter(
        label=_("年龄段"), choices=AgeBand.choices, method=filter_age_band
    )
    household_size = django_filters.RangeFilter(label=_("家庭人口（人）"))

    class Meta:
        model = WelfareRecipient
        fields: list[str] = []


class AssistanceRecordFilterSet(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter(label=_("日期"))
    kind = django_filters.MultipleChoiceFilter(
        label=_("帮扶方式"), choices=AssistanceRecord.Kind.choices
    )
    amount = django_filters.RangeFilter(label=_("金额（元）"))
    recipient_category = django_filters.MultipleChoiceFilter(
        label=_("帮扶类别"),
        field_name="recipient__category",
        choices=WelfareRecipient.Category.choices,
    )
    community = django_filters.ModelMultipleChoiceFilter(
        label=_("村/社区"),
        field_name="recipient__community",
        queryset=Community.objects.all(),
    )
    recipient_batch_year = django_filters.NumberFilter(
        label=_("认定年度"), field_name="recipient__batch_year"
    )
    recipient_id_number = django_filters.CharFilter(
        label=_("身份证号（完整）"), field_name="recipient__id_number"
    )

    class Meta:
        model = AssistanceRecord
        fields: list[str] = []
