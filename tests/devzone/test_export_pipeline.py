"""The one export pipeline: COPY and Python write the same CSV bytes and XLSX cells."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.db import connection
from import_export import admin as import_export_admin
from import_export import mixins as import_export_mixins
from openpyxl import load_workbook

from devzone import registry
from devzone.admin_base import ZoneAdmin
from devzone.models import Area, Community
from devzone.personal import may_unmask
from devzone.resources import AreaResource
from devzone.spreadsheets.export import (
    Export,
    copy_chunks,
    csv_chunks,
    select_columns,
    xlsx_chunks,
)
from governance.models import EnvironmentalCase
from projects.models import RelocationHousehold
from projects.resources import RelocationHouseholdResource
from tests.projects.factories import (
    InvestmentDealFactory,
    KeyProjectFactory,
    RelocationHouseholdFactory,
    id_number,
)
from welfare.models import AssistanceRecord

HOSTILE_TEXTS = [
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    "＝全角等号",
    "＋全角",
    '逗号,引号"和\n换行',
    "回车\r在中间",
    '"整格引号"',
    "普通中文",
    "",
]
# Datasets whose columns only Python can write (a dehydrate_ method, many-to-many).
PYTHON_ONLY = {"devzone.staffprofile", "welfare.assistancerecord"}
# Unmasked, their ID numbers and phones are decrypted in Python: they are stored
# encrypted (devzone.fields), and only a masked export reads the masked copies in SQL.
SEALED = {"projects.relocationhousehold", "welfare.welfarerecipient"}


def python_only(key, unmasked):
    return key in PYTHON_ONLY or (unmasked and key in SEALED)


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "COPY is PostgreSQL's: on SQLite every export takes the Python path"
        )


def both_paths(resource, queryset):
    """Return the CSV of the COPY path and of the Python path, as bytes."""
    export = Export(resource, queryset, "csv")
    columns = export.sql_columns()
    assert columns is not None
    from_sql = b"".join(
        copy_chunks(export.headers, select_columns(export.queryset, columns), "default")
    )
    from_python = b"".join(csv_chunks(export.headers, export.rows()))
    return from_sql, from_python


@pytest.fixture
def hostile_rows(db):
    """Add records holding every kind of cell a spreadsheet can trip over."""
    for number, text in enumerate(HOSTILE_TEXTS):
        Area.objects.create(
            name=f"片区{number}{text[:3]}",
            plan_status="approved" if number % 2 else "planning",
            approved_on=datetime.date(2021, 1, number + 1) if number % 2 else None,
            note=text,
        )
        Community.objects.create(
            name=f"测试{number}",
            kind=Community.Kind.VILLAGE,
            subdistrict=text,
            has_home_care_center=bool(number % 2),
        )
        RelocationHouseholdFactory(
            head_name=f"户主{text[:5]}",
            id_number=id_number(500 + number),
            phone=["13912345678", "0511-8888", "", "1234567"][number % 4],
            address=text,
            note=text,
            floor_area=Decimal("0.50") * number,
            compensation=None if number % 2 else Decimal("123456.78"),
            vacated_on=None,
        )
        InvestmentDealFactory(
            contact=text[:20],
            note=text,
            is_foreign=bool(number % 2),
            foreign_capital=Decimal("0.10") * number if number % 2 else None,
        )
        KeyProjectFactory(developer=text, progress=text)
        EnvironmentalCase.objects.create(
            case_number=f"HJ-{number}",
            category=EnvironmentalCase.Category.CITYSCAPE,
            title=text or "无",
            opened_on=datetime.date(2021, 2, 3),
            measures=text,
            fine=Decimal("500.00") * number,
            deadline=None if number % 2 else datetime.date(2021, 3, 1),
        )


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_data", "hostile_rows")
@pytest.mark.parametrize("unmasked", [False, True], ids=["masked", "unmasked"])
@pytest.mark.parametrize("key", sorted(registry.datasets))
def test_copy_and_python_write_byte_identical_csv_for_every_dataset(key, unmasked):
    postgresql_only()
    dataset = registry.datasets[key]
    resource = dataset.resource(unmasked=unmasked)
    queryset = dataset.model._default_manager.all()
    export = Export(resource, queryset, "csv")
    if key in SEALED and unmasked:
        # SQL writes every cell but the sealed ones, which Python decrypts.
        assert export.sql_columns() is None
        assert export.decrypted_columns() is not None
        from_sql = b"".join(export.chunks())
        from_python = b"".join(csv_chunks(export.headers, export.rows()))
        assert from_sql == from_python
        assert b"****" not in from_sql
        return
    if python_only(key, unmasked):
        assert export.sql_columns() is None
        return

    from_sql, from_python = both_paths(resource, queryset)

    assert from_sql == from_python
    assert len(list(csv.reader(io.StringIO(from_sql.decode("utf-8-sig"))))) == (
        queryset.count() + 1
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("hostile_rows")
def test_copy_writes_labels_masks_and_escapes_as_a_clerk_reads_them():
    postgresql_only()
    queryset = RelocationHousehold.objects.filter(
        id_number__in=[id_number(500 + n) for n in range(len(HOSTILE_TEXTS))]
    )

    from_sql, _python = both_paths(RelocationHouseholdResource(), queryset)

    header, *rows = csv.reader(io.StringIO(from_sql.decode("utf-8-sig")))
    by_column = [dict(zip(header, row, strict=True)) for row in rows]
    (first,) = [row for row in by_column if row["户主姓名"] == "户主=1+1"]
    assert first["身份证号"] == id_number(500)[:6] + "********" + id_number(500)[-4:]
    assert first["联系电话"] == "139****5678"
    assert first["搬迁状态"] == "已签约"
    assert first["备注"] == "'=1+1"
    assert {row["备注"] for row in by_column} >= {"'＝全角等号", "'-2+3", "普通中文"}
    assert '逗号,引号"和\n换行' in {row["房屋坐落"] for row in by_column}
    assert {row["腾空日期"] for row in by_column} == {""}
    assert {row["补偿金额（元）"] for row in by_column} == {"", "123456.78"}


@pytest.mark.django_db
def test_unmasking_is_one_rule_for_the_admin_and_the_export_centre(make_staff):
    clerk = make_staff("projects.view_relocationhousehold")
    officer = make_staff("projects.view_personal_data", username="officer")

    assert not may_unmask(clerk, RelocationHousehold)
    assert may_unmask(officer, RelocationHousehold)
    assert not may_unmask(officer, AssistanceRecord)


def test_the_admin_overrides_no_private_method_of_its_libraries():
    libraries = (
        django_admin.ModelAdmin,
        import_export_admin.ImportExportModelAdmin,
        import_export_mixins.BaseExportMixin,
        import_export_mixins.BaseImportMixin,
    )
    private = {
        name
        for library in libraries
        for klass in library.__mro__
        for name in vars(klass)
        if name.startswith("_") and not name.startswith("__")
    }
    own = {
        name
        for klass in ZoneAdmin.__mro__
        if klass.__module__.startswith("devzone")
        for name in vars(klass)
    }
    assert not own & private


def as_read_back(value):
    """Return an exported value as openpyxl reads it from the file."""
    if value == "":
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    return value


@pytest.mark.django_db
@pytest.mark.usefixtures("hostile_rows")
def test_xlsx_keeps_text_as_text_and_numbers_and_dates_as_they_are():
    queryset = RelocationHousehold.objects.filter(
        id_number__in=[id_number(500 + n) for n in range(len(HOSTILE_TEXTS))]
    )
    export = Export(RelocationHouseholdResource(unmasked=True), queryset, "xlsx")

    data = b"".join(export.chunks("搬迁户/测试"))

    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "搬迁户、测试"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    header, *rows = sheet.iter_rows(values_only=True)
    assert list(header) == export.headers
    assert [list(row) for row in rows] == [
        [as_read_back(value) for value in row] for row in export.rows()
    ]
    assert "回车\r在中间" in {row[-1] for row in rows}
    assert {type(row[7]) for row in rows} == {float}  # 搬迁面积


@pytest.mark.django_db
@pytest.mark.usefixtures("hostile_rows")
def test_copy_writes_iso_dates_whatever_the_connections_date_style():
    postgresql_only()
    with connection.cursor() as cursor:
        # Undone with the test's transaction.
        cursor.execute("SET DateStyle = 'German, DMY'")

    from_sql, from_python = both_paths(AreaResource(), Area.objects.all())

    assert from_sql == from_python
    assert ",2021-01-02," in from_sql.decode()


def read_sheet(data):
    """Return a workbook's sheet as openpyxl reads it: values and number formats."""
    sheet = load_workbook(io.BytesIO(data)).active
    return [
        [(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_data", "hostile_rows")
@pytest.mark.parametrize("unmasked", [False, True], ids=["masked", "unmasked"])
@pytest.mark.parametrize("key", sorted(registry.datasets))
def test_sql_built_and_python_built_sheets_read_back_cell_for_cell(key, unmasked):
    postgresql_only()
    dataset = registry.datasets[key]
    resource = dataset.resource(unmasked=unmasked)
    queryset = dataset.model._default_manager.all()
    export = Export(resource, queryset, "xlsx")
    if python_only(key, unmasked):
        assert export.sheet_row() is None
        return
    assert export.sheet_row() is not None

    from_sql = read_sheet(b"".join(export.chunks("表")))
    from_python = read_sheet(
        b"".join(xlsx_chunks(export.sheet_columns(), export.rows(), "表"))
    )

    assert from_sql == from_python
    assert len(from_sql) == queryset.count() + 1


@pytest.mark.django_db
@pytest.mark.usefixtures("hostile_rows")
def test_sql_built_sheet_keeps_hostile_text_as_a_clerk_typed_it():
    postgresql_only()
    Area.objects.create(
        name="控制符片区", plan_status="planning", note="a\x0bb\x1bc\\d<e>&f\tg"
    )
    export = Export(AreaResource(), Area.objects.all(), "xlsx")
    assert export.sheet_row() is not None

    rows = read_sheet(b"".join(export.chunks("片区")))

    notes = {row[-1][0] for row in rows[1:]}
    assert "abc\\d<e>&f\tg" in notes
    assert "'=1+1" in notes
    assert '逗号,引号"和\n换行' in notes
    assert "回车\r在中间" in notes
