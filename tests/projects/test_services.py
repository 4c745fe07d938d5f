import datetime

import pytest
from django.core.exceptions import ValidationError

from projects import demo
from projects.models import RelocationHousehold
from projects.services import households_mark_vacated
from tests.projects.factories import RelocationHouseholdFactory

pytestmark = pytest.mark.django_db
Status = RelocationHousehold.Status


def test_signed_households_are_marked_vacated_on_the_date():
    RelocationHouseholdFactory.create_batch(3)
    count = households_mark_vacated(
        households=RelocationHousehold.objects.all(),
        vacated_on=datetime.date(2021, 5, 1),
    )
    assert count == 3
    assert set(RelocationHousehold.objects.values_list("status", "vacated_on")) == {
        (Status.VACATED, datetime.date(2021, 5, 1))
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": Status.PENDING, "signed_on": None}, "尚未签约，不能标记为已腾空"),
        (
            {"status": Status.RESETTLED, "vacated_on": datetime.date(2021, 4, 2)},
            "已是“已安置”",
        ),
        ({"signed_on": datetime.date(2021, 5, 2)}, "早于签约日期 2021-05-02"),
    ],
)
def test_one_household_breaking_a_rule_leaves_all_unchanged(fields, message):
    fine = RelocationHouseholdFactory()
    broken = RelocationHouseholdFactory(head_name="问题户", **fields)
    with pytest.raises(ValidationError) as error:
        households_mark_vacated(
            households=RelocationHousehold.objects.all(),
            vacated_on=datetime.date(2021, 5, 1),
        )
    text = error.value.messages[0]
    assert text.startswith("未作任何修改") and "问题户" in text and message in text
    fine.refresh_from_db()
    assert fine.status == Status.SIGNED and fine.vacated_on is None
    before = broken.status
    broken.refresh_from_db()
    assert broken.status == before


def test_vacating_in_the_future_is_refused():
    RelocationHouseholdFactory()
    with pytest.raises(ValidationError, match="腾空日期不能晚于今天"):
        households_mark_vacated(
            households=RelocationHousehold.objects.all(),
            vacated_on=datetime.date(2999, 1, 1),
        )


def test_demo_data_loads_twice_without_changes(zone):
    first = demo.load()
    assert first["搬迁户"] == {"new": 162, "update": 0, "skip": 0}
    second = demo.load()
    assert all(counts["new"] == counts["update"] == 0 for counts in second.values()), (
        second
    )
