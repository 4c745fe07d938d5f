"""Imports as batches: what the log records, undoing one, and uploads kept to their owner."""

import hashlib
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from devzone.models import Community, ImportBatch
from tests.factories import CommunityFactory
from tests.spreadsheets import (
    confirm,
    csv_bytes,
    error_items,
    page_text,
    upload,
    xlsx_bytes,
)
from tests.welfare.factories import WelfareRecipientFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path("fixtures/samples")
COMMUNITY = "devzone_community"
BATCHES = "admin:devzone_importbatch_changelist"
HEADER = ["名称", "类型", "统计用区划代码", "建成居家养老服务中心"]
UNDOER = (
    "devzone.view_importbatch",
    "devzone.undo_importbatch",
    "devzone.view_community",
    "devzone.change_community",
    "devzone.delete_community",
)


@pytest.fixture(autouse=True)
def upload_folder(settings, tmp_path):
    """Give each test its own upload folder, to see what is left in it."""
    settings.DEVZONE_UPLOAD_DIR = tmp_path / "uploads"
    return settings.DEVZONE_UPLOAD_DIR


@pytest.fixture
def login(make_staff):
    """Return a function logging a new client in as a staff user with ``perms``."""

    def log_in(*perms, username):
        client = Client()
        client.force_login(make_staff(*perms, username=username))
        return client

    return log_in


@pytest.fixture
def village():
    """普善村 as it stood before the import: no code, no home-care centre."""
    return CommunityFactory(
        name="普善村", kind="village", statistical_code="", has_home_care_center=False
    )


def preview_of(client, rows, name="c.csv"):
    preview = upload(client, COMMUNITY, name, csv_bytes([HEADER, *rows]))
    assert "confirm_form" in preview.context, error_items(preview)
    return preview


def import_rows(client, rows, name="c.csv"):
    response = confirm(client, COMMUNITY, preview_of(client, rows, name), follow=True)
    assert "导入完成" in page_text(response)
    return ImportBatch.objects.latest("pk")


def undo(client, batch):
    """Undo through the confirmation page's button."""
    return client.post(
        reverse(BATCHES),
        {"action": "undo", "_selected_action": [batch.pk], "post": "yes"},
        follow=True,
    )


def communities():
    return sorted(
        Community.objects.values_list(
            "name", "statistical_code", "has_home_care_center"
        )
    )


def left_in(folder):
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


# The log -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "encoding"),
    [
        ("communities_gbk.csv", "gb18030"),
        ("communities_utf8_bom.csv", "utf-8-sig"),
        ("communities.xlsx", "xlsx"),
    ],
)
def test_confirmed_import_is_logged_with_file_hash_encoding_and_counts(
    admin_client, admin_user, sample, encoding
):
    data = (SAMPLES / sample).read_bytes()
    preview = upload(admin_client, COMMUNITY, sample, data)
    # the confirm form's file name is tampered with on the way back
    form = dict(preview.context["confirm_form"].initial, original_file_name="x.csv")

    response = admin_client.post(
        reverse(f"admin:{COMMUNITY}_process_import"), form, follow=True
    )

    assert "导入完成：新增 4 条，更新 0 条，未变 0 条。" in page_text(response)
    batch = ImportBatch.objects.get()
    assert batch.user == admin_user
    assert batch.file_name == sample
    assert batch.file_hash == hashlib.sha256(data).hexdigest()
    assert batch.encoding == encoding
    assert (batch.dataset, batch.model) == ("村/社区", "devzone.community")
    assert (batch.new_count, batch.update_count, batch.skip_count) == (4, 0, 0)
    assert batch.status == ImportBatch.Status.DONE
    # and the import log lists it as uploaded
    listing = page_text(admin_client.get(reverse(BATCHES)))
    assert sample in listing and "已导入" in listing


def test_counts_of_an_update_and_an_unchanged_row(admin_client, village):
    CommunityFactory(name="联观村", kind="village")

    import_rows(admin_client, [["普善村", "村", "", "是"], ["联观村", "村", "", "否"]])

    batch = ImportBatch.objects.get()
    assert (batch.new_count, batch.update_count, batch.skip_count) == (0, 1, 1)


# Undo ----------------------------------------------------------------------------------


def test_undo_removes_created_records_and_restores_updated_ones(
    admin_client, login, village
):
    # given an import that updated 普善村 and created 胡桥村
    batch = import_rows(
        admin_client,
        [["普善村", "村", "321181400210", "是"], ["胡桥村", "村", "", "否"]],
    )
    undoer = login(*UNDOER, username="undoer")

    # when a user allowed to undo imports undoes it
    response = undo(undoer, batch)

    # then the file's changes are gone and the batch says so
    text = page_text(response)
    assert f"已撤销导入批次 #{batch.pk}：恢复 1 条，删除新增的 1 条。" in text
    assert communities() == [("普善村", "", False)]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert batch.undone_by.username == "undoer"
    assert batch.undone_at is not None
    assert "已撤销" in page_text(undoer.get(reverse(BATCHES)))
    # and the history tells the undo: who, and which batch
    restored = Community.history.filter(id=village.pk).latest("history_id")
    assert restored.history_user.username == "undoer"
    assert restored.history_change_reason == f"撤销导入批次 #{batch.pk}"
    history = page_text(
        undoer.get(reverse("admin:devzone_community_history", args=[village.pk]))
    )
    assert f"撤销导入批次 #{batch.pk}" in history
    assert "统计用区划代码 ：321181400210 → （空）" in history
    removed = Community.history.filter(name="胡桥村").latest("history_id")
    assert removed.history_type == "-"
    assert removed.history_user.username == "undoer"


def test_undo_first_shows_what_it_will_restore_and_remove(admin_client, login, village):
    # given an import that updated 普善村 and created 胡桥村
    batch = import_rows(
        admin_client,
        [["普善村", "村", "321181400210", "是"], ["胡桥村", "村", "", "否"]],
    )
    undoer = login(*UNDOER, username="undoer")

    # when the undoer chooses 撤销导入 in the list's actions
    page = undoer.post(
        reverse(BATCHES), {"action": "undo", "_selected_action": [batch.pk]}
    )

    # then a page lists both records, with a button, and nothing has changed yet
    text = page_text(page)
    assert "恢复为导入前的内容：1 条 普善村" in text
    assert "删除这次导入新增的记录：1 条 胡桥村" in text
    assert 'value="确认撤销"' in page.content.decode()
    assert communities() == [("普善村", "321181400210", True), ("胡桥村", "", False)]
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE


def test_the_batch_page_has_human_labels_and_an_undo_button(
    admin_client, login, village
):
    batch = import_rows(admin_client, [["普善村", "村", "321181400210", "是"]])
    undoer = login(*UNDOER, username="undoer")

    page = undoer.get(reverse("admin:devzone_importbatch_change", args=[batch.pk]))
    listing = page_text(undoer.get(reverse(BATCHES)))

    text = page_text(page)
    assert "记录类型 ： 村/社区" in text or "记录类型: 村/社区" in text
    assert "devzone.community" not in text
    assert "撤销导入…" in text
    assert reverse("admin:auth_user_change", args=[batch.user.pk]) not in (
        page.content.decode()
    )
    assert "批次号" in listing and "PK" not in listing


def test_the_import_done_message_links_to_its_batch(admin_client, village):
    preview = preview_of(admin_client, [["普善村", "村", "321181400210", "是"]])

    response = confirm(admin_client, COMMUNITY, preview, follow=True)

    batch = ImportBatch.objects.get()
    link = reverse("admin:devzone_importbatch_change", args=[batch.pk])
    assert f'href="{link}"' in response.content.decode()
    assert f"查看导入批次 #{batch.pk}" in page_text(response)


def test_undo_is_refused_whole_when_a_record_was_edited_since(admin_client, login):
    # given an import of two villages, one of which was edited afterwards
    batch = import_rows(
        admin_client, [["胡桥村", "村", "", "否"], ["黄荻村", "村", "", "否"]]
    )
    edited = Community.objects.get(name="黄荻村")
    edited.has_home_care_center = True
    edited.save()
    undoer = login(*UNDOER, username="undoer")

    # when the import is undone
    response = undo(undoer, batch)

    # then nothing changes, and the conflict is named
    text = page_text(response)
    assert f"无法撤销导入批次 #{batch.pk}，没有做任何改动。请先处理下列记录：" in text
    assert "“黄荻村”在导入后已被修改或删除" in text
    assert "胡桥村" not in text.split("没有做任何改动。")[1]
    # each conflicting record is a link to it
    assert f'href="{reverse("admin:devzone_community_change", args=[edited.pk])}"' in (
        response.content.decode()
    )
    assert communities() == [("胡桥村", "", False), ("黄荻村", "", True)]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE


def test_undo_is_refused_when_a_created_record_was_deleted_since(admin_client, login):
    batch = import_rows(
        admin_client, [["胡桥村", "村", "", "否"], ["黄荻村", "村", "", "否"]]
    )
    Community.objects.get(name="黄荻村").delete()

    text = page_text(undo(login(*UNDOER, username="undoer"), batch))

    assert "“黄荻村”在导入后已被修改或删除" in text
    assert communities() == [("胡桥村", "", False)]
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE


def test_undo_is_refused_whole_when_a_created_record_is_now_in_use(
    admin_client, login, village
):
    # given an import that created 胡桥村 and updated 普善村, and a recipient since
    # registered in 胡桥村
    batch = import_rows(
        admin_client,
        [["胡桥村", "村", "", "否"], ["普善村", "村", "321181400210", "是"]],
    )
    recipient = WelfareRecipientFactory(community=Community.objects.get(name="胡桥村"))
    undoer = login(*UNDOER, "welfare.view_welfarerecipient", username="undoer")

    # when the undo is asked for, and then confirmed anyway
    asked = undoer.post(
        reverse(BATCHES), {"action": "undo", "_selected_action": [batch.pk]}
    )
    response = undo(undoer, batch)

    # then both pages name the recipient, as a link to its page, and nothing changed
    for page in (asked, response):
        text = page_text(page)
        assert f"无法撤销导入批次 #{batch.pk}，没有做任何改动" in text
        assert f"帮扶对象“{recipient}”引用了导入新增的“胡桥村”" in text
        assert "确认撤销" not in text
        link = reverse("admin:welfare_welfarerecipient_change", args=[recipient.pk])
        assert f'href="{link}"' in page.content.decode()
    assert communities() == [("普善村", "321181400210", True), ("胡桥村", "", False)]
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE
    assert not Community.history.filter(history_user__username="undoer").exists()


def test_a_blocker_the_undoer_may_not_open_is_named_without_a_link(admin_client, login):
    # given a created village now holding a recipient, and an undoer of 村/社区
    # who may not open 帮扶对象
    batch = import_rows(admin_client, [["胡桥村", "村", "", "否"]])
    recipient = WelfareRecipientFactory(community=Community.objects.get(name="胡桥村"))

    response = undo(login(*UNDOER, username="undoer"), batch)

    text = page_text(response)
    assert f"帮扶对象“{recipient}”引用了导入新增的“胡桥村”" in text
    assert "您无权打开这条记录，请联系负责它的同事" in text
    link = reverse("admin:welfare_welfarerecipient_change", args=[recipient.pk])
    assert link not in response.content.decode()
    assert Community.objects.filter(name="胡桥村").exists()


def test_a_staff_profile_assigned_to_a_created_village_blocks_the_undo(
    admin_client, login, make_staff
):
    # given a created village since assigned to a community worker (many-to-many)
    from devzone.models import StaffProfile

    batch = import_rows(admin_client, [["胡桥村", "村", "", "否"]])
    worker = make_staff(username="worker")
    worker.first_name = "赵敏"
    worker.save()
    StaffProfile.objects.create(user=worker, department="community").communities.add(
        Community.objects.get(name="胡桥村")
    )

    response = undo(admin_client, batch)

    text = page_text(response)
    assert "工作人员“赵敏”引用了导入新增的“胡桥村”" in text
    profile = StaffProfile.objects.get(user=worker)
    link = reverse("admin:devzone_staffprofile_change", args=[profile.pk])
    assert f'href="{link}"' in response.content.decode()
    assert StaffProfile.objects.get(user=worker).communities.count() == 1


def test_undo_is_refused_whole_when_a_restored_value_is_now_taken(
    admin_client, login, village
):
    # given an import that created 胡桥村 and moved 普善村 to a new code, after
    # which another village took 普善村's old code
    village.statistical_code = "321181400210"
    village.save()
    batch = import_rows(
        admin_client,
        [["胡桥村", "村", "", "否"], ["普善村", "村", "321181400299", "否"]],
    )
    CommunityFactory(name="联观村", statistical_code="321181400210")

    text = page_text(undo(login(*UNDOER, username="undoer"), batch))

    assert "无法撤销：恢复后的数据与现有记录冲突" in text
    assert "没有做任何改动" in text
    assert communities() == [
        ("普善村", "321181400299", False),
        ("联观村", "321181400210", False),
        ("胡桥村", "", False),
    ]
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE


def test_undo_twice_is_refused(admin_client, login, village):
    batch = import_rows(admin_client, [["普善村", "村", "321181400210", "是"]])
    undoer = login(*UNDOER, username="undoer")
    undo(undoer, batch)
    # someone sets the code again by hand after the undo
    village.refresh_from_db()
    village.statistical_code = "321181400299"
    village.save()

    response = undo(undoer, batch)

    assert "这个导入批次已经撤销过了。" in page_text(response)
    assert communities() == [("普善村", "321181400299", False)]


def test_undo_of_an_update_to_a_record_older_than_the_trail_is_refused(
    admin_client, login
):
    # given a village saved before the change trail existed: it has no history, so
    # its values before an import are known nowhere
    Community.objects.bulk_create([Community(name="普善村", kind="village")])
    batch = import_rows(admin_client, [["普善村", "村", "321181400210", "是"]])
    undoer = login(*UNDOER, username="undoer")

    # when the import is undone
    response = undo(undoer, batch)

    # then it is refused with the record named (not a server error), nothing changed
    text = page_text(response)
    assert f"无法撤销导入批次 #{batch.pk}" in text
    assert "普善村" in text.split(f"无法撤销导入批次 #{batch.pk}")[1]
    assert communities() == [("普善村", "321181400210", True)]
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE


def test_undo_is_not_offered_without_the_permission(admin_client, login, village):
    batch = import_rows(admin_client, [["普善村", "村", "321181400210", "是"]])
    reader = login(
        "devzone.view_importbatch",
        "devzone.change_community",
        "devzone.delete_community",
        username="reader",
    )

    listing = reader.get(reverse(BATCHES))
    response = undo(reader, batch)

    assert "撤销导入" not in listing.content.decode()
    assert "已撤销导入批次" not in page_text(response)
    assert communities() == [("普善村", "321181400210", True)]
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE


def test_undo_needs_change_and_delete_of_the_records(admin_client, login, village):
    batch = import_rows(admin_client, [["普善村", "村", "321181400210", "是"]])
    # (changing communities lets the undoer see the batch, deleting them they may not)
    undoer = login(
        "devzone.view_importbatch",
        "devzone.undo_importbatch",
        "devzone.change_community",
        username="undoer",
    )

    assert "撤销导入" in undoer.get(reverse(BATCHES)).content.decode()
    response = undo(undoer, batch)

    assert response.status_code == 403
    assert communities() == [("普善村", "321181400210", True)]
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE


def test_a_community_worker_cannot_undo_records_outside_their_scope(
    admin_client, login, make_staff
):
    from devzone.models import StaffProfile

    own = CommunityFactory(name="高楼社区", kind="community")
    batch = import_rows(admin_client, [["胡桥村", "村", "", "否"]])
    worker = make_staff(*UNDOER, username="worker")
    StaffProfile.objects.create(user=worker, department="community").communities.add(
        own
    )
    client = Client()
    client.force_login(worker)

    text = page_text(undo(client, batch))

    assert "超出您的管辖范围" in text
    assert Community.objects.filter(name="胡桥村").exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE


# Uploads -------------------------------------------------------------------------------


def test_another_user_cannot_confirm_someone_elses_upload(admin_client, login):
    # given a preview by the admin
    preview = preview_of(admin_client, [["胡桥村", "村", "", "否"]])
    form = preview.context["confirm_form"].initial
    intruder = login("devzone.view_community", "devzone.import_community", username="x")

    # when another user confirms with the admin's upload name
    response = intruder.post(
        reverse(f"admin:{COMMUNITY}_process_import"), form, follow=True
    )

    # then it is refused and nothing is saved
    assert "找不到这次上传的文件" in page_text(response)
    assert not Community.objects.exists()
    assert not ImportBatch.objects.exists()
    # and the admin's own confirmation still works
    done = confirm(admin_client, COMMUNITY, preview, follow=True)
    assert "导入完成：新增 1 条" in page_text(done)
    assert ImportBatch.objects.get().user.username == "admin"


def test_an_upload_name_that_was_never_issued_is_refused(admin_client):
    preview = preview_of(admin_client, [["胡桥村", "村", "", "否"]])
    form = dict(
        preview.context["confirm_form"].initial,
        import_file_name="5f2b0c9e8d7a6b5c4d3e2f1a0b9c8d7e",
    )

    response = admin_client.post(
        reverse(f"admin:{COMMUNITY}_process_import"), form, follow=True
    )

    assert "找不到这次上传的文件" in page_text(response)
    assert not Community.objects.exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/etc/passwd", "", "../uploads/" + "0" * 32]
)
def test_a_forged_upload_path_is_refused_and_reads_nothing(admin_client, name):
    preview = preview_of(admin_client, [["胡桥村", "村", "", "否"]])
    form = dict(preview.context["confirm_form"].initial, import_file_name=name)

    response = admin_client.post(
        reverse(f"admin:{COMMUNITY}_process_import"), form, follow=True
    )

    # refused as an invalid upload: a name is 32 hex digits, never a path
    text = page_text(response)
    assert "上传文件的标识无效，请重新上传文件。" in text
    assert "root:" not in text
    assert not Community.objects.exists()
    assert not ImportBatch.objects.exists()


def test_upload_is_deleted_after_the_confirmation(admin_client, upload_folder):
    preview = preview_of(admin_client, [["胡桥村", "村", "", "否"]])
    assert len(left_in(upload_folder)) == 2  # the file and its note

    confirm(admin_client, COMMUNITY, preview)

    assert Community.objects.filter(name="胡桥村").exists()
    assert left_in(upload_folder) == []


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes([HEADER, ["胡桥村", "镇", "", "否"]]),  # a bad row
        csv_bytes([["名称", "负责人"], ["胡桥村", "张三"]]),  # an unknown column
        xlsx_bytes([HEADER, ["胡桥村", "村", "123", "否"]]),
    ],
)
def test_upload_is_deleted_after_a_preview_with_errors(
    admin_client, upload_folder, data
):
    name = "c.xlsx" if data[:2] == b"PK" else "c.csv"
    preview = upload(admin_client, COMMUNITY, name, data)

    assert "confirm_form" not in preview.context
    assert "没有保存任何数据" in page_text(preview) or "无法识别的列" in page_text(
        preview
    )
    assert left_in(upload_folder) == []


def test_upload_is_deleted_after_a_refused_confirmation(admin_client, upload_folder):
    preview = preview_of(admin_client, [["胡桥村", "村", "", "否"]])
    CommunityFactory(name="胡桥村")

    confirm(admin_client, COMMUNITY, preview)

    assert left_in(upload_folder) == []


# Stale previews ------------------------------------------------------------------------


def test_confirm_after_someone_edited_a_previewed_record_is_refused(
    admin_client, village
):
    # given a preview that updates 普善村 (row 3) and creates 胡桥村 (row 2)
    preview = preview_of(
        admin_client,
        [["胡桥村", "村", "", "否"], ["普善村", "村", "321181400210", "是"]],
    )
    # when someone else edits 普善村 before the confirmation
    village.statistical_code = "321181400299"
    village.save()
    response = confirm(admin_client, COMMUNITY, preview, follow=True)

    # then the whole file is refused, the row named, and nothing saved
    text = page_text(response)
    assert "导入未执行，没有保存任何数据" in text
    assert "第 3 行 · 整行：预览后该行对应的记录已被他人修改" in text
    assert "第 2 行" not in text
    assert communities() == [("普善村", "321181400299", False)]
    assert not ImportBatch.objects.exists()
    assert not Community.history.filter(import_batch__isnull=False).exists()


def test_confirm_after_a_previewed_record_was_deleted_does_not_recreate_it(
    admin_client, village
):
    preview = preview_of(admin_client, [["普善村", "村", "321181400210", "是"]])
    village.delete()

    text = page_text(confirm(admin_client, COMMUNITY, preview, follow=True))

    assert "第 2 行 · 整行：预览后该行对应的记录已被删除，导入不会重新创建它" in text
    assert not Community.objects.exists()
    assert not ImportBatch.objects.exists()


def test_confirm_after_someone_added_the_record_the_file_creates_is_refused(
    admin_client,
):
    preview = preview_of(admin_client, [["胡桥村", "村", "321181401220", "否"]])
    CommunityFactory(name="胡桥村", kind="village", has_home_care_center=True)

    text = page_text(confirm(admin_client, COMMUNITY, preview, follow=True))

    assert "第 2 行 · 整行：预览后已有人新增了该行对应的记录" in text
    assert communities() == [("胡桥村", "", True)]
    assert not ImportBatch.objects.exists()


def test_confirm_of_an_unchanged_preview_saves(admin_client, village):
    preview = preview_of(admin_client, [["普善村", "村", "321181400210", "是"]])

    text = page_text(confirm(admin_client, COMMUNITY, preview, follow=True))

    assert "导入完成：新增 0 条，更新 1 条，未变 0 条。" in text
    assert communities() == [("普善村", "321181400210", True)]


# All or nothing --------------------------------------------------------------------------


@pytest.fixture
def refused_insert():
    """Make the database refuse a new community named 拒绝村, as a lost race would.

    Return the function that lifts the refusal.
    """
    table = connection.ops.quote_name(Community._meta.db_table)
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute(
                "CREATE FUNCTION devzone_test_refuse() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER devzone_test_refuse BEFORE INSERT ON {table} "
                "FOR EACH ROW WHEN (NEW.name = '拒绝村') "
                "EXECUTE FUNCTION devzone_test_refuse()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER devzone_test_refuse BEFORE INSERT ON {table} "
                "WHEN NEW.name = '拒绝村' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )

    def lift():
        with connection.cursor() as cursor:
            on_table = f" ON {table}" if postgresql else ""
            cursor.execute(f"DROP TRIGGER devzone_test_refuse{on_table}")

    return lift


def test_a_refusal_while_writing_keeps_nothing_not_even_the_batch(
    admin_client, village, refused_insert
):
    # given a preview that updates 普善村 and creates 拒绝村
    rows = [["普善村", "村", "321181400210", "是"], ["拒绝村", "村", "", "否"]]
    preview = preview_of(admin_client, rows)

    # when the database refuses the new row, after the update was written
    response = confirm(admin_client, COMMUNITY, preview, follow=True)

    # then the whole confirmation is undone: the update, its history, the batch
    text = page_text(response)
    assert "导入未执行，没有保存任何数据" in text
    assert "数据库拒绝保存这些数据" in text
    assert communities() == [("普善村", "", False)]
    assert not ImportBatch.objects.exists()
    assert not Community.history.filter(import_batch__isnull=False).exists()
    # and the same file imports whole once the database takes it
    refused_insert()
    assert import_rows(admin_client, rows).new_count == 1
    assert communities() == [("拒绝村", "", False), ("普善村", "321181400210", True)]


def test_each_department_sees_only_the_batches_of_its_own_records(
    admin_client, login, make_staff
):
    # given one import of communities and one of welfare recipients
    import_rows(admin_client, [["胡桥村", "村", "", "否"]], name="村社区名单.csv")
    ImportBatch.objects.create(
        user=make_staff(username="social-clerk"),
        dataset="帮扶对象",
        model="welfare.welfarerecipient",
        file_name="2021第二批低保名单.xlsx",
        new_count=110,
    )
    social = login(
        "devzone.view_importbatch",
        "devzone.undo_importbatch",
        "welfare.change_welfarerecipient",
        username="social",
    )
    party = login(
        "devzone.view_importbatch",
        "devzone.undo_importbatch",
        "governance.change_partybranch",
        username="party",
    )

    # when each opens the import log
    pages = {
        who: page_text(client.get(reverse(BATCHES)))
        for who, client in [
            ("admin", admin_client),
            ("social", social),
            ("party", party),
        ]
    }

    # then a department reads the file names of its own records' imports only
    assert "村社区名单.csv" in pages["admin"]
    assert "2021第二批低保名单.xlsx" in pages["admin"]
    assert "2021第二批低保名单.xlsx" in pages["social"]
    assert "村社区名单.csv" not in pages["social"]
    assert "2021第二批低保名单.xlsx" not in pages["party"]
    assert "村社区名单.csv" not in pages["party"]
    welfare_batch = ImportBatch.objects.get(model="welfare.welfarerecipient")
    response = party.get(
        reverse("admin:devzone_importbatch_change", args=[welfare_batch.pk]),
        follow=True,
    )
    assert "2021第二批低保名单.xlsx" not in page_text(response)
