from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.constraints import FieldCheck
from devzone.models import (
    DEFAULT_PERMISSIONS,
    CommunityScopedQuerySet,
    TimeStampedModel,
)


class MealPointQuerySet(CommunityScopedQuerySet):
    def opened_in(self, year):
        """Return the meal points opened in ``year``."""
        return self.filter(opened_on__year=year)

    def seats(self):
        """Return the seats of these meal points (0 if none)."""
        return self.aggregate(total=Coalesce(Sum("seats"), 0))["total"]


class MealPoint(TimeStampedModel):
    name = models.CharField(_("助餐点名称"), max_length=100, unique=True)
    community = models.ForeignKey(
        "devzone.Community",
        verbose_name=_("村/社区"),
        on_delete=models.PROTECT,
        related_name="meal_points",
    )
    seats = models.PositiveIntegerField(_("座位数"), default=0)
    opened_on = models.DateField(_("开办日期"))

    objects = MealPointQuerySet.as_manager()

    history = audit_history()
    past_date_fields = ("opened_on",)

    class Meta:
        verbose_name = verbose_name_plural = _("老年助餐点")
        ordering = ["name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            FieldCheck(
                field="seats",
                condition=Q(seats__lte=500),
                name="recipe_app_mealpoint_seats_max",
                violation_error_message=_("座位数不能超过 500。"),
            )
        ]

    def __str__(self):
        return self.name
