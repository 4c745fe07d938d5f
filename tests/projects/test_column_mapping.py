"""Column mapping: unmatched file columns mapped once, remembered per user and dataset."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from devzone.models import ColumnMapping
from projects.models import RelocationHousehold
from tests.projects.test_ledgers import sample_rows
from tests.spreadsheets import confirm, csv_bytes, page_text, upload

HOUSEHOLD = "projects_relocationhousehold"
DATASET = "projects.relocationhousehold"
PERMS = [
    "projects.import_relocationhousehold",
    "projects.view_relocationhousehold",
    "projects.add_relocationhousehold",
    "projects.change_relocationhousehold",
]


def renamed_file(**renames):
    """Return the sample households as CSV with some columns renamed."""
    header, rows = sample_rows()
    return csv_bytes([[renames.get(h, h) for h in header], *rows])


def mapping_post(client, rows, dataset=DATASET, follow=True):
    """POST the preview's mapping form: rows of (file column, column, mapping id)."""
    data = {
        "dataset": dataset,
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
    }
    for index, (name, column, *mapping) in enumerate(rows):
        data[f"form-{index}-file_column"] = name
        data[f"form-{index}-column"] = column
        if mapping:
            data[f"form-{index}-mapping"] = str(mapping[0])
    return client.post(reverse("import_mapping"), data, follow=follow)


def test_an_unmatched_column_is_mapped_once_and_the_next_file_maps_itself(
    admin_client, admin_user, tianbo
):
    # given a ledger that writes 户主名称 for 户主姓名
    data = renamed_file(户主姓名="户主名称")

    # when it is previewed, the mapping step offers its column
    preview = upload(admin_client, HOUSEHOLD, "台账.csv", data)
    text = page_text(preview)
    assert "列的对应关系" in text and "户主名称" in text
    assert 'name="form-0-file_column" value="户主名称"' in preview.content.decode()

    # and the clerk maps it to 户主姓名
    saved = mapping_post(admin_client, [("户主名称", "户主姓名")])
    assert "已保存列的对应关系" in page_text(saved)

    # then the same file again is read with it, says so, and imports
    again = upload(admin_client, HOUSEHOLD, "台账.csv", data)
    text = page_text(again)
    assert "新增 8 条" in text, text
    assert "按列的对应关系读取的列：户主名称 → 户主姓名" in text
    assert "不导入的列" not in text
    confirm(admin_client, HOUSEHOLD, again)
    header, rows = sample_rows()
    assert set(RelocationHousehold.objects.values_list("head_name", flat=True)) == {
        row[header.index("户主姓名")] for row in rows
    }


def test_a_mapped_column_is_checked_like_a_matched_one(
    admin_client, admin_user, tianbo
):
    # given 签约时间 mapped to 签约日期, and a row whose date is no date
    header, rows = sample_rows()
    rows[1][header.index("签约日期")] = "去年"
    header = ["签约时间" if h == "签约日期" else h for h in header]
    mapping_post(admin_client, [("签约时间", "签约日期")])

    # when the file is previewed
    preview = upload(admin_client, HOUSEHOLD, "台账.csv", csv_bytes([header, *rows]))

    # then the row is refused under the column's name, and nothing can be confirmed
    text = page_text(preview)
    assert "第 3 行 · 签约日期" in text, text
    assert preview.context.get("confirm_form") is None
    assert not RelocationHousehold.objects.exists()


def test_not_imported_is_remembered_and_leaves_the_column_out(
    admin_client, admin_user, tianbo
):
    header, rows = sample_rows()
    data = csv_bytes([[*header, "核对人"], *[[*row, "王五"] for row in rows]])
    assert "不导入的列：核对人" in page_text(
        upload(admin_client, HOUSEHOLD, "台账.csv", data)
    )

    mapping_post(admin_client, [("核对人", "不导入")])

    text = page_text(upload(admin_client, HOUSEHOLD, "台账.csv", data))
    assert "不导入的列" not in text
    assert "核对人 → 不导入" in text


def test_two_file_columns_mapped_to_one_column_are_refused(
    admin_client, admin_user, tianbo
):
    response = mapping_post(
        admin_client, [("户主名称", "户主姓名"), ("户主名字", "户主姓名")]
    )

    assert "“户主名称”和“户主名字”不能都对应“户主姓名”" in page_text(response)
    assert not ColumnMapping.objects.exists()


def test_a_new_mapping_to_a_column_a_saved_one_takes_is_refused(
    admin_client, admin_user, tianbo
):
    mapping_post(admin_client, [("户主名称", "户主姓名")])

    response = mapping_post(admin_client, [("户主名字", "户主姓名")])

    assert "不能都对应“户主姓名”" in page_text(response)
    assert list(ColumnMapping.objects.values_list("file_column", flat=True)) == [
        "户主名称"
    ]


def test_a_tampered_column_is_refused(admin_client, admin_user, tianbo):
    response = mapping_post(admin_client, [("户主名称", "is_superuser")])

    text = page_text(response)
    assert "列的对应关系没有保存" in text
    assert "选择一个有效的选项" in text
    assert not ColumnMapping.objects.exists()


def test_another_users_mapping_cannot_be_changed_or_cleared(
    admin_client, admin_user, make_staff, tianbo
):
    other = make_staff(*PERMS, username="other")
    theirs = ColumnMapping.objects.create(
        user=other, dataset=DATASET, file_column="户主名称", column="户主姓名"
    )

    response = mapping_post(admin_client, [("户主名称", "", theirs.pk)])

    assert "其中有不是您保存的对应关系" in page_text(response)
    theirs.refresh_from_db()
    assert theirs.column == "户主姓名"
    assert ColumnMapping.objects.count() == 1


def test_only_the_users_own_mapping_applies(admin_client, make_staff, tianbo):
    other = make_staff(*PERMS, username="other")
    ColumnMapping.objects.create(
        user=other, dataset=DATASET, file_column="户主名称", column="户主姓名"
    )

    text = page_text(
        upload(admin_client, HOUSEHOLD, "台账.csv", renamed_file(户主姓名="户主名称"))
    )

    assert "不导入的列：户主名称" in text
    assert "按列的对应关系" not in text


def test_a_saved_mapping_is_shown_and_can_be_cleared(admin_client, admin_user, tianbo):
    mapping_post(admin_client, [("户主名称", "户主姓名")])
    mine = ColumnMapping.objects.get()
    preview = upload(
        admin_client, HOUSEHOLD, "台账.csv", renamed_file(户主姓名="户主名称")
    )
    html = preview.content.decode()
    assert f'name="form-0-mapping" value="{mine.pk}"' in html
    assert '<option value="户主姓名" selected>' in html

    mapping_post(admin_client, [("户主名称", "", mine.pk)])

    assert not ColumnMapping.objects.exists()


def test_a_mapping_cannot_reroute_a_column_the_dataset_knows(
    admin_client, admin_user, tianbo
):
    # given a stored mapping of 户主 (an alias of 户主姓名) to 备注
    ColumnMapping.objects.create(
        user=admin_user, dataset=DATASET, file_column="户主", column="备注"
    )

    preview = upload(admin_client, HOUSEHOLD, "台账.csv", renamed_file(户主姓名="户主"))
    confirm(admin_client, HOUSEHOLD, preview)

    assert not RelocationHousehold.objects.filter(head_name="").exists()
    assert not RelocationHousehold.objects.exclude(note="").exists()


def test_a_mapping_onto_a_column_the_file_has_is_refused(
    admin_client, admin_user, tianbo
):
    header, rows = sample_rows()
    data = csv_bytes([[*header, "户主名称"], *[[*row, "某某"] for row in rows]])
    mapping_post(admin_client, [("户主名称", "户主姓名")])

    text = page_text(upload(admin_client, HOUSEHOLD, "台账.csv", data))

    assert "“户主名称”列按列的对应关系读作“户主姓名”，而文件中已有“户主姓名”列" in text
    assert not RelocationHousehold.objects.exists()


def test_a_confirmation_reads_the_file_as_its_preview_did(
    admin_client, admin_user, tianbo
):
    # given a preview read with a mapping, which is cleared before confirming
    mapping_post(admin_client, [("户主名称", "户主姓名")])
    preview = upload(
        admin_client, HOUSEHOLD, "台账.csv", renamed_file(户主姓名="户主名称")
    )
    ColumnMapping.objects.all().delete()

    confirm(admin_client, HOUSEHOLD, preview)

    assert RelocationHousehold.objects.count() == 8
    assert not RelocationHousehold.objects.filter(head_name="").exists()


def test_a_user_without_the_import_permission_cannot_save_a_mapping(
    client, make_staff, tianbo
):
    user = make_staff("projects.view_relocationhousehold", username="viewer")
    client.force_login(user)

    assert (
        mapping_post(client, [("户主名称", "户主姓名")], follow=False).status_code
        == 403
    )
    assert (
        mapping_post(
            client, [("a", "b")], dataset="auth.user", follow=False
        ).status_code
        == 403
    )
    assert not ColumnMapping.objects.exists()


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_file", *args, stdout=out, stderr=err, **options)
    return out.getvalue()


def test_import_file_takes_a_mapping(admin_user, tianbo, tmp_path):
    path = tmp_path / "台账.csv"
    path.write_bytes(renamed_file(户主姓名="户主名称", 备注="附注"))

    out = run(
        DATASET, str(path), user="admin", map=["户主名称=户主姓名", "附注=不导入"]
    )

    assert "导入完成：新增 8 条" in out
    assert "户主名称 → 户主姓名" in out and "附注 → 不导入" in out
    assert not ColumnMapping.objects.exists()  # an option is not remembered


@pytest.mark.parametrize(
    ("maps", "message"),
    [
        (["户主名称=密码"], "“密码”不是可导入的列"),
        (["户主名称=户主姓名", "户主名字=户主姓名"], "不能都对应“户主姓名”"),
        (["户主名称"], "应写作 文件列名=字段列名"),
    ],
)
def test_import_file_refuses_a_bad_mapping(admin_user, tianbo, tmp_path, maps, message):
    path = tmp_path / "台账.csv"
    path.write_bytes(renamed_file(户主姓名="户主名称"))

    with pytest.raises(CommandError, match=message):
        run(DATASET, str(path), user="admin", map=maps)
    assert not RelocationHousehold.objects.exists()


def test_a_file_refused_for_a_missing_key_column_offers_the_mapping(
    admin_client, admin_user, tianbo
):
    # given a ledger heading its ID numbers 身份证件号, which no name matches
    data = renamed_file(身份证号="身份证件号")

    # when it is previewed, it is refused for the key column, with the mapping step
    refused = upload(admin_client, HOUSEHOLD, "台账.csv", data)
    text = page_text(refused)
    assert "缺少必需的列：身份证号" in text
    assert "列的对应关系" in text and "身份证件号" in text

    # then, mapped, the same file is read and imported
    mapping_post(admin_client, [("身份证件号", "身份证号")])
    again = upload(admin_client, HOUSEHOLD, "台账.csv", data)
    assert "新增 8 条" in page_text(again)
    confirm(admin_client, HOUSEHOLD, again)
    assert RelocationHousehold.objects.count() == 8


def test_a_flood_of_mapping_rows_is_refused(admin_client, admin_user, tianbo):
    rows = [(f"列{i}", "不导入") for i in range(201)]

    response = mapping_post(admin_client, rows)

    assert "列的对应关系没有保存：请最多提交 200 个表单" in page_text(response)
    assert not ColumnMapping.objects.exists()


def test_a_long_file_column_name_is_refused(admin_client, admin_user, tianbo):
    response = mapping_post(admin_client, [("长" * 101, "户主姓名")])

    assert "列的对应关系没有保存：文件中的列：" in page_text(response)
    assert not ColumnMapping.objects.exists()
