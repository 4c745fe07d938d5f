"""Volunteer teams (志愿服务队) and the activities they hold (志愿服务活动)."""

from django.db import models
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.constraints import FieldCheck, non_negative
from devzone.models import (
    DEFAULT_PERMISSIONS,
    CommunityScopedQuerySet,
    TimeStampedModel,
)


class VolunteerTeamQuerySet(models.QuerySet):
    def with_activity_figures(self, year):
        """Annotate activity counts (all years and ``year``) and people served in ``year``."""
        in_year = Q(activities__date__year=year)
        return self.annotate(
            activity_total=Count("activities"),
            activity_year_total=Count("activities", filter=in_year),
            people_served_year=Coalesce(
                Sum("activities__people_served", filter=in_year), 0
            ),
        )


class VolunteerTeam(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    parent_unit = models.CharField(
        _("所属单位"), max_length=100, blank=True, default=""
    )
    leader = models.CharField(_("队长"), max_length=50, blank=True, default="")
    member_count = models.PositiveIntegerField(_("队员人数（人）"), default=0)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True, default="")

    objects = VolunteerTeamQuerySet.as_manager()

    NATURAL_KEY = "name"

    history = audit_history()
    past_date_fields = ("founded_on",)

    class Meta:
        verbose_name = verbose_name_plural = _("志愿服务队")
        ordering = ["name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            non_negative(
                "member_count",
                name="governance_team_members_nonneg",
                message=_("队员人数不能为负数。"),
            ),
        ]

    def __str__(self):
        return self.name


class VolunteerActivityQuerySet(CommunityScopedQuerySet):
    def in_year(self, year):
        """Return the activities held in ``year``."""
        return self.filter(date__year=year)

    def of_category(self, category):
        """Return the activities of one category."""
        return self.filter(category=category)

    def people_served(self):
        """Return the total of people served by these activities (0 if none)."""
        return self.aggregate(total=Coalesce(Sum("people_served"), 0))["total"]


class VolunteerActivity(TimeStampedModel):
    class Category(models.TextChoices):
        THEORY = "theory", _("理论宣讲")
        CULTURE = "culture", _("文化服务")
        EDUCATION = "education", _("助学帮教")
        HEALTH = "health", _("医疗健身")
        ENVIRONMENT = "environment", _("卫生环保")
        CIVILITY = "civility", _("文明劝导")
        POVERTY = "poverty", _("扶贫帮困")
        ELDERLY = "elderly", _("关爱空巢老人")

    team = models.ForeignKey(
        VolunteerTeam,
        verbose_name=_("志愿服务队"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    date = models.DateField(_("活动日期"))
    title = models.CharField(_("活动名称"), max_length=200)
    category = models.CharField(_("类别"), max_length=16, choices=Category)
    community = models.ForeignKey(
        "devzone.Community",
        verbose_name=_("服务村/社区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_activities",
    )
    location = models.CharField(_("活动地点"), max_length=200, blank=True, default="")
    volunteers = models.PositiveIntegerField(_("参与志愿者（人）"), default=0)
    people_served = models.PositiveIntegerField(_("服务群众（人次）"), default=0)
    note = models.TextField(_("备注"), blank=True, default="")

    objects = VolunteerActivityQuerySet.as_manager()

    history = audit_history()
    past_date_fields = ("date",)

    class Meta:
        verbose_name = verbose_name_plural = _("志愿服务活动")
        # Newest first, by columns one index serves: sorting a day's rows by the
        # team's name went through the join for every row a search or a deep page
        # read before the list could show its first.
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["-date", "-id"], name="governance_activity_list")
        ]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["team", "date", "title"],
                name="governance_activity_team_date_title_unique",
                violation_error_message=_("该服务队在同一天已有同名活动。"),
            ),
            FieldCheck(
                field="volunteers",
                condition=Q(volunteers__gte=0, people_served__gte=0),
                name="governance_activity_counts_nonneg",
                violation_error_message=_("参与志愿者和服务群众人次不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.title}"
