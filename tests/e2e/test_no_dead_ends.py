"""A clerk's, a community worker's and a leader's day, without dead ends (issue 23).

Each test is one task done in the browser the way staff do it.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from devzone.models import Area
from governance.models import EnvironmentalCase
from tests.e2e.chromium import OFFICE, PHONE
from tests.e2e.conftest import PASSWORD, give_second_factor, log_in
from welfare.models import AssistanceRecord, WelfareRecipient

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"
CLERK = "shiye"


@pytest.fixture(scope="module")
def clerk(site, django_db_blocker):
    """A 社会事业 clerk (the role's group as setup_roles grants it)."""
    with django_db_blocker.unblock():
        user, _created = get_user_model().objects.get_or_create(
            username=CLERK, defaults={"first_name": "李青", "is_staff": True}
        )
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name="社会事业"))
        give_second_factor(get_user_model().objects.get(pk=user.pk))
    return CLERK


def test_a_clerk_picks_the_right_one_of_two_people_of_one_name(page):
    # given the demo's two 虞桂, both 困难户, of 张巷村 and 祈钦村
    log_in(page)
    page.goto(reverse("admin:welfare_assistancerecord_add"))

    # when the clerk types the name in the recipient picker
    page.locator("#id_recipient + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("虞桂")
    options = page.locator(".select2-results__option")
    expect(options.filter(has_text="祈钦村")).to_have_count(1)

    # then the two entries differ by village and ID tail, and the right one is saved
    texts = options.all_inner_texts()
    assert "虞桂（困难户·张巷村·尾号7648）" in texts
    assert "虞桂（困难户·祈钦村·尾号1658）" in texts
    options.filter(has_text="祈钦村").click()
    page.locator("#id_date").fill("2021-09-01")
    page.get_by_label("帮扶方式").select_option(label="走访慰问")
    page.locator("#id_note").fill("端到端测试：同名者之一")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    record = AssistanceRecord.objects.get(note="端到端测试：同名者之一")
    assert record.recipient.community.name == "祈钦村"


def test_a_workers_report_holds_only_their_scope_and_sets_the_zone_apart(page):
    log_in(page, "gaolou")
    page.goto(reverse("reports:annual") + "?year=2021")

    expect(page.locator("[data-scope]")).to_contain_text("统计范围：高楼社区")
    zone = page.locator("#section-zone")
    expect(zone.locator("h2")).to_contain_text("全区数据")
    expect(zone.locator("[data-zone-note]")).to_contain_text("不按村/社区区分")
    for key in [
        "projects.key_industrial",
        "governance.volunteer_teams",
        "development.deals_signed_total",
    ]:
        expect(zone.locator(f'[data-figure="{key}"]')).to_have_count(1)
    outside = page.locator(".report-section:not(#section-zone) [data-figure]")
    keys = [el.get_attribute("data-figure") for el in outside.all()]
    assert keys and not any(
        key.startswith(("indicator.", "development.", "projects.key_")) for key in keys
    )
    headlines = page.locator(".report-headlines [data-headline]")
    assert not any(
        h.get_attribute("data-headline").startswith(("indicator.", "development."))
        for h in headlines.all()
    )


def test_a_report_year_without_the_year_before_says_so(page):
    log_in(page)
    page.goto(reverse("reports:annual") + "?year=2021")

    row = page.locator('[data-figure="projects.relocation_households"]')
    expect(row.locator(".previous")).to_have_text("—（上年无数据）")
    expect(row.locator(".change")).to_have_text("")
    # on a phone the comparison sits under the value
    page.set_viewport_size(PHONE)
    expect(row.locator(".figure-compare")).to_be_visible()
    expect(row.locator(".figure-compare")).to_contain_text("上年无数据")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


def test_an_import_preview_fits_a_phone_and_marks_the_bad_cell(page):
    log_in(page)
    page.set_viewport_size(PHONE)
    page.goto(reverse("admin:welfare_welfarerecipient_import"))
    page.get_by_label("选择文件").set_input_files(
        "fixtures/samples/welfare_recipients_errors.csv"
    )
    page.get_by_role("button", name="上传并预览").click()

    expect(page.locator("table.import-preview")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    box = page.locator(".import-preview-box")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # scrolls inside
    expect(page.locator("td.cell-error").first).to_be_visible()
    # names and 类别 stay on one line
    heights = page.locator("table.import-preview tbody tr").first.evaluate(
        "tr => [...tr.cells].slice(2, 4).map(td => td.getBoundingClientRect().height)"
    )
    line = page.locator("table.import-preview tbody td").first.evaluate(
        "td => parseFloat(getComputedStyle(td).lineHeight) || 20"
    )
    assert all(height < line * 2 + 12 for height in heights), heights


def test_a_cancelled_preview_saves_nothing(page):
    log_in(page)
    page.goto(reverse("admin:devzone_area_import"))
    page.get_by_label("选择文件").set_input_files(
        {
            "name": "cancel.csv",
            "mimeType": "text/csv",
            "buffer": "名称,控规状态,批复日期,备注\n取消测试片区,编制中,,\n".encode(),
        }
    )
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_role("button", name="取消导入").click()

    expect(page.locator(".messagelist")).to_contain_text("已取消导入")
    assert not Area.objects.filter(name="取消测试片区").exists()


def test_an_import_is_undone_through_its_confirmation_page(page):
    log_in(page)
    page.goto(reverse("admin:devzone_area_import"))
    page.get_by_label("选择文件").set_input_files(
        {
            "name": "undo.csv",
            "mimeType": "text/csv",
            "buffer": "名称,控规状态,批复日期,备注\n撤销测试片区,编制中,,\n".encode(),
        }
    )
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messagelist .success")).to_contain_text("导入完成")

    # the message links to its batch, whose page offers the undo
    page.locator(".messagelist .success a").click()
    expect(page.locator("body")).not_to_contain_text("devzone.area")
    page.get_by_role("button", name="撤销导入…").click()

    # the confirmation page lists the record and changes nothing yet
    expect(page.locator("[data-undo-remove]")).to_contain_text("撤销测试片区")
    assert Area.objects.filter(name="撤销测试片区").exists()
    page.get_by_role("button", name="确认撤销").click()

    expect(page.locator(".messagelist .success")).to_contain_text("删除新增的 1 条")
    assert not Area.objects.filter(name="撤销测试片区").exists()


def test_a_wrong_password_tells_the_tries_left(page):
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill("gaolou")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()

    expect(page.locator(".errornote")).to_have_text(
        re.compile(
            r"^\s*用户名、密码或动态口令不正确（区分大小写）。再错 [1-4] 次，"
            r"该账号将在本机锁定 30 分钟。\s*$"
        )
    )
    log_in(page, "gaolou")  # a success resets the count


def test_another_communitys_record_by_url_says_so_in_chinese(page):
    other = WelfareRecipient.objects.exclude(community__name="高楼社区").first()
    log_in(page, "gaolou")

    for view in ["change", "history"]:
        page.goto(reverse(f"admin:welfare_welfarerecipient_{view}", args=[other.pk]))
        expect(page.locator("#content")).to_contain_text(
            "找不到该记录，或该记录不在您负责的村/社区内"
        )
        expect(page.locator("#content")).not_to_contain_text(other.name)


def test_a_case_saved_without_a_number_is_numbered(page):
    log_in(page, "gaolou")
    page.goto(reverse("admin:governance_environmentalcase_add"))
    expect(page.locator("#id_case_number_helptext, .help").first).to_be_visible()
    page.get_by_label("类别").select_option(label="垃圾分类")
    page.get_by_label("案件名称").fill("端到端测试：未填编号的案件")
    page.locator("#id_community + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("高楼")
    page.locator(".select2-results__option", has_text="高楼社区").click()
    page.get_by_label("立案日期").fill("2021-10-08")
    page.get_by_role("button", name="保存", exact=True).click()

    expect(page.locator(".messagelist .success")).to_contain_text("LJ-2021-")
    case = EnvironmentalCase.objects.get(title="端到端测试：未填编号的案件")
    assert re.fullmatch(r"LJ-2021-\d{4}", case.case_number)


# Every page a clerk reaches reads in Chinese -----------------------------------------

# File formats by their names, as the listed CSV and XLSX.
ALLOWED_LATIN = {"CSV", "XLSX", "XLS", "ODS", "DOCX", "PDF", "ID"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z]+")


def clerk_pages(page):
    """Return the admin pages a clerk reaches from the index, one of each kind."""
    page.goto("/admin/")
    hrefs = page.eval_on_selector_all(
        "#content a[href^='/'], #nav-sidebar a[href^='/'], #user-tools a[href^='/']",
        "els => els.map(a => a.getAttribute('href'))",
    )
    pages = {"/admin/", reverse("reports:annual") + "?year=2021"}
    for href in hrefs:
        pages.add(href.split("#")[0])
    for listing in [h for h in list(pages) if re.fullmatch(r"/admin/\w+/\w+/", h)]:
        page.goto(listing)
        first = page.locator("#result_list tbody tr th a").first
        if first.count():
            change = first.get_attribute("href").split("?")[0]
            pages.update({change, re.sub(r"change/$", "history/", change)})
        pages.update(
            href.split("#")[0]
            for href in page.eval_on_selector_all(
                ".object-tools a[href^='/']",
                "els => els.map(a => a.getAttribute('href'))",
            )
        )
    pages.add(reverse("reports:guide"))
    skipped = ("logout", "download")
    return sorted(p for p in pages if not any(part in p for part in skipped))


@pytest.mark.parametrize("size", [OFFICE, PHONE], ids=["1366", "390"])
def test_no_english_is_left_on_any_page_a_clerk_reaches(page, clerk, size):
    log_in(page, clerk)
    page.set_viewport_size(size)
    found = {}
    for url in clerk_pages(page):
        page.goto(url)
        text = page.locator("body").inner_text()
        words = sorted(set(LATIN_WORD.findall(text)) - ALLOWED_LATIN)
        if words:
            found[url] = words
    assert found == {}, "\n".join(f"{url}: {words}" for url, words in found.items())


def test_on_a_phone_lists_open_with_a_filter_button_and_whole_rows_to_tap(page, clerk):
    log_in(page, clerk)
    page.set_viewport_size(PHONE)
    page.goto(reverse("admin:welfare_welfarerecipient_changelist"))

    button = page.get_by_role("link", name="筛选", exact=True)
    expect(button).to_be_visible()
    assert button.bounding_box()["y"] < PHONE["height"]
    assert button.bounding_box()["height"] >= 32
    # a tap on a cell beside the name opens the record
    row = page.locator("#result_list tbody tr").first
    name = row.locator("th a").bounding_box()
    box = row.bounding_box()
    x = min(name["x"] + name["width"] + 40, PHONE["width"] - 10)
    page.mouse.click(x, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/change/"))

    page.goto(reverse("reports:annual") + "?year=2021")
    links = page.locator("a.figure-value")
    heights = [box["height"] for box in (link.bounding_box() for link in links.all())]
    assert heights and min(heights) >= 32
