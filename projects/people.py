"""What relocation adds to the person page (一人一档) and the workers' to-do."""

from django.utils.translation import gettext as _

from devzone.admin_columns import grouped
from devzone.desk.people import PersonCard, admin_url
from devzone.validators import mask_phone
from projects.models import RelocationHousehold


def household_cards(records, *, on, unmasked):
    """Return one card per household the person heads."""
    late = set(records.past_vacate_deadline(on=on).values_list("pk", flat=True))
    cards = []
    for household in records.select_related("project", "community").order_by("pk"):
        project = household.project
        deadline = project.vacate_deadline
        if deadline and household.pk in late:
            deadline = _("%(day)s（已逾期未腾空）") % {"day": deadline}
        cards.append(
            PersonCard(
                title=_("搬迁户：%(project)s") % {"project": project.name},
                url=admin_url(household),
                name=household.head_name,
                community=household.community.name,
                fields=[
                    (_("户主姓名"), household.head_name),
                    (_("搬迁项目"), project.name),
                    (_("所属村/社区"), household.community.name),
                    (_("房屋坐落"), household.address),
                    (_("家庭人口（人）"), household.household_size),
                    (_("搬迁面积（平方米）"), grouped(household.floor_area)),
                    (_("补偿金额（元）"), grouped(household.compensation)),
                    (_("搬迁状态"), household.get_status_display()),
                    (_("签约日期"), household.signed_on),
                    (_("腾空日期"), household.vacated_on),
                    (_("腾空期限"), deadline),
                    (_("安置方式"), household.get_resettlement_display()),
                    (
                        _("联系电话"),
                        household.phone if unmasked else mask_phone(household.phone),
                    ),
                ],
                categories=[_("搬迁户")],
            )
        )
    return cards


def past_vacate_deadline(on):
    """Return the households signed but not vacated past the deadline (the to-do)."""
    return RelocationHousehold.objects.past_vacate_deadline(on=on)
