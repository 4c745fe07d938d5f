import datetime

import pytest
from django.core.exceptions import ValidationError

from governance.models import EnvironmentalCase
from governance.services import environmental_cases_close
from tests.governance.factories import EnvironmentalCaseFactory

pytestmark = pytest.mark.django_db

Status = EnvironmentalCase.Status
# These tests are about the closing itself: a category closed without a photo
# (test_case_photos.py holds the evidence rule).
NO_PHOTO_NEEDED = EnvironmentalCase.Category.MUCK_TRANSPORT


def test_closing_cases_sets_status_and_date():
    cases = EnvironmentalCaseFactory.create_batch(
        3, status=Status.RECTIFYING, category=NO_PHOTO_NEEDED
    )

    closed = environmental_cases_close(cases=cases, closed_on=datetime.date(2021, 5, 1))

    assert closed == 3
    assert set(
        EnvironmentalCase.objects.values_list("status", "closed_on").distinct()
    ) == {(Status.CLOSED, datetime.date(2021, 5, 1))}


def test_a_closed_case_in_the_selection_refuses_all():
    open_case = EnvironmentalCaseFactory(
        case_number="HJ-2021-0101", category=NO_PHOTO_NEEDED
    )
    done = EnvironmentalCaseFactory(
        case_number="HJ-2021-0102",
        status=Status.CLOSED,
        closed_on=datetime.date(2021, 3, 5),
    )

    with pytest.raises(ValidationError) as caught:
        environmental_cases_close(
            cases=[open_case, done], closed_on=datetime.date(2021, 5, 1)
        )

    assert caught.value.messages == [
        "未作任何修改：HJ-2021-0102 已办结，不能再次办结。"
    ]
    open_case.refresh_from_db()
    done.refresh_from_db()
    assert (open_case.status, open_case.closed_on) == (Status.FILED, None)
    assert done.closed_on == datetime.date(2021, 3, 5)


def test_closing_before_a_case_was_opened_refuses_all():
    early = EnvironmentalCaseFactory(
        opened_on=datetime.date(2021, 1, 10), category=NO_PHOTO_NEEDED
    )
    late = EnvironmentalCaseFactory(
        case_number="HJ-2021-0200",
        opened_on=datetime.date(2021, 6, 1),
        deadline=None,
        category=NO_PHOTO_NEEDED,
    )

    with pytest.raises(ValidationError) as caught:
        environmental_cases_close(
            cases=[early, late], closed_on=datetime.date(2021, 5, 1)
        )

    assert caught.value.messages == [
        "未作任何修改：HJ-2021-0200 的办结日期 2021-05-01 早于立案日期 2021-06-01。"
    ]
    assert not EnvironmentalCase.objects.closed().exists()
