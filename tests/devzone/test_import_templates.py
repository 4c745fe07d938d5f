"""Each import offers its template and says, column by column, what it needs."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from devzone.models import Community
from tests.spreadsheets import confirm, error_items, page_text, upload

IMPORTS = [
    "devzone_community",
    "projects_relocationhousehold",
    "governance_environmentalcase",
    "welfare_welfarerecipient",
    "welfare_assistancerecord",
]


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.parametrize("admin_name", IMPORTS)
def test_every_import_offers_a_template_with_headers_example_and_rules(
    admin_client, admin_name
):
    page = admin_client.get(reverse(f"admin:{admin_name}_import"))
    template_url = reverse(f"admin:{admin_name}_import_template")

    response = admin_client.get(template_url)

    assert f'href="{template_url}"' in page.content.decode()
    assert "下载模板" in page_text(page)
    assert response["Content-Disposition"].startswith("attachment")
    book = workbook(response)
    data, rules = book["数据"], book["填写说明"]
    headers = [cell.value for cell in data[1]]
    assert headers and all(headers)
    assert data.max_row == 2  # the header and one example row
    described = {row[0] for row in rules.iter_rows(min_row=5, values_only=True)}
    assert described == set(headers)
    required = [
        row[0] for row in rules.iter_rows(min_row=5, values_only=True) if row[1]
    ]
    assert required and all(column in page_text(page) for column in required)


def test_the_id_number_column_says_how_to_keep_it_intact(admin_client):
    response = admin_client.get(
        reverse("admin:welfare_welfarerecipient_import_template")
    )

    book = workbook(response)
    rules = {
        row[0]: row[2]
        for row in book["填写说明"].iter_rows(min_row=5, values_only=True)
    }
    assert "校验码" in rules["身份证号"] and "文本" in rules["身份证号"]
    example = book["数据"][2][[c.value for c in book["数据"][1]].index("身份证号")]
    assert example.value.startswith("321181") and len(example.value) == 18


def test_the_template_needs_the_import_permission(staff_client):
    client = staff_client("devzone.view_community")

    response = client.get(reverse("admin:devzone_community_import_template"))

    assert response.status_code == 403


def test_the_format_is_read_from_the_file_name_not_asked(admin_client):
    data = Path("fixtures/samples/communities_gbk.csv").read_bytes()
    url = reverse("admin:devzone_community_import")

    form = admin_client.get(url).content.decode()
    preview = admin_client.post(
        url, {"import_file": SimpleUploadedFile("村.csv", data), "resource": 0}
    )
    wrong = admin_client.post(
        url, {"import_file": SimpleUploadedFile("村.pdf", data), "resource": 0}
    )

    assert ">---<" not in form
    assert preview.context["confirm_form"] is not None
    confirm(admin_client, "devzone_community", preview)
    assert Community.objects.count() > 0
    assert "只能导入 XLSX、XLS、ODS、CSV 或文本文件" in page_text(wrong)


def test_import_forms_show_progress_and_cannot_be_sent_twice(admin_client):
    html = admin_client.get(reverse("admin:devzone_community_import")).content.decode()

    assert "data-busy" in html and "正在处理…" in html
    assert "devzone/busy.js" in html


@pytest.mark.parametrize(
    "admin_name", ["welfare_welfarerecipient", "projects_relocationhousehold"]
)
def test_an_untouched_template_is_refused_on_its_example_row(admin_client, admin_name):
    # given the template as downloaded, example row and all
    template = admin_client.get(reverse(f"admin:{admin_name}_import_template"))

    # when it is uploaded as it is
    preview = upload(admin_client, admin_name, "模板.xlsx", b"".join(template))

    # then the example row is refused by its row number, and nothing imports
    assert any(
        item.startswith("第 2 行") and "这是模板的示例行，请删除" in item
        for item in error_items(preview)
    ), error_items(preview)
    assert "confirm_form" not in preview.context
