"""Party branches (党支部) and their yearly star ratings (星级评定)."""

from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.constraints import FieldCheck, non_negative, year_range
from devzone.models import (
    DEFAULT_PERMISSIONS,
    CommunityScopedQuerySet,
    TimeStampedModel,
)


class PartyBranchQuerySet(CommunityScopedQuerySet):
    def with_brand(self):
        """Return branches with a party-building brand (特色党建品牌)."""
        return self.exclude(brand="")

    def without_brand(self):
        """Return branches without a party-building brand."""
        return self.filter(brand="")

    def rated(self, *, year, stars):
        """Return branches rated ``stars`` (a number or several) in ``year``."""
        stars = [stars] if isinstance(stars, int) else list(stars)
        return self.filter(ratings__year=year, ratings__stars__in=stars)

    def unrated(self, *, year):
        """Return branches with no rating in ``year``."""
        return self.exclude(ratings__year=year)

    def with_latest_rating(self):
        """Annotate ``latest_year`` and ``latest_stars`` of each branch's newest rating."""
        latest = BranchRating.objects.filter(branch=OuterRef("pk")).order_by("-year")
        return self.annotate(
            latest_year=Subquery(latest.values("year")[:1]),
            latest_stars=Subquery(latest.values("stars")[:1]),
        )


class PartyBranch(TimeStampedModel):
    class Kind(models.TextChoices):
        ORGAN = "organ", _("机关")
        VILLAGE = "village", _("村")
        COMMUNITY = "community", _("社区")
        NEW_ORGANISATION = "new_org", _("两新组织")
        SCHOOL = "school", _("学校")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind)
    community = models.ForeignKey(
        "devzone.Community",
        verbose_name=_("所在村/社区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_branches",
    )
    host_organisation = models.CharField(
        _("所在单位"), max_length=100, blank=True, default=""
    )
    secretary = models.CharField(_("书记"), max_length=50, blank=True, default="")
    member_count = models.PositiveIntegerField(_("党员人数（人）"), default=0)
    brand = models.CharField(_("特色党建品牌"), max_length=100, blank=True, default="")
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True, default="")

    objects = PartyBranchQuerySet.as_manager()

    NATURAL_KEY = "name"

    history = audit_history()
    past_date_fields = ("founded_on",)

    class Meta:
        verbose_name = verbose_name_plural = _("党支部")
        ordering = ["name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            non_negative(
                "member_count",
                name="governance_branch_members_nonneg",
                message=_("党员人数不能为负数。"),
            ),
        ]

    def __str__(self):
        return self.name


class BranchRatingQuerySet(CommunityScopedQuerySet):
    community_field = "branch__community"

    def for_year(self, year):
        """Return the ratings of one year."""
        return self.filter(year=year)

    def with_stars(self, stars):
        """Return the ratings of ``stars`` stars."""
        return self.filter(stars=stars)


class BranchRating(TimeStampedModel):
    class Stars(models.IntegerChoices):
        ONE = 1, _("一星级")
        TWO = 2, _("二星级")
        THREE = 3, _("三星级")
        FOUR = 4, _("四星级")
        FIVE = 5, _("五星级")

    branch = models.ForeignKey(
        PartyBranch,
        verbose_name=_("党支部"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    stars = models.PositiveSmallIntegerField(_("星级"), choices=Stars)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")

    objects = BranchRatingQuerySet.as_manager()

    history = audit_history()

    class Meta:
        verbose_name = verbose_name_plural = _("星级评定")
        ordering = ["-year", "-stars", "branch__name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "year"],
                name="governance_rating_branch_year_unique",
                violation_error_message=_("该党支部在这一年度已有星级评定。"),
            ),
            FieldCheck(
                field="stars",
                condition=Q(stars__gte=1, stars__lte=5),
                name="governance_rating_stars_1_to_5",
                violation_error_message=_("星级应为 1 到 5 星。"),
            ),
            year_range("year", name="governance_rating_year_range"),
        ]

    def __str__(self):
        return f"{self.branch} {self.year} {self.stars}星"
