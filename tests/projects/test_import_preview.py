"""The import preview of a large household file, and the progress of its confirmation."""

import json

from django.test import Client
from django.urls import reverse

from devzone.spreadsheets import runs as spreadsheet_runs
from devzone.spreadsheets.uploads import progress_path, upload_progress_save
from projects.models import RelocationHousehold
from tests.projects.factories import RelocationProjectFactory, id_number
from tests.spreadsheets import (
    confirm,
    csv_bytes,
    error_items,
    page_text,
    preview_cells,
    upload,
)

HOUSEHOLD = "projects_relocationhousehold"
HEADER = [
    "搬迁项目",
    "户主姓名",
    "身份证号",
    "联系电话",
    "所属村/社区",
    "家庭人口（人）",
    "搬迁面积（平方米）",
    "补偿金额（元）",
    "搬迁状态",
    "签约日期",
    "安置方式",
]


def household_file(project, count, bad=()):
    """Return a CSV of ``count`` households; the rows at the indexes ``bad`` are wrong."""
    rows = [
        [
            project.name,
            f"户主{i}",
            id_number(i),
            f"139{i:08d}",
            project.community.name,
            "很多" if i in bad else str(1 + i % 6),
            f"{80 + i % 400}.50",
            str(100000 + i),
            "已签约",
            "2021-03-16",
            "产权调换",
        ]
        for i in range(count)
    ]
    return csv_bytes([HEADER, *rows])


def progress_url(name):
    return reverse(f"admin:{HOUSEHOLD}_import_progress", args=[name])


def test_preview_of_5000_rows_shows_counts_then_errors_then_a_page_of_rows(
    admin_client, db
):
    # given a 5,000-row file with a wrong cell on three rows (file rows 52, 1202, 4002)
    project = RelocationProjectFactory()
    data = household_file(project, 5000, bad={50, 1200, 4000})

    # when it is previewed
    preview = upload(admin_client, HOUSEHOLD, "households.csv", data)

    # then the page gives the counts, every error with its row, then 100 rows
    html = preview.content.decode()
    text = page_text(preview)
    assert "共 5000 行：新增 4997 条，更新 0 条，未变 0 条，有误 3 条" in text
    assert error_items(preview) == [
        "第 52、1202、4002 行 · 家庭人口（人）：「很多」不是整数。"
    ]
    assert html.index("import-errors") < html.index('class="import-preview"')
    rows = preview_cells(preview, columns=4)
    assert len(rows) == 100
    assert rows[0] == ["2", "新增", project.name, "户主0"]
    assert rows[50] == ["52", "有误", project.name, "户主50"]
    assert rows[-1] == ["101", "新增", project.name, "户主99"]
    assert "以下只显示前 100 行" in text
    assert "confirm_form" not in preview.context
    assert not RelocationHousehold.objects.exists()


def test_preview_masks_the_files_numbers_for_a_user_without_the_permission(
    staff_client, db
):
    project = RelocationProjectFactory()
    client = staff_client(
        "projects.view_relocationhousehold",
        "projects.add_relocationhousehold",
        "projects.change_relocationhousehold",
        "projects.import_relocationhousehold",
    )

    preview = upload(client, HOUSEHOLD, "h.csv", household_file(project, 3))

    content = preview.content.decode()
    assert id_number(1) not in content and "13900000001" not in content
    assert preview_cells(preview, columns=6)[1] == [
        "3",
        "新增",
        project.name,
        "户主1",
        id_number(1)[:6] + "********" + id_number(1)[-4:],
        "139****0001",
    ]


def test_a_refused_rows_cells_are_masked_too(staff_client, db):
    # given a user without the permission and a file whose second row is wrong
    project = RelocationProjectFactory()
    client = staff_client(
        "projects.view_relocationhousehold",
        "projects.add_relocationhousehold",
        "projects.import_relocationhousehold",
    )

    preview = upload(client, HOUSEHOLD, "h.csv", household_file(project, 3, bad={1}))

    # then the refused row is listed as 有误, its numbers masked like the others
    assert error_items(preview) == ["第 3 行 · 家庭人口（人）：「很多」不是整数。"]
    assert [row[:2] for row in preview_cells(preview)] == [
        ["2", "新增"],
        ["3", "有误"],
        ["4", "新增"],
    ]
    assert preview_cells(preview, columns=6)[1][4:] == [
        id_number(1)[:6] + "********" + id_number(1)[-4:],
        "139****0001",
    ]
    assert id_number(1) not in preview.content.decode()


def test_confirm_page_polls_the_uploads_progress(admin_client, db):
    project = RelocationProjectFactory()

    preview = upload(admin_client, HOUSEHOLD, "h.csv", household_file(project, 3))

    name = preview.context["confirm_form"].initial["import_file_name"]
    html = preview.content.decode()
    assert f'data-progress="{progress_url(name)}"' in html
    assert "devzone/import_progress.js" in html
    assert "<progress" in html


def test_progress_is_shown_to_the_uploader_only(admin_client, django_user_model, db):
    # given an upload previewed by the admin, being confirmed
    project = RelocationProjectFactory()
    preview = upload(admin_client, HOUSEHOLD, "h.csv", household_file(project, 3))
    name = preview.context["confirm_form"].initial["import_file_name"]
    upload_progress_save(name, done=1000, total=3000)

    # then its uploader reads how far it has come
    response = admin_client.get(progress_url(name))
    assert response.status_code == 200
    assert response.json() == {"done": 1000, "total": 3000}

    # and another importer, or a name that was never uploaded, finds nothing
    other = Client()
    other.force_login(
        django_user_model.objects.create_superuser("other", "o@example.com", "x")
    )
    assert other.get(progress_url(name)).status_code == 404
    assert admin_client.get(progress_url("0" * 32)).status_code == 404
    assert admin_client.get(progress_url("not-a-name")).status_code == 404


def test_progress_is_written_during_a_confirmation_and_removed_after(
    admin_client, monkeypatch, db
):
    # given a previewed file of 5 rows
    project = RelocationProjectFactory()
    preview = upload(admin_client, HOUSEHOLD, "h.csv", household_file(project, 5))
    name = preview.context["confirm_form"].initial["import_file_name"]
    assert not progress_path(name).exists()  # the preview reports none
    seen = []

    def save(upload_name, *, done, total):
        upload_progress_save(upload_name, done=done, total=total)
        seen.append(json.loads(progress_path(upload_name).read_text()))

    monkeypatch.setattr(spreadsheet_runs, "upload_progress_save", save)

    # when it is confirmed
    done = confirm(admin_client, HOUSEHOLD, preview)

    # then the progress file said how far it had come, and is gone with the upload
    assert done.status_code == 302
    assert RelocationHousehold.objects.count() == 5
    # from none of the 5 rows to all of them, never going back
    assert seen[0] == {"done": 0, "total": 5}
    assert seen[-1] == {"done": 5, "total": 5}
    assert len(seen) >= 3
    assert all(seen[i]["done"] <= seen[i + 1]["done"] for i in range(len(seen) - 1))
    assert {step["total"] for step in seen} == {5}
    assert not progress_path(name).exists()
    assert admin_client.get(progress_url(name)).status_code == 404
