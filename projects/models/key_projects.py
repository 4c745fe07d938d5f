from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.constraints import FieldCheck, FieldUnique, non_negative, year_range
from devzone.models import DEFAULT_PERMISSIONS, Area, TimeStampedModel


class KeyProjectQuerySet(models.QuerySet):
    def for_year(self, year):
        """Return the projects listed in one year."""
        return self.filter(year=year)

    def industrial(self):
        """Return the industrial projects (产业类)."""
        return self.filter(category=KeyProject.Category.INDUSTRIAL)

    def continued(self):
        """Return the projects carried over from an earlier year (续建)."""
        return self.filter(build_type=KeyProject.BuildType.CONTINUED)

    def new(self):
        """Return the projects started in their year (新建)."""
        return self.filter(build_type=KeyProject.BuildType.NEW)

    def on_list(self, level):
        """Return the projects whose highest list is ``level``."""
        return self.filter(list_level=level)


class KeyProject(TimeStampedModel):
    class Category(models.TextChoices):
        INDUSTRIAL = "industrial", _("产业类")
        INFRASTRUCTURE = "infrastructure", _("基础设施")
        SOCIAL = "social", _("社会事业")

    class ListLevel(models.TextChoices):
        PROVINCE = "province", _("省级")
        ZHENJIANG = "zhenjiang", _("镇江市级")
        DANYANG = "danyang", _("丹阳市级")

    class BuildType(models.TextChoices):
        NEW = "new", _("新建")
        CONTINUED = "continued", _("续建")

    class Status(models.TextChoices):
        PREPARING = "preparing", _("前期")
        BUILDING = "building", _("在建")
        COMPLETED = "completed", _("竣工")
        OPERATING = "operating", _("投产")

    name = models.CharField(_("项目名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("列入年度"))
    category = models.CharField(_("项目类别"), max_length=16, choices=Category)
    list_level = models.CharField(
        _("最高列入层级"),
        max_length=16,
        choices=ListLevel,
        default=ListLevel.DANYANG,
        help_text=_("项目所在的最高一级重点项目清单。"),
    )
    build_type = models.CharField(_("建设性质"), max_length=16, choices=BuildType)
    status = models.CharField(
        _("项目状态"), max_length=16, choices=Status, default=Status.PREPARING
    )
    total_investment = models.DecimalField(
        _("总投资（万元）"),
        max_digits=12,
        decimal_places=2,
    )
    investment_this_year = models.DecimalField(
        _("本年完成投资（万元）"),
        max_digits=12,
        decimal_places=2,
        default=0,
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("所在片区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="key_projects",
    )
    developer = models.CharField(_("建设单位"), max_length=100, blank=True, default="")
    industry = models.CharField(_("所属行业"), max_length=50, blank=True, default="")
    leader = models.CharField(_("挂钩领导"), max_length=50, blank=True, default="")
    responsible_unit = models.CharField(
        _("包办单位"), max_length=100, blank=True, default=""
    )
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    planned_completion = models.DateField(_("计划竣工日期"), null=True, blank=True)
    completed_on = models.DateField(_("竣工日期"), null=True, blank=True)
    progress = models.TextField(_("形象进度"), blank=True, default="")

    objects = KeyProjectQuerySet.as_manager()

    history = audit_history()
    past_date_fields = ("started_on", "completed_on")

    class Meta:
        verbose_name = verbose_name_plural = _("重点项目")
        ordering = ["-year", "name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            FieldUnique(
                field="name",
                fields=["name", "year"],
                name="projects_keyproject_name_year_unique",
                violation_error_message=_("同一年度已有同名的重点项目。"),
            ),
            year_range("year", name="projects_keyproject_year_range"),
            non_negative(
                "total_investment",
                name="projects_keyproject_total_nonneg",
                message=_("总投资不能为负数。"),
            ),
            non_negative(
                "investment_this_year",
                name="projects_keyproject_this_year_nonneg",
                message=_("本年完成投资不能为负数。"),
            ),
            FieldCheck(
                field="investment_this_year",
                condition=Q(investment_this_year__lte=F("total_investment")),
                name="projects_keyproject_this_year_within_total",
                violation_error_message=_("本年完成投资不能超过总投资。"),
            ),
            FieldCheck(
                field="completed_on",
                condition=Q(completed_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(completed_on__gte=F("started_on")),
                name="projects_keyproject_completed_after_start",
                violation_error_message=_("竣工日期不能早于开工日期。"),
            ),
            FieldCheck(
                field="planned_completion",
                condition=Q(planned_completion__isnull=True)
                | Q(started_on__isnull=True)
                | Q(planned_completion__gte=F("started_on")),
                name="projects_keyproject_planned_after_start",
                violation_error_message=_("计划竣工日期不能早于开工日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.year}）"
