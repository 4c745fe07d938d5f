"""The preview table marks the bad cell; 取消导入 discards the upload."""

import re

from django.urls import reverse

from devzone.spreadsheets.uploads import data_path, note_path
from projects.models import RelocationHousehold
from tests.projects.factories import RelocationProjectFactory
from tests.projects.test_import_preview import HOUSEHOLD, household_file
from tests.spreadsheets import confirm, page_text, upload


def test_the_bad_cell_is_marked_with_its_message(admin_client, db):
    project = RelocationProjectFactory()

    preview = upload(
        admin_client, HOUSEHOLD, "h.csv", household_file(project, 5, bad={2})
    )

    html = preview.content.decode()
    marked = re.findall(r'<td class="[^"]*cell-error"[^>]*data-error="([^"]*)"', html)
    assert marked == ["「很多」不是整数。"]
    cell = re.search(r'<td class="[^"]*cell-error"[^>]*>([^<]*)</td>', html).group(1)
    assert cell == "很多"
    assert 'class="import-preview-box"' in html


def test_cancel_discards_the_upload_and_saves_nothing(admin_client, db):
    project = RelocationProjectFactory()
    preview = upload(admin_client, HOUSEHOLD, "h.csv", household_file(project, 3))
    name = preview.context["confirm_form"].initial["import_file_name"]
    assert "取消导入" in page_text(preview)
    assert data_path(name).exists()

    response = admin_client.post(
        reverse("import_cancel"),
        {
            "import_file_name": name,
            "next": reverse(f"admin:{HOUSEHOLD}_import"),
        },
        follow=True,
    )

    assert "已取消导入：上传的文件已删除，没有保存任何数据。" in page_text(response)
    assert response.redirect_chain[-1][0] == reverse(f"admin:{HOUSEHOLD}_import")
    assert not data_path(name).exists() and not note_path(name).exists()
    confirm(admin_client, HOUSEHOLD, preview)
    assert not RelocationHousehold.objects.exists()


def test_only_the_uploader_may_cancel_and_next_stays_on_the_site(
    admin_client, client, make_staff, db
):
    project = RelocationProjectFactory()
    preview = upload(admin_client, HOUSEHOLD, "h.csv", household_file(project, 3))
    name = preview.context["confirm_form"].initial["import_file_name"]
    client.force_login(make_staff(username="other"))

    response = client.post(
        reverse("import_cancel"),
        {"import_file_name": name, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("admin:index")
    assert data_path(name).exists()
