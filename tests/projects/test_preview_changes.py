"""The preview shows what an 更新 row changes: 旧值 → 新值, masked as the user sees."""

from decimal import Decimal

from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.resources import ImportRun
from devzone.spreadsheets.results import preview_rows
from projects.resources import RelocationHouseholdResource
from tests.projects.factories import RelocationHouseholdFactory
from tests.spreadsheets import csv_bytes

HEADER = ["搬迁项目", "户主姓名", "身份证号", "联系电话", "搬迁面积（平方米）"]


def preview(household, *, unmasked, area, phone):
    row = [household.project.name, household.head_name, household.id_number]
    data = csv_bytes([HEADER, [*row, phone, area]])
    resource = RelocationHouseholdResource(unmasked=unmasked, run=ImportRun())
    return preview_rows(
        resource.import_data(read_dataset(data, "h.csv"), dry_run=True)
    )[0]


def test_an_updated_row_shows_each_changed_cell_old_to_new(db):
    household = RelocationHouseholdFactory(
        floor_area=Decimal("100.00"), phone="13912345678"
    )

    row = preview(household, unmasked=True, area="120", phone="13912345678")

    assert row["status"] == "更新"
    assert "100.00 → 120" in row["cells"][4]
    assert "→" not in row["cells"][3]  # the phone did not change
    assert "→" not in row["cells"][1]


def test_a_changed_personal_cell_is_shown_masked_to_a_masked_user(db):
    household = RelocationHouseholdFactory(phone="13912345678")

    row = preview(
        household, unmasked=False, area=household.floor_area, phone="13987654321"
    )

    assert row["cells"][3] == "139****5678 → 139****4321"
    assert "13912345678" not in str(row)
