from django.db import models
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.constraints import FieldCheck, FieldUnique, non_negative, year_range
from devzone.fields import IdNumberField, PhoneField, SealedSibling
from devzone.models import (
    DEFAULT_PERMISSIONS,
    Area,
    Community,
    CommunityScopedQuerySet,
    TimeStampedModel,
)


class RelocationProjectQuerySet(CommunityScopedQuerySet):
    # A project spans communities and areas: every worker may pick it for a household.
    user_scoped = False

    def for_year(self, year):
        """Return the relocation projects of one year."""
        return self.filter(year=year)

    def with_totals(self):
        """Return the projects annotated with household count, area and signed count."""
        return self.annotate(
            household_total=Count("households"),
            area_total=Sum("households__floor_area"),
            signed_total=Count(
                "households",
                filter=~Q(households__status=RelocationHousehold.Status.PENDING),
            ),
        )


class RelocationProject(TimeStampedModel):
    class Status(models.TextChoices):
        PLANNING = "planning", _("筹备中")
        ONGOING = "ongoing", _("实施中")
        COMPLETED = "completed", _("已完成")

    name = models.CharField(_("项目名称"), max_length=100, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    community = models.ForeignKey(
        Community,
        verbose_name=_("所在村/社区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relocation_projects",
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("所在片区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relocation_projects",
    )
    status = models.CharField(
        _("项目状态"), max_length=16, choices=Status, default=Status.PLANNING
    )
    started_on = models.DateField(_("启动日期"), null=True, blank=True)
    vacate_deadline = models.DateField(
        _("腾空期限"),
        null=True,
        blank=True,
        help_text=_("已签约的搬迁户应在此日期前腾空；逾期未腾空的列入工作台待办。"),
    )
    note = models.TextField(_("备注"), blank=True, default="")

    objects = RelocationProjectQuerySet.as_manager()

    NATURAL_KEY = "name"

    history = audit_history()

    class Meta:
        verbose_name = verbose_name_plural = _("搬迁项目")
        ordering = ["-year", "name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            year_range("year", name="projects_relocationproject_year_range"),
            FieldCheck(
                field="community",
                condition=Q(community__isnull=False) | Q(area__isnull=False),
                name="projects_relocationproject_has_place",
                violation_error_message=_("请填写所在村/社区或所在片区（至少一项）。"),
            ),
        ]

    def __str__(self):
        return self.name


class RelocationHouseholdQuerySet(CommunityScopedQuerySet):
    def for_year(self, year):
        """Return the households of the relocation projects of one year."""
        return self.filter(project__year=year)

    def signed(self):
        """Return the households that have signed (whatever happened since)."""
        return self.exclude(status=RelocationHousehold.Status.PENDING)

    def past_vacate_deadline(self, on=None):
        """Return the households signed but not vacated after their project's deadline."""
        on = on or timezone.localdate()
        return self.filter(
            status=RelocationHousehold.Status.SIGNED,
            project__vacate_deadline__lt=on,
        )

    def total_area(self):
        """Return the relocated floor area of these households in m² (0 if none)."""
        return self.aggregate(total=Sum("floor_area"))["total"] or 0


class HouseholdStatus(models.TextChoices):
    PENDING = "pending", _("待签约")
    SIGNED = "signed", _("已签约")
    VACATED = "vacated", _("已腾空")
    DEMOLISHED = "demolished", _("已拆除")
    RESETTLED = "resettled", _("已安置")


# Outside the model, so that its Meta.constraints can name them.
VACATED_STATUS_VALUES = (
    HouseholdStatus.VACATED,
    HouseholdStatus.DEMOLISHED,
    HouseholdStatus.RESETTLED,
)


class RelocationHousehold(TimeStampedModel):
    Status = HouseholdStatus

    class Resettlement(models.TextChoices):
        CASH = "cash", _("货币补偿")
        PROPERTY = "property", _("产权调换")

    VACATED_STATUSES = VACATED_STATUS_VALUES

    project = models.ForeignKey(
        RelocationProject,
        verbose_name=_("搬迁项目"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    head_name = models.CharField(_("户主姓名"), max_length=50)
    id_number = IdNumberField(_("身份证号"))
    id_number_digest = SealedSibling(
        _("身份证号检索摘要"), source="id_number", kind="digest"
    )
    id_number_masked = SealedSibling(
        _("身份证号脱敏副本"), source="id_number", kind="masked"
    )
    id_number_birth = SealedSibling(_("出生日期码"), source="id_number", kind="birth")
    phone = PhoneField(_("联系电话"), blank=True, default="")
    phone_digest = SealedSibling(_("联系电话检索摘要"), source="phone", kind="digest")
    phone_masked = SealedSibling(_("联系电话脱敏副本"), source="phone", kind="masked")
    community = models.ForeignKey(
        Community,
        verbose_name=_("所属村/社区"),
        on_delete=models.PROTECT,
        related_name="relocation_households",
    )
    address = models.CharField(_("房屋坐落"), max_length=200, blank=True, default="")
    household_size = models.PositiveSmallIntegerField(
        _("家庭人口（人）"),
        default=1,
    )
    floor_area = models.DecimalField(
        _("搬迁面积（平方米）"),
        max_digits=10,
        decimal_places=2,
    )
    compensation = models.DecimalField(
        _("补偿金额（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("搬迁状态"), max_length=16, choices=Status, default=Status.PENDING
    )
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    vacated_on = models.DateField(_("腾空日期"), null=True, blank=True)
    resettlement = models.CharField(
        _("安置方式"), max_length=16, choices=Resettlement, blank=True, default=""
    )
    note = models.TextField(_("备注"), blank=True, default="")

    objects = RelocationHouseholdQuerySet.as_manager()

    history = audit_history()
    past_date_fields = ("signed_on", "vacated_on")

    class Meta:
        verbose_name = verbose_name_plural = _("搬迁户")
        # The base manager (Django's deletions and related objects, devzone's
        # _base_manager reads) is this unfiltered one, so that an update()
        # through it writes the siblings too (devzone.E011).
        base_manager_name = "objects"
        # Ordered by columns one index serves: ordering by the project itself would
        # sort every household through the join before showing the first page.
        ordering = ["project_id", "head_name", "id"]
        indexes = [
            # The community too (PostgreSQL only): a community worker's deep page
            # reads its keys from the index alone.
            models.Index(
                fields=["project", "head_name", "id"],
                name="projects_household_list_scope",
                include=["community"],
            ),
            # The admin's exact search by number (devzone.search).
            models.Index(
                fields=["id_number_digest"], name="projects_household_id_number"
            ),
            models.Index(fields=["phone_digest"], name="projects_household_phone"),
            # The sidebar's filters counted from the index alone: a row with its
            # sealed numbers is too wide to read for a count.
            models.Index(
                fields=["community", "status", "resettlement"],
                include=["id"],
                name="projects_household_filters",
            ),
            # The annual report's area of a year's projects, from the index alone.
            models.Index(
                fields=["project"],
                include=["floor_area"],
                name="projects_household_area",
            ),
        ]
        default_permissions = DEFAULT_PERMISSIONS
        permissions = [
            ("view_personal_data", _("查看搬迁户完整身份证号和电话")),
        ]
        constraints = [
            FieldUnique(
                field="id_number",
                fields=["project", "id_number_digest"],
                name="projects_household_id_unique_in_project",
                violation_error_message=_("该搬迁项目中已有相同身份证号的搬迁户。"),
            ),
            non_negative(
                "floor_area",
                name="projects_household_area_nonneg",
                message=_("搬迁面积不能为负数。"),
            ),
            non_negative(
                "compensation",
                name="projects_household_compensation_nonneg",
                message=_("补偿金额不能为负数。"),
                nullable=True,
            ),
            FieldCheck(
                field="household_size",
                condition=Q(household_size__gte=1),
                name="projects_household_size_positive",
                violation_error_message=_("家庭人口至少为 1 人。"),
            ),
            FieldCheck(
                field="vacated_on",
                condition=Q(vacated_on__isnull=True)
                | Q(signed_on__isnull=False, vacated_on__gte=F("signed_on")),
                name="projects_household_vacated_after_signed",
                violation_error_message=_("腾空日期不能早于签约日期（须先签约）。"),
            ),
            FieldCheck(
                field="signed_on",
                condition=Q(status=HouseholdStatus.PENDING)
                | Q(signed_on__isnull=False),
                name="projects_household_signed_has_date",
                violation_error_message=_("已签约及之后状态的搬迁户必须填写签约日期。"),
            ),
            FieldCheck(
                field="vacated_on",
                condition=~Q(status__in=VACATED_STATUS_VALUES)
                | Q(vacated_on__isnull=False),
                name="projects_household_vacated_has_date",
                violation_error_message=_(
                    "已腾空、已拆除、已安置的搬迁户必须填写腾空日期。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.head_name}（{self.project}）"
