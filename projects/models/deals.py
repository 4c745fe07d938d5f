from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.constraints import FieldCheck, FieldUnique, non_negative, year_range
from devzone.models import DEFAULT_PERMISSIONS, TimeStampedModel
from devzone.rules import RowRule

# Amount bands of the annual review, in 万元 (1 亿元 = 10,000 万元).
BAND_50 = Decimal(500000)
BAND_30 = Decimal(300000)
BAND_10 = Decimal(100000)


class InvestmentDealQuerySet(models.QuerySet):
    def for_year(self, year):
        """Return the deals counted in one year."""
        return self.filter(year=year)

    def signed_in(self, year):
        """Return the deals signed in one year (whatever their stage since)."""
        return self.filter(signed_on__year=year)

    def mature(self):
        """Return the in-hand mature deals (在手成熟项目)."""
        return self.filter(stage=InvestmentDeal.Stage.MATURE)

    def foreign(self):
        """Return the foreign-funded deals."""
        return self.filter(is_foreign=True)

    def in_band(self, band):
        """Return the deals of one amount band, by its key in AMOUNT_BANDS."""
        lower, upper = AMOUNT_BOUNDS[band]
        deals = self
        if lower is not None:
            deals = deals.filter(total_investment__gte=lower)
        if upper is not None:
            deals = deals.filter(total_investment__lt=upper)
        return deals


# Key, label and (lower, upper) bounds in 万元 of each band, for filters and URLs.
AMOUNT_BANDS = [
    ("50_plus", _("50 亿元及以上"), (BAND_50, None)),
    ("30_50", _("30–50 亿元"), (BAND_30, BAND_50)),
    ("10_30", _("10–30 亿元"), (BAND_10, BAND_30)),
    ("under_10", _("10 亿元以下"), (None, BAND_10)),
]
AMOUNT_BOUNDS = {key: bounds for key, _label, bounds in AMOUNT_BANDS}


class DealStage(models.TextChoices):
    NEGOTIATING = "negotiating", _("洽谈中")
    MATURE = "mature", _("在手成熟")
    SIGNED = "signed", _("已签约")
    LANDED = "landed", _("已落地")


# Outside the model, so that its Meta.constraints can name them.
SIGNED_STAGES = (DealStage.SIGNED, DealStage.LANDED)


def signed_in_its_year(deal):
    """Refuse a signed deal counted in another year than the one it was signed in."""
    # A database cannot compare a date's year with a column portably (SQLite would
    # need Django's own SQL function inside the constraint).
    if deal.signed_on and deal.year and deal.signed_on.year != deal.year:
        return _("已签约项目的统计年度应为签约年度 %(year)s。") % {
            "year": deal.signed_on.year
        }
    return None


class InvestmentDeal(TimeStampedModel):
    class Industry(models.TextChoices):
        HEALTH = "health", _("大健康")
        MATERIALS = "materials", _("新材料")
        EQUIPMENT = "equipment", _("装备制造")
        AUTO_PARTS = "auto_parts", _("汽车零部件")
        ELECTRONICS = "electronics", _("电子信息")
        OTHER = "other", _("其他")

    Stage = DealStage

    name = models.CharField(_("项目名称"), max_length=100)
    year = models.PositiveSmallIntegerField(
        _("统计年度"),
        help_text=_("已签约、已落地的项目为签约年度；其他项目为在库年度。"),
    )
    investor = models.CharField(_("投资方"), max_length=100, blank=True, default="")
    industry = models.CharField(_("产业类别"), max_length=16, choices=Industry)
    total_investment = models.DecimalField(
        _("总投资（万元）"),
        max_digits=12,
        decimal_places=2,
    )
    is_foreign = models.BooleanField(_("外资项目"), default=False)
    foreign_capital = models.DecimalField(
        _("外资金额（万美元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    stage = models.CharField(
        _("推进阶段"), max_length=16, choices=Stage, default=Stage.NEGOTIATING
    )
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    via_guidance_fund = models.BooleanField(_("产业发展引导基金"), default=False)
    contact = models.CharField(_("招商责任人"), max_length=50, blank=True, default="")
    note = models.TextField(_("备注"), blank=True, default="")

    objects = InvestmentDealQuerySet.as_manager()

    row_rules = (RowRule("year", ("signed_on", "year"), signed_in_its_year),)

    history = audit_history()
    past_date_fields = ("signed_on",)

    class Meta:
        verbose_name = verbose_name_plural = _("招商项目")
        ordering = ["-year", "name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            FieldUnique(
                field="name",
                fields=["name", "year"],
                name="projects_investmentdeal_name_year_unique",
                violation_error_message=_("同一统计年度已有同名的招商项目。"),
            ),
            year_range("year", name="projects_investmentdeal_year_range"),
            non_negative(
                "total_investment",
                name="projects_investmentdeal_total_nonneg",
                message=_("总投资不能为负数。"),
            ),
            non_negative(
                "foreign_capital",
                name="projects_investmentdeal_foreign_capital_nonneg",
                message=_("外资金额不能为负数。"),
                nullable=True,
            ),
            FieldCheck(
                field="foreign_capital",
                condition=Q(is_foreign=True) | Q(foreign_capital__isnull=True),
                name="projects_investmentdeal_foreign_capital_only_foreign",
                violation_error_message=_("只有外资项目才能填写外资金额。"),
            ),
            FieldCheck(
                field="signed_on",
                condition=Q(stage__in=SIGNED_STAGES, signed_on__isnull=False)
                | (~Q(stage__in=SIGNED_STAGES) & Q(signed_on__isnull=True)),
                name="projects_investmentdeal_signed_has_date",
                violation_error_message=_(
                    "已签约、已落地的项目必须填写签约日期；洽谈中、在手成熟的项目不能填写。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.year}）"

    @property
    def total_investment_yi(self):
        """Return the total investment in 亿元."""
        return self.total_investment / 10000
