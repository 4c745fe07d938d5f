"""Importing and exporting projects records through the admin, with the real samples."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from devzone.demo import import_file
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.results import error_lines, import_counts
from projects.models import (
    InvestmentDeal,
    KeyProject,
    RelocationHousehold,
    RelocationProject,
)
from projects.resources import (
    InvestmentDealResource,
    KeyProjectResource,
    RelocationHouseholdResource,
    RelocationProjectResource,
)
from tests.projects.factories import (
    InvestmentDealFactory,
    KeyProjectFactory,
    RelocationHouseholdFactory,
    id_number,
)
from tests.spreadsheets import (
    confirm,
    csv_bytes,
    error_items,
    page_text,
    read_csv_download,
    read_xlsx_download,
    upload,
    xlsx_bytes,
)

SAMPLES = Path("fixtures/samples")
HOUSEHOLD = "projects_relocationhousehold"
HOUSEHOLD_FIELDS = [
    "relocationhouseholdresource",
    "project",
    "head_name",
    "id_number",
    "phone",
    "floor_area",
]


def household_rows():
    return sorted(
        RelocationHousehold.objects.values_list(
            "project__name",
            "head_name",
            "id_number",
            "phone",
            "community__name",
            "address",
            "household_size",
            "floor_area",
            "compensation",
            "status",
            "signed_on",
            "vacated_on",
            "resettlement",
        )
    )


def import_through_admin(client, name, data=None):
    data = data if data is not None else (SAMPLES / name).read_bytes()
    preview = upload(client, HOUSEHOLD, name, data)
    assert preview.status_code == 200
    assert "confirm_form" in preview.context, error_items(preview) or page_text(preview)
    done = confirm(client, HOUSEHOLD, preview)
    assert done.status_code == 302
    return preview


def test_gbk_csv_and_xlsx_samples_import_the_same_rows(admin_client, tianbo):
    # given the same eight households saved as GBK CSV and as XLSX
    preview = import_through_admin(admin_client, "projects_households_gbk.csv")
    assert "新增 8 条" in page_text(preview)
    from_csv = household_rows()
    assert len(from_csv) == 8
    RelocationHousehold.objects.all().delete()

    # when the XLSX is imported instead
    preview = import_through_admin(admin_client, "projects_households.xlsx")

    # then the rows are identical, down to decimals and dates
    assert "新增 8 条" in page_text(preview)
    assert household_rows() == from_csv
    assert {row[0] for row in from_csv} == {"天波城北侧"}
    assert all(row[2].startswith("321181") for row in from_csv)


def test_reimport_updates_instead_of_duplicating(admin_client, tianbo):
    import_through_admin(admin_client, "projects_households_gbk.csv")
    before = household_rows()

    # the same file again: nothing new, nothing changed
    again = import_through_admin(admin_client, "projects_households.xlsx")
    assert "新增 0 条，更新 0 条，未变 8 条" in page_text(again)
    assert household_rows() == before

    # one household's area corrected: one update, still eight households
    dataset = read_dataset(
        (SAMPLES / "projects_households_gbk.csv").read_bytes(), "x.csv"
    )
    rows = [dataset.headers, *[list(row) for row in dataset]]
    rows[1][7] = "999.99"
    fixed = import_through_admin(admin_client, "fixed.csv", csv_bytes(rows))
    assert "新增 0 条，更新 1 条，未变 7 条" in page_text(fixed)
    assert RelocationHousehold.objects.count() == 8
    changed = RelocationHousehold.objects.get(id_number=rows[1][2])
    assert changed.floor_area == Decimal("999.99")


def test_the_same_person_in_another_project_is_another_household(tianbo, zone):
    import_file(RelocationHouseholdResource, SAMPLES / "projects_households_gbk.csv")
    other = RelocationProject.objects.create(
        name="眼镜小镇", year=2021, community=tianbo.community
    )
    dataset = read_dataset((SAMPLES / "projects_households_gbk.csv").read_bytes(), "x")
    rows = [dataset.headers, *[["眼镜小镇", *row[1:]] for row in dataset]]
    dataset = read_dataset(csv_bytes(rows), "x.csv")
    result = RelocationHouseholdResource().import_data(dataset, dry_run=False)
    assert import_counts(result)["new"] == 8
    assert other.households.count() == tianbo.households.count() == 8


def test_error_sample_saves_nothing_and_names_every_bad_cell(admin_client, tianbo):
    # given a file with a bad check character, a negative area, an unknown community
    preview = upload(
        admin_client,
        HOUSEHOLD,
        "projects_households_errors.csv",
        (SAMPLES / "projects_households_errors.csv").read_bytes(),
    )

    # then the preview page says nothing was saved and lists each error row
    text = page_text(preview)
    assert "导入未执行" in text and "没有保存任何数据" in text
    assert "confirm_form" not in preview.context
    assert error_items(preview) == [
        "第 3 行 · 身份证号：身份证号校验位错误，请核对号码。",
        "第 4 行 · 搬迁面积（平方米）：搬迁面积不能为负数。",
        "第 5 行 · 所属村/社区：找不到「幸福村」：请先在“村/社区”中添加。",
    ]
    assert not RelocationHousehold.objects.exists()


def test_duplicate_sample_is_refused_as_a_whole(admin_client, tianbo):
    # a file naming the same person twice in one project would silently lose a row
    response = upload(
        admin_client,
        HOUSEHOLD,
        "projects_households_duplicate.csv",
        (SAMPLES / "projects_households_duplicate.csv").read_bytes(),
    )
    text = page_text(response)
    assert "第 4 行 · 身份证号：与第 2 行的“身份证号、搬迁项目”相同" in text
    assert "请合并或删除其中一行" in text
    assert not RelocationHousehold.objects.exists()


HEADER = ["搬迁项目", "户主姓名", "身份证号", "所属村/社区", "搬迁面积（平方米）"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["天波城北侧", "张三", 3.21181197001011e17, "练湖新城社区", 100],
            "身份证号：「3.21181197001011e+17」已被 Excel 当成数字保存",
        ),
        (
            ["不存在的项目", "张三", id_number(7), "练湖新城社区", 100],
            "搬迁项目：找不到「不存在的项目」：请先在“搬迁项目”中添加。",
        ),
        (
            ["天波城北侧", "张三", id_number(7), "练湖新城社区", "一百"],
            "「一百」不是数字",
        ),
        (
            ["天波城北侧", "", id_number(7), "练湖新城社区", 100],
            "户主姓名：此字段不能为空。",
        ),
        (
            ["天波城北侧", "张三", "=HYPERLINK(1)", "练湖新城社区", 100],
            # a formula is never evaluated, and this file holds no result of it
            "身份证号：「=HYPERLINK(1)」是公式单元格，文件中没有保存它的计算结果："
            "公式单元格请改为直接填写的内容。",
        ),
        (
            ["天波城北侧", "张三", id_number(7), "练湖新城社区", "=1+1"],
            "「=1+1」是公式单元格，文件中没有保存它的计算结果：公式单元格请改为数值。",
        ),
        (
            ["天波城北侧", "张三", id_number(7), "练湖新城社区", "=SUM(E2:E2)"],
            "公式单元格请改为数值",
        ),
    ],
)
def test_bad_xlsx_cells_are_refused_with_row_and_column(
    admin_client, tianbo, row, expected
):
    good = ["天波城北侧", "李四", id_number(8), "练湖新城社区", 80]
    response = upload(
        admin_client, HOUSEHOLD, "bad.xlsx", xlsx_bytes([HEADER, good, row])
    )
    items = error_items(response)
    assert len(items) == 1
    assert items[0].startswith("第 3 行") and expected in items[0]
    assert not RelocationHousehold.objects.exists()


def test_household_status_rules_hold_on_import(tianbo):
    rows = [
        [*HEADER, "搬迁状态", "签约日期", "腾空日期"],
        [
            "天波城北侧",
            "王五",
            id_number(9),
            "练湖新城社区",
            90,
            "已腾空",
            "2021-05-01",
            "2021年4月1日",
        ],
        ["天波城北侧", "赵六", id_number(10), "练湖新城社区", 90, "已签约", "", ""],
    ]
    dataset = read_dataset(csv_bytes(rows), "x.csv")
    result = RelocationHouseholdResource().import_data(dataset, dry_run=False)
    assert error_lines(result) == [
        "第 2 行 · 腾空日期：腾空日期不能早于签约日期（须先签约）。",
        "第 3 行 · 签约日期：已签约及之后状态的搬迁户必须填写签约日期。",
    ]
    assert not RelocationHousehold.objects.exists()


def test_key_projects_import_by_name_and_year_with_area_by_name(zone):
    header = [
        "项目名称",
        "列入年度",
        "项目类别",
        "建设性质",
        "总投资（万元）",
        "本年完成投资（万元）",
        "所在片区",
    ]
    rows = [
        header,
        ["肯帝亚黑科技", 2020, "产业类", "新建", "30000", "10000", "大亚木业园"],
        ["肯帝亚黑科技", 2021, "产业类", "续建", "30,000", "20000", "大亚木业园"],
    ]
    result = KeyProjectResource().import_data(read_dataset(csv_bytes(rows), "k.csv"))
    assert import_counts(result)["new"] == 2
    project = KeyProject.objects.get(year=2021)
    assert project.area.name == "大亚木业园"
    assert project.build_type == KeyProject.BuildType.CONTINUED
    rows[2][5] = "40000"
    rows[1][6] = "火星片区"
    result = KeyProjectResource().import_data(read_dataset(csv_bytes(rows), "k.csv"))
    assert error_lines(result) == [
        "第 2 行 · 所在片区：找不到「火星片区」：请先在“片区”中添加。",
        "第 3 行 · 本年完成投资（万元）：本年完成投资不能超过总投资。",
    ]
    project.refresh_from_db()
    assert project.investment_this_year == Decimal(20000)


def test_deals_import_by_name_and_year_and_keep_foreign_capital_on_foreign_deals(db):
    header = [
        "项目名称",
        "统计年度",
        "产业类别",
        "总投资（万元）",
        "外资项目",
        "外资金额（万美元）",
        "推进阶段",
        "签约日期",
    ]
    rows = [
        header,
        [
            "恒美光电偏光片制造项目",
            2021,
            "新材料",
            700000,
            "否",
            "",
            "已签约",
            "2021/3/18",
        ],
        ["某外资项目", 2021, "电子信息", 50000, "是", 800, "已签约", "2021-06-01"],
        ["某内资项目", 2021, "其他", 10000, "否", 300, "洽谈中", ""],
        ["签错年度", 2020, "其他", 10000, "否", "", "已签约", "2021-06-01"],
    ]
    result = InvestmentDealResource().import_data(
        read_dataset(csv_bytes(rows), "d.csv")
    )
    assert error_lines(result) == [
        "第 4 行 · 外资金额（万美元）：只有外资项目才能填写外资金额。",
        "第 5 行 · 统计年度：已签约项目的统计年度应为签约年度 2021。",
    ]
    assert not InvestmentDeal.objects.exists()
    result = InvestmentDealResource().import_data(
        read_dataset(csv_bytes(rows[:3]), "d.csv")
    )
    assert import_counts(result)["new"] == 2
    deal = InvestmentDeal.objects.get(name="恒美光电偏光片制造项目")
    assert deal.signed_on == datetime.date(2021, 3, 18)
    assert deal.stage == InvestmentDeal.Stage.SIGNED


def test_relocation_projects_import_by_name_with_community_or_area(zone):
    rows = [
        ["项目名称", "年度", "所在村/社区", "所在片区", "项目状态"],
        ["天波城北侧", 2021, "练湖新城社区", "", "实施中"],
        ["无处可寻", 2021, "", "", "实施中"],
    ]
    result = RelocationProjectResource().import_data(
        read_dataset(csv_bytes(rows), "r.csv")
    )
    assert error_lines(result) == [
        "第 3 行 · 所在村/社区：请填写所在村/社区或所在片区（至少一项）。"
    ]
    rows.pop()
    for expected in (
        {"new": 1, "update": 0, "skip": 0},
        {"new": 0, "update": 0, "skip": 1},
    ):
        result = RelocationProjectResource().import_data(
            read_dataset(csv_bytes(rows), "r.csv")
        )
        assert import_counts(result) == expected
    assert RelocationProject.objects.get().community.name == "练湖新城社区"


def export(client, fmt=0):
    data = {"format": fmt, "resource": 0}
    data.update(
        {f"{HOUSEHOLD_FIELDS[0]}_{name}": True for name in HOUSEHOLD_FIELDS[1:]}
    )
    return client.post(reverse(f"admin:{HOUSEHOLD}_export"), data)


@pytest.fixture
def household(db):
    return RelocationHouseholdFactory(
        id_number="32118119700101019X", phone="13912345678", head_name="=钱多多"
    )


def test_export_masks_id_numbers_and_phones_without_permission(staff_client, household):
    client = staff_client(
        "projects.view_relocationhousehold", "projects.export_relocationhousehold"
    )
    rows = read_csv_download(export(client))
    assert rows[0] == [
        "搬迁项目",
        "户主姓名",
        "身份证号",
        "联系电话",
        "搬迁面积（平方米）",
    ]
    assert rows[1][1:4] == ["'=钱多多", "321181********019X", "139****5678"]
    rows = read_xlsx_download(export(client, fmt=1))
    assert rows[1][2:4] == ["321181********019X", "139****5678"]


def test_export_shows_personal_data_with_the_permission(staff_client, household):
    client = staff_client(
        "projects.view_relocationhousehold",
        "projects.export_relocationhousehold",
        "projects.view_personal_data",
    )
    rows = read_xlsx_download(export(client, fmt=1))
    assert rows[1][2:4] == ["32118119700101019X", "13912345678"]


def test_import_needs_the_import_permission(staff_client, tianbo):
    client = staff_client("projects.view_relocationhousehold")
    assert client.get(reverse(f"admin:{HOUSEHOLD}_import")).status_code == 403


def test_exports_of_the_other_datasets_read_back_as_their_import_files(admin_client):
    project = RelocationHouseholdFactory(floor_area=Decimal("88.5")).project
    KeyProjectFactory(name="肯帝亚黑科技", total_investment=Decimal(30000))
    InvestmentDealFactory(name="恒美光电偏光片制造项目", is_foreign=True)
    cases = [
        (
            "projects_relocationproject",
            "relocationprojectresource",
            ["name", "year", "community"],
        ),
        (
            "projects_keyproject",
            "keyprojectresource",
            ["name", "year", "total_investment", "area"],
        ),
        (
            "projects_investmentdeal",
            "investmentdealresource",
            ["name", "year", "is_foreign", "stage"],
        ),
    ]
    exported = {}
    for admin_name, resource, fields in cases:
        data = {"format": 1, "resource": 0}
        data.update({f"{resource}_{name}": True for name in fields})
        response = admin_client.post(reverse(f"admin:{admin_name}_export"), data)
        exported[admin_name] = read_xlsx_download(response)
    assert exported["projects_relocationproject"] == [
        ["项目名称", "年度", "所在村/社区"],
        [project.name, 2021, project.community.name],
    ]
    key_rows = exported["projects_keyproject"]
    assert key_rows[0] == ["项目名称", "列入年度", "总投资（万元）", "所在片区"]
    assert key_rows[1][:3] == ["肯帝亚黑科技", 2021, 30000]
    assert exported["projects_investmentdeal"][1] == [
        "恒美光电偏光片制造项目",
        2021,
        "是",
        "已签约",
    ]
    # a key project export imports back unchanged
    dataset = read_dataset(xlsx_bytes(key_rows), "key_projects.xlsx")
    result = KeyProjectResource().import_data(dataset, dry_run=True)
    assert import_counts(result) == {"new": 0, "update": 0, "skip": 1}


def with_saved_results(data, results):
    """Return an XLSX as Excel saves it: each formula with its last result."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                for formula, result in results.items():
                    for empty in ("<v />", "<v></v>"):  # as openpyxl versions write it
                        content = content.replace(
                            f"<f>{formula}</f>{empty}".encode(),
                            f"<f>{formula}</f><v>{result}</v>".encode(),
                        )
            target.writestr(info, content)
    return out.getvalue()


def test_a_formula_saved_with_its_result_imports_the_result(admin_client, tianbo):
    rows = [HEADER, ["天波城北侧", "张三", id_number(7), "练湖新城社区", "=40+40.5"]]
    data = with_saved_results(xlsx_bytes(rows), {"40+40.5": "80.5"})

    import_through_admin(admin_client, "saved.xlsx", data)

    assert RelocationHousehold.objects.get().floor_area == Decimal("80.5")
