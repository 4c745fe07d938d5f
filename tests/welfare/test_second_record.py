"""A 新增 row for a person who already has a record of the dataset is flagged."""

import pytest
from django.contrib.auth import get_user_model

from devzone.demo import load_zone
from devzone.models import Community, StaffProfile
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.resources import ImportRun
from devzone.spreadsheets.results import preview_rows
from tests.welfare.factories import WelfareRecipientFactory
from tests.welfare.test_imports import recipient_row, recipients_csv
from welfare.resources import WelfareRecipientResource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def communities(db):
    load_zone()


def preview_of(row, **kwargs):
    resource = WelfareRecipientResource(run=ImportRun(), **kwargs)
    result = resource.import_data(
        read_dataset(recipients_csv(row), "r.csv"), dry_run=True
    )
    return preview_rows(result)[0]


def test_a_new_category_for_a_stored_person_names_the_record_they_have():
    # given a person stored as 困难户 in 高楼社区
    stored = WelfareRecipientFactory(community=Community.objects.get(name="高楼社区"))

    # when a file adds them as 残疾人
    row = preview_of(
        recipient_row(身份证号=stored.id_number, 帮扶类别="残疾人", 致困原因="因残"),
        unmasked=True,
    )

    # then the new row says which record they have, and where
    assert row["status"].startswith("新增（此人已有帮扶对象：")
    assert "困难户" in row["status"]
    assert "高楼社区" in row["status"]


def test_a_masked_worker_learns_nothing_of_a_person_outside_their_communities():
    # given a person stored in 联观村, and a worker of 高楼社区 only
    stored = WelfareRecipientFactory(community=Community.objects.get(name="联观村"))
    user = get_user_model().objects.create_user("worker", is_staff=True)
    profile = StaffProfile.objects.create(
        user=user, department=StaffProfile.Department.COMMUNITY
    )
    profile.communities.add(Community.objects.get(name="高楼社区"))

    # when their file adds that number in another category
    row = preview_of(
        recipient_row(身份证号=stored.id_number, 帮扶类别="残疾人", 致困原因="因残"),
        user=user,
    )

    # then the row is a plain 新增: no answer about the stored number
    assert row["status"] == "新增"
