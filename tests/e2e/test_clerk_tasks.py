"""A clerk's day, each test one task done in the browser the way staff do it."""

import io
import re

from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from devzone.validators import id_check_character
from governance.models import EnvironmentalCase
from tests.e2e.conftest import PASSWORD, log_in
from welfare.models import WelfareRecipient


def shown_rows(page):
    return page.locator("#result_list tbody tr")


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_desk(page):
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()

    expect(page.locator(".errornote")).to_contain_text(
        re.compile(
            r"用户名、密码或动态口令不正确（区分大小写）。再错 \d 次，该账号将在本机锁定 30 分钟。"
        )
    )

    log_in(page)
    expect(page.locator("h1")).to_contain_text("工作台")
    expect(page.locator("#devzone-reports")).to_contain_text("使用说明")


def test_a_community_worker_adds_a_recipient_after_fixing_the_id(page):
    first17 = "32118119900307052"
    right = first17 + id_check_character(first17)
    wrong = first17 + ("0" if right[-1] != "0" else "1")
    log_in(page, "gaolou")
    page.goto(reverse("admin:welfare_welfarerecipient_add"))

    page.get_by_label("姓名").fill("测试秀英")
    page.get_by_label("身份证号").fill(wrong)
    page.locator(".field-community .select2-selection").click()
    page.locator(".select2-results__option", has_text="高楼社区").click()
    page.get_by_label("帮扶类别").select_option(label="困难户")
    page.get_by_label("致困原因").select_option(label="因病")
    page.get_by_label("认定年度").fill("2021")
    page.get_by_label("认定批次").select_option(label="第二批")
    page.get_by_label("认定日期").fill("2021-09-01")
    page.get_by_role("button", name="保存", exact=True).click()

    error = page.locator(".field-id_number .errorlist")
    expect(error).to_contain_text("校验")
    page.get_by_label("身份证号").fill(right)
    page.get_by_role("button", name="保存", exact=True).click()

    expect(page.locator(".messagelist .success")).to_be_visible()
    row = shown_rows(page).filter(has_text="测试秀英")
    expect(row).to_contain_text(f"{right[:6]}********{right[-4:]}")
    expect(row).not_to_contain_text(right)
    assert WelfareRecipient.objects.filter(id_number=right).exists()


def test_the_households_filtered_on_the_page_are_the_rows_exported(page):
    log_in(page)
    page.goto(reverse("admin:projects_relocationhousehold_changelist"))
    page.locator("#changelist-filter").get_by_role("link", name="已签约").click()
    expect(page.locator("[data-active-filters]")).to_contain_text("搬迁状态：已签约")
    shown = {
        (cells[0], cells[1])
        for cells in (
            row.locator("th, td").all_inner_texts()[1:3]
            for row in shown_rows(page).all()
        )
    }

    page.get_by_role("link", name="导出", exact=True).click()
    expect(page.locator("[data-export-filters]")).to_have_text("搬迁状态：已签约")
    expect(page.locator("[data-export-count]")).to_have_text(str(len(shown)))
    with page.expect_download() as download:
        page.get_by_role("button", name="下载").click()

    assert "已签约" in download.value.suggested_filename
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    headers = [cell.value for cell in sheet[1]]
    name, number = headers.index("户主姓名"), headers.index("身份证号")
    exported = {
        (row[name], row[number]) for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert exported == shown and len(shown) > 0
    money = sheet.cell(2, headers.index("补偿金额（元）") + 1)
    assert money.number_format == "#,##0.00"
    assert sheet.cell(2, headers.index("签约日期") + 1).number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    letter = sheet.cell(1, number + 1).column_letter
    assert sheet.column_dimensions[letter].width >= 18


def test_an_assistance_export_from_the_export_centre_reads_well(page):
    log_in(page)
    url = reverse("reports:export_dataset", args=["welfare.assistancerecord"])
    page.goto(url + "?date_after=2021-01-01&date_before=2021-03-31")
    grouped = page.locator(".preview-row").filter(
        has_text=re.compile(r"\d,\d{3}\.\d\d")
    )
    expect(grouped.first).to_be_visible()

    with page.expect_download() as download:
        page.locator(".download-xlsx").click()

    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["姓名", "身份证号", "帮扶对象类别", "所属村/社区"]
    amount = sheet.cell(2, headers.index("金额（元）") + 1)
    assert amount.number_format == "#,##0.00"
    assert sheet.freeze_panes == "A2"


def test_a_gbk_file_is_previewed_confirmed_and_listed(page):
    log_in(page)
    page.goto(reverse("admin:governance_environmentalcase_import"))
    page.get_by_label("选择文件").set_input_files(
        "fixtures/samples/governance_cases_gbk.csv"
    )
    page.get_by_role("button", name="上传并预览").click()

    expect(page.locator(".import-summary")).to_contain_text("新增 3 条")
    expect(page.locator("table.import-preview")).to_contain_text("云阳路早市占道经营")
    expect(page.locator("table.import-preview")).not_to_contain_text("None")
    page.get_by_role("button", name="确认导入").click()

    expect(page.locator(".messagelist .success")).to_contain_text("新增 3 条")
    page.goto(
        reverse("admin:governance_environmentalcase_changelist") + "?q=HJ-2021-900"
    )
    expect(shown_rows(page)).to_have_count(3)


def test_an_import_with_errors_names_each_row_and_saves_nothing(page):
    before = EnvironmentalCase.objects.count()
    log_in(page)
    page.goto(reverse("admin:governance_environmentalcase_import"))
    page.get_by_label("选择文件").set_input_files(
        "fixtures/samples/governance_cases_errors.csv"
    )
    page.get_by_role("button", name="上传并预览").click()

    expect(page.locator("h2").filter(has_text="没有保存任何数据")).to_be_visible()
    errors = page.locator(".import-errors li").all_inner_texts()
    for row in (2, 4, 5, 6, 7):
        assert any(f"第 {row} 行" in line for line in errors), (row, errors)
    assert not any("第 3 行" in line for line in errors)  # 本行正确
    assert all("：" in line for line in errors)  # each with its reason
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert EnvironmentalCase.objects.count() == before


def test_a_report_figure_opens_its_rows_with_the_filter_shown(page):
    log_in(page)
    page.goto(reverse("reports:annual") + "?year=2021")
    figure = page.locator('tr[data-figure="governance.five_star"] a.figure-value')
    count = int(figure.inner_text())

    figure.click()

    expect(shown_rows(page)).to_have_count(count)
    panel = page.locator("#changelist-filter")
    expect(panel.locator("li.selected", has_text="五星级")).to_be_visible()
    expect(panel.locator("li.selected", has_text="2021")).to_be_visible()
    expect(page.locator("[data-active-filters]")).to_contain_text(f"共 {count} 条")


def test_a_sum_names_the_rows_it_was_added_from(page):
    log_in(page)
    page.goto(reverse("reports:annual") + "?year=2021")
    served = page.locator('tr[data-figure="governance.people_served"]')
    rows = int(re.search(r"\d+", served.locator("a.figure-rows").inner_text())[0])
    total = served.locator(".figure-value").inner_text()

    served.locator("a.figure-rows").click()

    expect(page.locator("[data-active-filters]")).to_contain_text(f"共 {rows} 条")
    expect(page.locator(".changelist-totals")).to_contain_text(f"服务群众 {total} 人次")


def test_a_bad_date_in_the_export_centre_is_refused_without_a_download(page):
    log_in(page)
    url = reverse("reports:export_dataset", args=["projects.relocationhousehold"])
    page.goto(url)
    expect(page.get_by_label("签约日期（起）")).to_have_attribute("type", "date")

    response = page.goto(url + "?signed_on_after=2021-02-30")

    assert response.status == 400
    expect(page.locator(".export-filter .errorlist")).to_be_visible()
    expect(page.locator(".download-xlsx, .download-csv")).to_have_count(0)
    page.goto(url + "?signed_on_after=2021年1月1日")
    expect(page.locator(".export-summary")).to_contain_text("签约日期：2021-01-01 起")


def test_a_community_worker_sees_only_their_community(page):
    log_in(page, "gaolou", PASSWORD)
    page.goto(reverse("admin:projects_relocationhousehold_changelist"))

    communities = page.locator("#result_list tbody td.field-project")
    expect(communities.first).to_be_visible()
    page.goto(reverse("admin:welfare_welfarerecipient_changelist"))
    cells = page.locator("#result_list tbody td.field-community").all_inner_texts()
    assert cells and set(cells) == {"高楼社区"}
    choices = page.locator("#changelist-filter details[data-filter-title='村/社区'] li")
    assert set(choices.all_inner_texts()) <= {"全部", "高楼社区"}
    page.goto(reverse("reports:annual") + "?year=2021")
    expect(page.locator("[data-scope]")).to_contain_text("高楼社区")
