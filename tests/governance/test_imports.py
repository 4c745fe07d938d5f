"""Importing and exporting governance records: the real sample files and bad input."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.results import error_lines, import_counts
from governance.models import (
    BranchRating,
    EnvironmentalCase,
    PartyBranch,
    VolunteerActivity,
)
from governance.resources import (
    BranchRatingResource,
    EnvironmentalCaseResource,
    PartyBranchResource,
    VolunteerActivityResource,
    VolunteerTeamResource,
)
from tests.governance.factories import (
    BranchRatingFactory,
    CommunityFactory,
    EnvironmentalCaseFactory,
    PartyBranchFactory,
    VolunteerTeamFactory,
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

pytestmark = pytest.mark.django_db

SAMPLES = Path("fixtures/samples")
RATING = "governance_branchrating"
CASE = "governance_environmentalcase"
COMMUNITIES = ["练湖新城社区", "贺巷社区", "嘉荟新城社区", "胡桥村", "高楼社区"]


@pytest.fixture
def communities(db):
    return [CommunityFactory(name=name) for name in COMMUNITIES]


@pytest.fixture
def sample_branches(communities):
    result = import_sample(PartyBranchResource, "governance_branches_gbk.csv")
    assert import_counts(result)["new"] == 3
    return PartyBranch.objects.all()


def import_sample(resource, name, dry_run=False):
    path = SAMPLES / name
    dataset = read_dataset(path.read_bytes(), path.name)
    return resource().import_data(dataset, dry_run=dry_run)


def import_through_admin(client, admin_name, name, data):
    preview = upload(client, admin_name, name, data)
    assert preview.status_code == 200
    assert "confirm_form" in preview.context, error_items(preview)
    done = confirm(client, admin_name, preview)
    assert done.status_code == 302
    return preview


def rating_rows():
    return sorted(
        BranchRating.objects.values_list("branch__name", "year", "stars", "note")
    )


SAMPLE_RATINGS = [
    ("丹阳恒泰光学有限公司党支部", 2021, 3, "新建支部"),
    ("新区卫生院党支部", 2021, 5, ""),
    ("练湖新城社区第二党支部", 2020, 3, ""),
    ("练湖新城社区第二党支部", 2021, 4, ""),
]


def test_branch_sample_in_gbk_imports_with_its_communities(sample_branches):
    branch = PartyBranch.objects.get(name="练湖新城社区第二党支部")
    assert branch.community.name == "练湖新城社区"
    assert branch.kind == PartyBranch.Kind.COMMUNITY
    assert branch.founded_on == datetime.date(2012, 5, 1)
    assert branch.member_count == 28


@pytest.mark.parametrize(
    "sample", ["governance_ratings_gbk.csv", "governance_ratings.xlsx"]
)
def test_rating_samples_import_through_the_admin(admin_client, sample_branches, sample):
    preview = import_through_admin(
        admin_client, RATING, sample, (SAMPLES / sample).read_bytes()
    )
    assert "新增 4 条" in page_text(preview)
    assert "丹阳恒泰光学有限公司党支部" in page_text(preview)
    assert rating_rows() == SAMPLE_RATINGS


@pytest.mark.parametrize(
    "sample", ["governance_cases_gbk.csv", "governance_cases.xlsx"]
)
def test_case_samples_import_through_the_admin(admin_client, communities, sample):
    import_through_admin(admin_client, CASE, sample, (SAMPLES / sample).read_bytes())

    cases = {case.case_number: case for case in EnvironmentalCase.objects.all()}
    assert sorted(cases) == ["HJ-2021-9001", "HJ-2021-9002", "HJ-2021-9003"]
    water = cases["HJ-2021-9002"]
    assert water.category == EnvironmentalCase.Category.WATER_ENTERPRISE
    assert (water.river, water.community.name) == ("九曲河", "胡桥村")
    assert water.measures.startswith("一企一策")
    site = cases["HJ-2021-9003"]
    assert site.status == EnvironmentalCase.Status.CLOSED
    assert site.closed_on == datetime.date(2021, 8, 28)  # written 2021年8月28日
    assert site.fine == Decimal("20000")


def test_rating_error_sample_names_each_bad_row_and_saves_nothing(
    admin_client, sample_branches
):
    data = (SAMPLES / "governance_ratings_errors.csv").read_bytes()

    preview = upload(admin_client, RATING, "governance_ratings_errors.csv", data)

    assert "confirm_form" not in preview.context
    errors = error_items(preview)
    text = " ".join(errors)
    assert "没有保存任何数据" in page_text(preview)
    assert any(
        e
        == "第 2 行 · 星级：「6」不是有效星级：星级应为 1 到 5 星（可写 4、四星或四星级）。"
        for e in errors
    ), errors
    assert "第 3 行" not in text  # the one correct row
    assert any(
        e.startswith("第 4 行 · 党支部：找不到「不存在的党支部」") for e in errors
    )
    assert any(e.startswith("第 5 行 · 星级") for e in errors), errors
    assert any(e.startswith("第 6 行 · 年度：「二〇二一」不是整数") for e in errors)
    assert not BranchRating.objects.exists()


def test_case_error_sample_names_each_bad_row_and_saves_nothing(
    admin_client, communities
):
    data = (SAMPLES / "governance_cases_errors.csv").read_bytes()

    preview = upload(admin_client, CASE, "governance_cases_errors.csv", data)

    errors = error_items(preview)
    assert "第 2 行 · 办结日期：办结日期不能早于立案日期。" in errors
    assert not any(e.startswith("第 3 行") for e in errors)
    assert "第 4 行 · 罚款金额（元）：罚款金额不能为负数。" in errors
    assert "第 5 行 · 河道：河道整治和涉水企业整治案件必须填写所涉河道。" in errors
    assert any(e.startswith("第 6 行 · 类别：「乱搭乱建」不是有效选项") for e in errors)
    assert (
        "第 7 行 · 办结日期：已办结的案件必须填写办结日期，未办结的案件不能填写办结日期。"
        in errors
    )
    assert not EnvironmentalCase.objects.exists()


def test_duplicate_rating_for_a_year_refuses_the_whole_file(
    admin_client, sample_branches
):
    data = (SAMPLES / "governance_ratings_duplicate.csv").read_bytes()

    preview = upload(admin_client, RATING, "governance_ratings_duplicate.csv", data)

    assert "confirm_form" not in preview.context
    assert "第 4 行 · 党支部：与第 2 行的“党支部、年度”相同" in page_text(preview)
    assert not BranchRating.objects.exists()


def test_reimporting_a_sample_changes_nothing(sample_branches):
    first = import_sample(BranchRatingResource, "governance_ratings_gbk.csv")
    again = import_sample(BranchRatingResource, "governance_ratings.xlsx")

    assert import_counts(first) == {"new": 4, "update": 0, "skip": 0}
    assert import_counts(again) == {"new": 0, "update": 0, "skip": 4}
    assert rating_rows() == SAMPLE_RATINGS


def test_reimport_updates_a_rating_instead_of_adding_one(sample_branches):
    import_sample(BranchRatingResource, "governance_ratings_gbk.csv")
    data = csv_bytes(
        [["党支部", "年度", "星级", "备注"], ["新区卫生院党支部", "2021", "4", "复核"]]
    )

    result = BranchRatingResource().import_data(read_dataset(data, "r.csv"))

    assert import_counts(result) == {"new": 0, "update": 1, "skip": 0}
    rating = BranchRating.objects.get(branch__name="新区卫生院党支部", year=2021)
    assert (rating.stars, rating.note) == (4, "复核")
    assert BranchRating.objects.count() == 4


def test_activities_are_keyed_by_team_date_and_title(communities):
    VolunteerTeamFactory(name="贺巷社区红马甲志愿服务队")
    header = [
        "志愿服务队",
        "活动日期",
        "活动名称",
        "类别",
        "服务村/社区",
        "参与志愿者（人）",
        "服务群众（人次）",
    ]
    team = "贺巷社区红马甲志愿服务队"
    first = [
        header,
        [team, "2021-03-05", "义诊", "医疗健身", "贺巷社区", "6", "40"],
        [team, "2021-03-05", "交通文明劝导", "文明劝导", "贺巷社区", "4", "25"],
        [team, "2021/3/6", "义诊", "医疗健身", "贺巷社区", "6", "31"],
    ]
    second = [header, [team, "2021年3月5日", "义诊", "医疗健身", "贺巷社区", "6", "45"]]

    def run(rows):
        return import_counts(
            VolunteerActivityResource().import_data(
                read_dataset(csv_bytes(rows), "a.csv")
            )
        )

    assert run(first) == {"new": 3, "update": 0, "skip": 0}
    assert run(second) == {"new": 0, "update": 1, "skip": 0}
    assert VolunteerActivity.objects.people_served() == 45 + 25 + 31


def test_activity_with_negative_counts_or_unknown_team_is_refused(communities):
    VolunteerTeamFactory(name="党建办志愿服务队")
    rows = [
        ["志愿服务队", "活动日期", "活动名称", "类别", "服务群众（人次）"],
        ["党建办志愿服务队", "2021-03-05", "宣讲", "理论宣讲", "-5"],
        ["不存在的服务队", "2021-03-05", "宣讲", "理论宣讲", "5"],
        ["党建办志愿服务队", "2021-02-30", "宣讲", "理论宣讲", "5"],
    ]

    result = VolunteerActivityResource().import_data(
        read_dataset(csv_bytes(rows), "a.csv")
    )

    lines = error_lines(result)
    assert any(line.startswith("第 2 行 · 服务群众（人次）") for line in lines), lines
    assert any(
        line.startswith("第 3 行 · 志愿服务队：找不到「不存在的服务队」")
        for line in lines
    )
    assert any(line.startswith("第 4 行 · 活动日期") for line in lines), lines
    assert not VolunteerActivity.objects.exists()


def test_negative_member_count_is_refused_on_import():
    rows = [["名称", "类型", "党员人数（人）"], ["某党支部", "机关", "-3"]]
    result = PartyBranchResource().import_data(read_dataset(csv_bytes(rows), "b.csv"))
    assert any("党员人数（人）" in line for line in error_lines(result))
    assert not PartyBranch.objects.exists()


@pytest.mark.parametrize(
    ("written", "stars"),
    [("4", 4), ("4星", 4), ("四星", 4), ("四星级", 4), ("★★★", 3), ("５", 5)],
)
def test_stars_are_read_as_staff_write_them(sample_branches, written, stars):
    rows = [["党支部", "年度", "星级"], ["新区卫生院党支部", "2021", written]]
    result = BranchRatingResource().import_data(read_dataset(csv_bytes(rows), "r.csv"))
    assert not error_lines(result)
    assert BranchRating.objects.get().stars == stars


@pytest.mark.parametrize("written", ["0", "6", "六星", "★★★★★★", "4.5", "优秀"])
def test_stars_outside_one_to_five_are_refused_on_import(sample_branches, written):
    rows = [["党支部", "年度", "星级"], ["新区卫生院党支部", "2021", written]]
    result = BranchRatingResource().import_data(read_dataset(csv_bytes(rows), "r.csv"))
    assert error_lines(result) == [
        f"第 2 行 · 星级：「{written}」不是有效星级：星级应为 1 到 5 星"
        "（可写 4、四星或四星级）。"
    ]
    assert not BranchRating.objects.exists()


def test_xlsx_numbers_arrive_as_integers(sample_branches):
    rows = [["党支部", "年度", "星级"], ["新区卫生院党支部", 2021.0, 5.0]]
    result = BranchRatingResource().import_data(
        read_dataset(xlsx_bytes(rows), "r.xlsx")
    )
    assert import_counts(result)["new"] == 1
    assert BranchRating.objects.get().stars == 5


def test_hostile_cells_are_stored_as_text_and_escaped_on_export(
    admin_client, communities
):
    rows = [
        ["名称", "类型", "书记"],
        ['=HYPERLINK("http://x")党支部', "机关", "+1+1"],
    ]
    PartyBranchResource().import_data(read_dataset(csv_bytes(rows), "b.csv"))
    assert PartyBranch.objects.get().secretary == "+1+1"

    response = admin_client.post(
        reverse("admin:governance_partybranch_export"),
        {"format": 0, **export_fields(PartyBranchResource)},
    )
    exported = read_csv_download(response)
    assert exported[1][0].startswith("'=")
    assert "'+1+1" in exported[1]


def export_fields(resource):
    fields = [f for f in resource().get_export_fields()]
    return {f"{resource.__name__.lower()}_{f.attribute}": "on" for f in fields}


def test_rating_export_reads_back_with_chinese_headers(admin_client):
    BranchRatingFactory(
        branch=PartyBranchFactory(name="马陵村党委"), year=2021, stars=5
    )

    response = admin_client.post(
        reverse("admin:governance_branchrating_export"),
        {"format": 1, **export_fields(BranchRatingResource)},
    )

    rows = read_xlsx_download(response)
    assert rows[0] == ["党支部", "年度", "星级", "备注"]
    assert rows[1][:3] == ["马陵村党委", 2021, "五星级"]
    # the download imports back unchanged
    data = xlsx_bytes(rows)
    result = BranchRatingResource().import_data(read_dataset(data, "back.xlsx"))
    assert import_counts(result) == {"new": 0, "update": 0, "skip": 1}


def test_case_export_round_trips(admin_client):
    EnvironmentalCaseFactory(
        case_number="HJ-2021-0042",
        category=EnvironmentalCase.Category.RIVER,
        river="大运河",
        status=EnvironmentalCase.Status.CLOSED,
        closed_on=datetime.date(2021, 3, 10),
        fine=Decimal("500.00"),
    )
    response = admin_client.post(
        reverse("admin:governance_environmentalcase_export"),
        {"format": 0, **export_fields(EnvironmentalCaseResource)},
    )
    rows = read_csv_download(response)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["案件编号"] == "HJ-2021-0042"
    assert record["类别"] == "河道整治"
    assert record["状态"] == "已办结"
    assert record["办结日期"] == "2021-03-10"

    result = EnvironmentalCaseResource().import_data(
        read_dataset(csv_bytes(rows), "back.csv")
    )
    assert import_counts(result) == {"new": 0, "update": 0, "skip": 1}


def test_team_import_and_reimport_by_name():
    rows = [
        ["名称", "所属单位", "队长", "队员人数（人）"],
        ["团工委青年志愿服务队", "新区团工委", "周晓峰", "36"],
    ]
    data = read_dataset(csv_bytes(rows), "t.csv")
    assert import_counts(VolunteerTeamResource().import_data(data))["new"] == 1
    data = read_dataset(csv_bytes(rows), "t.csv")
    assert import_counts(VolunteerTeamResource().import_data(data))["skip"] == 1


def test_import_needs_the_import_permission(staff_client, sample_branches):
    client = staff_client("governance.view_branchrating", "governance.add_branchrating")
    data = (SAMPLES / "governance_ratings_gbk.csv").read_bytes()
    response = upload(client, RATING, "governance_ratings_gbk.csv", data)
    assert response.status_code == 403
    assert not BranchRating.objects.exists()
