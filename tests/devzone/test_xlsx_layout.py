"""An exported XLSX reads well: number formats, fitted widths, frozen filtered header."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from devzone.spreadsheets.export import Export
from projects.models import RelocationHousehold
from projects.resources import KeyProjectResource, RelocationHouseholdResource
from tests.projects.factories import KeyProjectFactory, RelocationHouseholdFactory


def workbook_of(resource, queryset):
    data = b"".join(Export(resource, queryset, "xlsx").chunks("搬迁户"))
    return load_workbook(io.BytesIO(data))


def columns_by_header(sheet):
    return {cell.value: cell.column_letter for cell in sheet[1]}


@pytest.fixture
def households(db):
    RelocationHouseholdFactory(
        address="丹阳市开发区高楼社区某某路一百二十三号院内东侧第三幢",
        compensation=Decimal("1234567.89"),
        floor_area=Decimal("150.00"),
        household_size=4,
        signed_on=datetime.date(2021, 4, 1),
    )
    RelocationHouseholdFactory(compensation=None)
    return RelocationHousehold.objects.all()


def test_money_counts_and_dates_carry_formats_and_ids_stay_text(households):
    # when
    sheet = workbook_of(RelocationHouseholdResource(), households).active

    # then
    column = columns_by_header(sheet)
    money = sheet[f"{column['补偿金额（元）']}2"]
    assert money.value == pytest.approx(1234567.89)
    assert money.number_format == "#,##0.00"
    assert sheet[f"{column['家庭人口（人）']}2"].number_format == "#,##0"
    signed = sheet[f"{column['签约日期']}2"]
    assert signed.value.date() == datetime.date(2021, 4, 1)
    assert signed.number_format == "yyyy-mm-dd"
    id_cell = sheet[f"{column['身份证号']}2"]
    assert isinstance(id_cell.value, str) and "*" in id_cell.value
    assert sheet.column_dimensions[column["身份证号"]].number_format == "@"
    assert sheet.column_dimensions[column["联系电话"]].number_format == "@"
    assert sheet[f"{column['补偿金额（元）']}3"].value is None


def test_header_is_frozen_and_filtered_over_every_row(households):
    sheet = workbook_of(RelocationHouseholdResource(), households).active

    assert sheet.freeze_panes == "A2"
    assert (
        sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}3"
    )
    assert all(cell.font.b for cell in sheet[1])


def test_widths_fit_the_longest_cell_and_the_header(households):
    sheet = workbook_of(RelocationHouseholdResource(), households).active

    column = columns_by_header(sheet)
    address = sheet.column_dimensions[column["房屋坐落"]].width
    assert address >= 2 * len("丹阳市开发区高楼社区某某路一百二十三号院内东侧第三幢")
    money = sheet.column_dimensions[column["补偿金额（元）"]].width
    assert money >= max(len("1,234,567.89"), 2 * len("补偿金额") + 4)
    assert sheet.column_dimensions[column["身份证号"]].width >= 18


def test_a_year_is_shown_as_a_year_not_a_count(db):
    KeyProjectFactory(year=2021)
    sheet = workbook_of(
        KeyProjectResource(), KeyProjectFactory._meta.model.objects.all()
    )
    column = columns_by_header(sheet.active)

    assert sheet.active[f"{column['列入年度']}2"].number_format == "General"


def test_an_empty_export_is_a_header_with_its_filter(db):
    sheet = workbook_of(
        RelocationHouseholdResource(), RelocationHousehold.objects.none()
    ).active

    assert [cell.value for cell in sheet[1]][:2] == ["搬迁项目", "户主姓名"]
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref.endswith("1")
