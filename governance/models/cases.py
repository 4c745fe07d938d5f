"""Environmental and city-management cases (环境与城管案件)."""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.constraints import FieldCheck, non_negative
from devzone.models import (
    DEFAULT_PERMISSIONS,
    CommunityScopedQuerySet,
    TimeStampedModel,
)
from devzone.rules import RowRule
from governance.models.photos import CasePhoto, CasePhotoKind

# A case whose deadline is this close shows in the workers' to-do (我的待办).
DUE_SOON_DAYS = 3


class EnvironmentalCaseQuerySet(CommunityScopedQuerySet):
    def search(self, text):
        """Return the cases whose number, title or party concerned contain ``text``."""
        query = Q()
        for field in self.model.SEARCH_FIELDS:
            query |= Q(**{f"{field}__icontains": text})
        return self.filter(query)

    def opened_in(self, year):
        """Return the cases opened in ``year``."""
        return self.filter(opened_on__year=year)

    def of_category(self, category):
        """Return the cases of one category."""
        return self.filter(category=category)

    def water(self):
        """Return the water cases (河道整治, 涉水企业整治)."""
        return self.filter(category__in=EnvironmentalCase.WATER_CATEGORIES)

    def open(self):
        """Return the cases not yet closed."""
        return self.exclude(status=EnvironmentalCase.Status.CLOSED)

    def closed(self):
        """Return the closed cases."""
        return self.filter(status=EnvironmentalCase.Status.CLOSED)

    def with_evidence(self):
        """Return the cases with at least one 整改后 photo."""
        return self.filter(
            Exists(CasePhoto.objects.after().filter(case=OuterRef("pk")))
        )

    def without_evidence(self):
        """Return the cases with no 整改后 photo."""
        return self.exclude(
            Exists(CasePhoto.objects.after().filter(case=OuterRef("pk")))
        )

    def closed_with_evidence(self):
        """Return the closed cases with at least one 整改后 photo (办结佐证)."""
        return self.closed().with_evidence()

    def overdue(self, today=None):
        """Return the open cases whose deadline has passed."""
        today = today or timezone.localdate()
        return self.open().filter(deadline__lt=today)

    def due_soon(self, today=None, days=DUE_SOON_DAYS):
        """Return the open cases whose deadline falls within ``days`` from today."""
        today = today or timezone.localdate()
        return self.open().filter(
            deadline__gte=today, deadline__lte=today + datetime.timedelta(days=days)
        )

    def not_overdue(self, today=None):
        """Return the cases that are closed, have no deadline or are still in time."""
        return self.exclude(pk__in=self.overdue(today).values("pk"))

    def river_names(self):
        """Return the distinct rivers these cases name, sorted."""
        return list(
            self.exclude(river="")
            .order_by("river")
            .values_list("river", flat=True)
            .distinct()
        )

    def count_by(self, field):
        """Return ``{value: count}`` of these cases grouped by ``field``."""
        rows = self.order_by().values(field).annotate(total=Count("pk"))
        return {row[field]: row["total"] for row in rows}


class CaseCategory(models.TextChoices):
    SCATTERED_POLLUTERS = "scattered", _("散乱污取缔")
    RIVER = "river", _("河道整治")
    WATER_ENTERPRISE = "water_enterprise", _("涉水企业整治")
    CITYSCAPE = "cityscape", _("市容整治")
    STREET_VENDING = "street_vending", _("占道经营")
    MUCK_TRANSPORT = "muck_transport", _("渣土运输审批")
    CONSTRUCTION_SITE = "construction_site", _("建筑工地整改")
    BIKE_PARKING = "bike_parking", _("非机动车乱停放")
    WASTE_SORTING = "waste_sorting", _("垃圾分类")
    OTHER = "other", _("其他")


# The letters a generated case number starts with (HJ-2021-0001): one per category,
# so that each category counts its own cases from 0001 every year.
CASE_NUMBER_CODES: dict[str, str] = {
    CaseCategory.SCATTERED_POLLUTERS: "HJ",
    CaseCategory.RIVER: "HD",
    CaseCategory.WATER_ENTERPRISE: "SS",
    CaseCategory.CITYSCAPE: "SR",
    CaseCategory.STREET_VENDING: "ZD",
    CaseCategory.MUCK_TRANSPORT: "ZT",
    CaseCategory.CONSTRUCTION_SITE: "GD",
    CaseCategory.BIKE_PARKING: "FJ",
    CaseCategory.WASTE_SORTING: "LJ",
    CaseCategory.OTHER: "QT",
}


class CaseStatus(models.TextChoices):
    FILED = "filed", _("已立案")
    RECTIFYING = "rectifying", _("整改中")
    CLOSED = "closed", _("已办结")


# Outside the model, so that its Meta.constraints can name them.
WATER_CATEGORY_VALUES = (CaseCategory.RIVER, CaseCategory.WATER_ENTERPRISE)

# The categories closed (办结) only on evidence: at least one 整改后 photo. A site
# put right can be photographed; a muck-transport approval (渣土运输审批) is a
# permit, and 其他 is too various to demand it.
EVIDENCE_CATEGORY_VALUES = frozenset(
    {
        CaseCategory.SCATTERED_POLLUTERS,
        CaseCategory.RIVER,
        CaseCategory.WATER_ENTERPRISE,
        CaseCategory.CITYSCAPE,
        CaseCategory.STREET_VENDING,
        CaseCategory.CONSTRUCTION_SITE,
        CaseCategory.BIKE_PARKING,
        CaseCategory.WASTE_SORTING,
    }
)


def stored_cases(pks):
    """Return {pk: (status, category, photo kinds)} of stored cases."""
    found: dict[int, tuple[str, str, list[str]]] = {
        pk: (status, category, [])
        for pk, status, category in EnvironmentalCase._base_manager.filter(
            pk__in=pks
        ).values_list("pk", "status", "category")
    }
    photos = CasePhoto.objects.filter(case_id__in=pks)
    for pk, kind in photos.values_list("case_id", "kind"):
        found[pk][2].append(kind)
    return found


def closed_with_evidence(case, stored):
    """Refuse moving a stored case to 已办结 without the 整改后 photo it needs.

    The same rule for a form and an import (``EnvironmentalCase.row_rules``); a new
    case entered closed in the admin is the form's to refuse, with its uploads.
    """
    if stored is None or case.status != CaseStatus.CLOSED or not case.requires_evidence:
        return None
    status, category, kinds = stored
    if (status, category) == (case.status, case.category):
        return None  # closed already: this is no closing
    return case.photo_evidence_refusal([*kinds, *case.photo_kinds_uploading])


class EnvironmentalCase(TimeStampedModel):
    Category = CaseCategory

    Status = CaseStatus

    WATER_CATEGORIES = WATER_CATEGORY_VALUES
    EVIDENCE_CATEGORIES = EVIDENCE_CATEGORY_VALUES

    case_number = models.CharField(_("案件编号"), max_length=30, unique=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category)
    title = models.CharField(_("案件名称"), max_length=200)
    location = models.CharField(_("地点"), max_length=200, blank=True, default="")
    community = models.ForeignKey(
        "devzone.Community",
        verbose_name=_("所在村/社区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="environmental_cases",
    )
    river = models.CharField(_("河道"), max_length=50, blank=True, default="")
    party_concerned = models.CharField(
        _("当事单位或个人"), max_length=200, blank=True, default=""
    )
    opened_on = models.DateField(_("立案日期"))
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status, default=Status.FILED
    )
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    measures = models.TextField(_("整改措施"), blank=True, default="")
    fine = models.DecimalField(
        _("罚款金额（元）"),
        max_digits=12,
        decimal_places=2,
        default=0,
    )
    note = models.TextField(_("备注"), blank=True, default="")

    # What a search box looks in: the admin's search_fields and the export
    # centre's search filter (EnvironmentalCaseQuerySet.search) both read this.
    SEARCH_FIELDS = ("case_number", "title", "party_concerned")

    objects = EnvironmentalCaseQuerySet.as_manager()

    row_rules = (
        RowRule(
            NON_FIELD_ERRORS,
            ("status", "category"),
            closed_with_evidence,
            prepare=stored_cases,
        ),
    )
    # The kinds of the photos a form uploads with the case (read by its rule).
    photo_kinds_uploading: tuple[str, ...] = ()

    NATURAL_KEY = "case_number"

    history = audit_history()
    past_date_fields = ("opened_on", "closed_on")

    class Meta:
        verbose_name = verbose_name_plural = _("环境与城管案件")
        ordering = ["-opened_on", "-case_number"]
        indexes = [
            # The key and the community too (PostgreSQL only): a deep page reads
            # its keys from the index alone (devzone.changelist), a community
            # worker's included.
            models.Index(
                fields=["-opened_on", "-case_number"],
                name="governance_case_list_scope",
                include=["id", "community"],
            ),
            models.Index(fields=["river"], name="governance_case_river"),
            # The category filter's date drill-down (first and last day).
            models.Index(
                fields=["category", "opened_on"], name="governance_case_category"
            ),
        ]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            FieldCheck(
                field="closed_on",
                condition=Q(status=CaseStatus.CLOSED, closed_on__isnull=False)
                | (~Q(status=CaseStatus.CLOSED) & Q(closed_on__isnull=True)),
                name="governance_case_closed_has_date",
                violation_error_message=_(
                    "已办结的案件必须填写办结日期，未办结的案件不能填写办结日期。"
                ),
            ),
            FieldCheck(
                field="closed_on",
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="governance_case_closed_after_opened",
                violation_error_message=_("办结日期不能早于立案日期。"),
            ),
            FieldCheck(
                field="deadline",
                condition=Q(deadline__isnull=True) | Q(deadline__gte=F("opened_on")),
                name="governance_case_deadline_after_opened",
                violation_error_message=_("整改期限不能早于立案日期。"),
            ),
            non_negative(
                "fine",
                name="governance_case_fine_nonneg",
                message=_("罚款金额不能为负数。"),
            ),
            FieldCheck(
                field="river",
                condition=~Q(category__in=WATER_CATEGORY_VALUES) | ~Q(river=""),
                name="governance_case_water_has_river",
                violation_error_message=_(
                    "河道整治和涉水企业整治案件必须填写所涉河道。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.case_number} {self.title}"

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("case_number",):
            return ValidationError(
                _("案件编号 %(number)s 已被使用。") % {"number": self.case_number},
                code="unique",
            )
        return super().unique_error_message(model_class, unique_check)

    @property
    def is_overdue(self):
        """Return True if the case is open and past its deadline today."""
        today = timezone.localdate()
        return (
            self.status != self.Status.CLOSED
            and self.deadline is not None
            and self.deadline < today
        )

    @property
    def requires_evidence(self):
        """Return True if the case's category is closed only on a 整改后 photo."""
        return self.category in self.EVIDENCE_CATEGORIES

    def photo_evidence_refusal(self, kinds):
        """Return why the case may not be closed with photos of ``kinds``, or None."""
        if (
            self.status != self.Status.CLOSED
            or not self.requires_evidence
            or CasePhotoKind.AFTER in kinds
        ):
            return None
        return _("“%(category)s”类案件办结前须上传至少一张“整改后”照片作为佐证。") % {
            "category": self.get_category_display()
        }
