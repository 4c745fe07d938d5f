"""`manage.py import_file`: the admin's import from the command line, with a progress bar."""

import hashlib
import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from devzone.models import ImportBatch, StaffProfile
from projects.models import RelocationHousehold

SAMPLES = Path("fixtures/samples")
DATASET = "projects.relocationhousehold"
PERMS = [
    "projects.import_relocationhousehold",
    "projects.view_relocationhousehold",
    "projects.add_relocationhousehold",
    "projects.change_relocationhousehold",
]


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_file", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_a_sample_is_imported_under_a_batch_with_progress(admin_user, tianbo):
    # when a clerk imports the GBK sample from the command line
    out, err = run(DATASET, str(SAMPLES / "projects_households_gbk.csv"), user="admin")

    # then the eight households are saved, and the output says so
    assert "导入完成：新增 8 条，更新 0 条，未变 0 条" in out
    assert RelocationHousehold.objects.count() == 8
    # the progress bar reached the end
    assert "100%" in err and "共 8 行" in err
    # the batch names the file, its hash and encoding, and every history row names it
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.encoding, batch.new_count) == (
        "projects_households_gbk.csv",
        "gb18030",
        8,
    )
    data = (SAMPLES / "projects_households_gbk.csv").read_bytes()
    assert batch.file_hash == hashlib.sha256(data).hexdigest()
    history = RelocationHousehold.history.all()
    assert history.count() == 8
    assert {
        (h.history_type, h.import_batch_id, h.history_user_id) for h in history
    } == {("+", batch.pk, admin_user.pk)}


def test_the_unchanged_file_again_changes_nothing(admin_user, tianbo):
    run(DATASET, str(SAMPLES / "projects_households_gbk.csv"), user="admin")
    before = list(RelocationHousehold.objects.values_list("pk", "updated_at"))

    # when the same rows come again, as XLSX this time
    out, _err = run(DATASET, str(SAMPLES / "projects_households.xlsx"), user="admin")

    # then no record was written, and no history row was added
    assert "新增 0 条，更新 0 条，未变 8 条" in out
    assert list(RelocationHousehold.objects.values_list("pk", "updated_at")) == before
    assert RelocationHousehold.history.count() == 8


def test_a_changed_row_is_updated_with_its_history(admin_user, tianbo, tmp_path):
    run(DATASET, str(SAMPLES / "projects_households_gbk.csv"), user="admin")
    text = (SAMPLES / "projects_households_gbk.csv").read_bytes().decode("gb18030")
    changed = tmp_path / "changed.csv"
    changed.write_bytes(text.replace("1693.62", "1700.00").encode("gb18030"))

    out, _err = run(DATASET, str(changed), user="admin")

    assert "新增 0 条，更新 1 条，未变 7 条" in out
    household = RelocationHousehold.objects.get(head_name="刘玉")
    assert str(household.floor_area) == "1700.00"
    latest = household.history.first()
    assert latest.history_type == "~"
    assert latest.import_batch == ImportBatch.objects.latest("pk")


def test_a_file_with_errors_saves_nothing_and_lists_them(admin_user, tianbo):
    with pytest.raises(CommandError) as refused:
        run(DATASET, str(SAMPLES / "projects_households_errors.csv"), user="admin")

    message = str(refused.value)
    assert "导入未执行，没有保存任何数据" in message
    assert "第 3 行 · 身份证号：身份证号校验位错误，请核对号码。" in message
    assert "第 5 行 · 所属村/社区：找不到「幸福村」" in message
    assert not RelocationHousehold.objects.exists()
    assert not ImportBatch.objects.exists()


def test_a_dry_run_checks_and_counts_but_saves_nothing(admin_user, tianbo):
    out, _err = run(
        DATASET,
        str(SAMPLES / "projects_households_gbk.csv"),
        user="admin",
        dry_run=True,
    )

    assert "检查完成（未保存）：新增 8 条" in out
    assert not RelocationHousehold.objects.exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (("户籍", "x.csv"), {"user": "admin"}, "没有名为“户籍”的数据集"),
        ((DATASET, "x.csv"), {"user": "nobody"}, "没有名为“nobody”的有效用户"),
        ((DATASET, "/no/such/file.csv"), {"user": "admin"}, "无法读取文件"),
    ],
)
def test_wrong_arguments_are_refused_in_chinese(admin_user, args, options, message):
    with pytest.raises(CommandError, match=message):
        run(*args, **options)


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/no/such/file.csv", "文件不存在"), ("fixtures/samples", "这是一个文件夹")],
)
def test_a_file_that_cannot_be_read_is_explained_in_chinese(admin_user, path, reason):
    with pytest.raises(CommandError, match=f"无法读取文件 {path}：{reason}") as refused:
        run(DATASET, path, user="admin")
    # the operating system's own English words are not passed on
    assert not re.search(r"[A-Za-z]{4,}", str(refused.value).split("：", 1)[-1])
    assert not ImportBatch.objects.exists()


def test_the_dataset_can_be_named_by_its_label(admin_user, tianbo):
    out, _err = run(
        "搬迁户", str(SAMPLES / "projects_households_gbk.csv"), user="admin"
    )
    assert "新增 8 条" in out


def test_a_user_without_the_import_permission_is_refused(make_staff, tianbo):
    make_staff("projects.view_relocationhousehold", username="viewer")

    with pytest.raises(CommandError, match="没有导入“搬迁户”的权限"):
        run(DATASET, str(SAMPLES / "projects_households_gbk.csv"), user="viewer")
    assert not RelocationHousehold.objects.exists()


def test_a_community_worker_cannot_import_another_communitys_rows(make_staff, tianbo):
    # the sample's households are in 练湖新城社区; the worker serves 高楼社区 only
    from devzone.models import Community

    worker = make_staff(*PERMS, username="gaolou")
    profile = StaffProfile.objects.create(user=worker, department="community")
    profile.communities.add(Community.objects.get(name="高楼社区"))

    with pytest.raises(CommandError, match="超出您的管辖范围"):
        run(DATASET, str(SAMPLES / "projects_households_gbk.csv"), user="gaolou")
    assert not RelocationHousehold.objects.exists()


def test_a_malformed_file_is_refused_before_any_row(admin_user, tianbo, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x00garbage")

    with pytest.raises(CommandError, match="无法读取该 Unicode 文本文件"):
        run(DATASET, str(path), user="admin")
    assert not RelocationHousehold.objects.exists()


def test_a_ledger_saved_as_xls_imports_from_the_command_line(admin_user, tianbo):
    ledger = SAMPLES / "ledgers" / "households_ledger_libreoffice.xls"
    out, _ = run(DATASET, str(ledger), user="admin")
    assert "第 1 行为标题，未导入" in out
    assert "第 13 行为合计或落款，未导入" in out
    assert "导入完成：新增 8 条" in out
    assert RelocationHousehold.objects.count() == 8
    assert ImportBatch.objects.get().encoding == "xls"
