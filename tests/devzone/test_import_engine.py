"""The set-based import (devzone.spreadsheets.engine): whole files checked in SQL."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devzone.models import Community, StaffProfile
from devzone.resources import (
    CommunityResource,
    StaffProfileResource,
)
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.resources import ImportRun
from devzone.spreadsheets.results import error_lines, import_counts
from tests.spreadsheets import csv_bytes, xlsx_bytes

HEADER = ["名称", "类型", "所属街道", "统计用区划代码"]


def communities(count, start=0):
    return [
        [f"新村{i}", "村", "曲阿街道", f"3211814012{i % 100:02d}" if i < 100 else ""]
        for i in range(start, start + count)
    ]


def run_import(rows, *, user=None, dry_run=False, run=None):
    dataset = read_dataset(csv_bytes([HEADER, *rows]), "c.csv")
    resource = CommunityResource(user=user, run=run or ImportRun())
    return resource.import_data(dataset, dry_run=dry_run)


def test_staff_profiles_with_their_communities_import_in_sets(db):
    # given a user and a file naming their communities (a many-to-many column)
    user = get_user_model().objects.create_user("wang")
    Community.objects.create(name="甲村", kind="village")
    Community.objects.create(name="乙村", kind="village")
    header = ["用户名", "部门", "负责村/社区"]
    data = csv_bytes([header, ["wang", "村/社区", "甲村、乙村"]])

    # when it is imported, then changed to one community
    first = StaffProfileResource(run=ImportRun()).import_data(
        read_dataset(data, "s.csv")
    )
    again = csv_bytes([header, ["wang", "村/社区", "乙村"]])
    second = StaffProfileResource(run=ImportRun()).import_data(
        read_dataset(again, "s.csv")
    )
    same = StaffProfileResource(run=ImportRun()).import_data(
        read_dataset(again, "s.csv")
    )

    # then the communities follow the file, and an unchanged file changes nothing
    assert import_counts(first)["new"] == 1, error_lines(first)
    assert import_counts(second)["update"] == 1, error_lines(second)
    assert import_counts(same)["skip"] == 1, error_lines(same)
    profile = StaffProfile.objects.get(user=user)
    assert list(profile.communities.values_list("name", flat=True)) == ["乙村"]


def test_an_import_makes_the_same_queries_for_ten_rows_as_for_a_hundred(db):
    def queries(rows, start):
        with CaptureQueriesContext(connection) as captured:
            result = run_import(communities(rows, start))
        assert not result.has_validation_errors(), error_lines(result)
        return len(captured)

    assert queries(10, 0) == queries(100, 200)


def test_one_bad_row_far_down_a_big_file_saves_nothing(db):
    rows = communities(3000)
    rows[2500][1] = "镇"  # not a kind of community

    result = run_import(rows)

    assert error_lines(result) == [
        "第 2502 行 · 类型：「镇」不是有效选项，可选：村、社区。"
    ]
    assert not Community.objects.exists()


def test_a_code_given_twice_in_a_file_is_refused_on_the_later_row(db):
    rows = [
        ["甲村", "村", "", "321181401220"],
        ["乙村", "村", "", ""],
        ["丙村", "村", "", "321181401220"],
        ["丁村", "村", "", ""],  # an empty code may repeat: the rule has a condition
    ]

    result = run_import(rows)

    assert error_lines(result) == [
        "第 4 行 · 统计用区划代码：统计用区划代码已被其他村/社区使用。"
    ]
    assert not Community.objects.exists()


def test_a_code_taken_by_a_stored_community_is_refused(db):
    Community.objects.create(
        name="老村", kind="village", statistical_code="321181401221"
    )

    result = run_import([["新村", "村", "", "321181401221"]])

    assert error_lines(result) == [
        "第 2 行 · 统计用区划代码：统计用区划代码已被其他村/社区使用。"
    ]


def test_a_row_keeping_its_own_code_is_no_conflict(db):
    Community.objects.create(
        name="老村", kind="village", statistical_code="321181401221"
    )

    result = run_import([["老村", "村", "云阳街道", "321181401221"]])

    assert import_counts(result) == {"new": 0, "update": 1, "skip": 0}
    assert Community.objects.get().subdistrict == "云阳街道"


@pytest.mark.parametrize("new_first", [False, True])
def test_a_new_row_taking_the_code_of_an_unchanged_row_is_refused(db, new_first):
    # given a stored village, imported again unchanged beside a new one with its
    # code, before or after it
    Community.objects.create(
        name="老村",
        kind="village",
        subdistrict="云阳街道",
        statistical_code="321181401221",
    )
    rows = [
        ["老村", "村", "云阳街道", "321181401221"],
        ["新村", "村", "", "321181401221"],
    ]
    if new_first:
        rows.reverse()

    # when it is imported
    result = run_import(rows)

    # then the new row is refused for the code, wherever it stands; the
    # unchanged one is not
    assert error_lines(result) == [
        f"第 {2 if new_first else 3} 行 · 统计用区划代码：统计用区划代码已被其他村/社区使用。"
    ]
    assert not Community.objects.filter(name="新村").exists()


def test_an_unchanged_file_asks_no_rule_of_the_rows_it_would_write(db):
    # given communities imported once
    rows = communities(20)
    run_import(rows)

    def rule_queries(rows):
        with CaptureQueriesContext(connection) as captured:
            result = run_import(rows)
        assert not result.has_validation_errors(), error_lines(result)
        # the unique rule's window and the CHECK constraint on the code
        return [
            q["sql"]
            for q in captured
            if "ROW_NUMBER" in q["sql"] or "NOT (" in q["sql"]
        ]

    # when the same file comes again, and then with one row edited
    unchanged = rule_queries(rows)
    rows[3][2] = "曲阿街道东"
    edited = rule_queries(rows)

    # then only the edited file's rows are judged by the rules: nothing would be
    # written by the unchanged one
    assert unchanged == []
    assert edited


def test_a_broken_check_constraint_is_reported_on_its_column(db):
    result = run_import([["新村", "村", "", "3211"]])

    assert error_lines(result) == [
        "第 2 行 · 统计用区划代码：统计用区划代码应为 12 位数字。"
    ]


def test_a_preview_writes_nothing_and_records_each_matched_rows_version(db):
    stored = Community.objects.create(name="老村", kind="village")
    run = ImportRun()

    result = run_import(
        [["老村", "村", "云阳街道", ""], ["新村", "村", "", ""]], dry_run=True, run=run
    )

    assert import_counts(result) == {"new": 1, "update": 1, "skip": 0}
    assert Community.objects.count() == 1
    assert Community.objects.get().subdistrict == "曲阿街道"
    # A new row has no version: the confirmation reads a missing one as None.
    assert run.versions == {1: [stored.pk, stored.updated_at.isoformat()]}


@pytest.fixture
def worker(make_staff):
    user = make_staff(
        "devzone.import_community",
        "devzone.add_community",
        "devzone.change_community",
        username="gaolou",
    )
    home = Community.objects.create(name="高楼社区", kind="community")
    profile = StaffProfile.objects.create(user=user, department="community")
    profile.communities.add(home)
    return user


def test_a_community_worker_cannot_add_a_community(worker):
    result = run_import([["新村", "村", "", ""]], user=worker)

    assert error_lines(result) == [
        "第 2 行 · 整行：超出您的管辖范围：您只能录入和修改 高楼社区 的记录。"
    ]
    assert Community.objects.count() == 1


def test_a_community_worker_may_update_their_own_community(worker):
    result = run_import([["高楼社区", "社区", "云阳街道", ""]], user=worker)

    assert import_counts(result) == {"new": 0, "update": 1, "skip": 0}
    assert Community.objects.get().subdistrict == "云阳街道"


def test_a_hostile_cell_is_data_not_sql(db):
    name = "x'); DROP TABLE devzone_community; --"

    result = run_import([[name, "村", "", ""]])

    assert import_counts(result)["new"] == 1
    assert Community.objects.get().name == name


def test_cells_equal_in_value_but_not_in_type_are_read_each_as_itself(db):
    # given a workbook's name column holding the number 1, TRUE and the number 1
    # again (1 and True are equal in Python)
    data = xlsx_bytes(
        [HEADER, [1, "村", "", ""], [True, "村", "", ""], [1, "村", "", ""]]
    )

    # when it is imported
    result = CommunityResource(run=ImportRun()).import_data(
        read_dataset(data, "c.xlsx")
    )

    # then each cell is read as what it is: the two 1s name one community (given
    # twice), TRUE another
    assert error_lines(result) == [
        "第 4 行 · 名称：与第 2 行的“名称”相同：同一记录在文件中只能出现一次，请合并或删除其中一行。"
    ]


def test_a_mistake_copied_down_a_long_column_is_refused_on_every_row(db):
    # given 2,500 rows (three blocks of cleaning) with a kind that does not exist
    # on rows 990–1,011 (across the first blocks' end) and 2,490–2,501 (the last)
    rows = communities(2500)
    for index in [*range(988, 1010), *range(2488, 2500)]:
        rows[index][1] = "镇"

    # when it is imported
    result = run_import(rows)

    # then every row holding it is refused, and nothing is saved
    assert error_lines(result) == [
        "第 990–1011、2490–2501 行 · 类型：「镇」不是有效选项，可选：村、社区。"
    ]
    assert not Community.objects.exists()


def test_the_templates_example_far_down_a_file_is_refused(db):
    # given the template's example name on row 1,802, past the first blocks
    rows = communities(2000)
    rows[1800][0] = " 示例名称 "

    # when it is imported
    result = run_import(rows)

    # then that row is refused as the example row, and nothing is saved
    assert error_lines(result) == ["第 1802 行 · 整行：这是模板的示例行，请删除"]
    assert not Community.objects.exists()


def test_the_templates_example_is_refused_in_a_column_with_empty_cells(db):
    # given a workbook whose 所属街道 column has empty cells (read as nothing, not
    # text) and the template's example text on row 3
    data = xlsx_bytes(
        [HEADER, ["甲村", "村", None, ""], ["乙村", "村", "示例所属街道", ""]]
    )

    # when it is imported
    result = CommunityResource(run=ImportRun()).import_data(
        read_dataset(data, "c.xlsx")
    )

    # then that row is refused as the example row, and nothing is saved
    assert error_lines(result) == ["第 3 行 · 整行：这是模板的示例行，请删除"]
    assert not Community.objects.exists()
