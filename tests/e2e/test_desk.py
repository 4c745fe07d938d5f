"""The worker's desk in the browser: the to-do, a due visit done, the person page."""

import re
import subprocess

from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.chromium import PHONE
from tests.e2e.conftest import log_in
from welfare.demo import PERSON

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


def due_visits(page):
    return page.locator('[data-todo="welfare.due_visit"]')


def test_a_worker_follows_a_due_visit_adds_it_and_the_item_leaves_the_to_do(page):
    # given: the demo worker of 高楼社区 on the 工作台
    log_in(page, "gaolou")
    item = due_visits(page)
    expect(item).to_be_visible()
    before = int(item.locator(".todo-list-link").get_attribute("data-count"))
    expect(item.locator(".todo-records")).to_contain_text(
        "贺小雨（留守儿童·高楼社区·尾号"
    )
    # the list the item links to shows as many recipients as it counts
    item.locator(".todo-list-link").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(before)
    page.go_back()

    # when: they follow the child's link and record today's visit
    due_visits(page).get_by_role(
        "link", name=re.compile(r"^贺小雨（留守儿童·高楼社区·尾号")
    ).click()
    expect(page.locator("h1, h2").first).to_be_visible()
    page.locator("#records-group .add-row a").click()
    row = page.locator("#records-group tr.dynamic-records").last
    row.locator("input[name$='-date']").fill(timezone.localdate().isoformat())
    row.locator("select[name$='-kind']").select_option(label="走访慰问")
    row.locator("textarea[name$='-note']").fill("入户走访，孩子学习生活正常")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    # then: back on the 工作台 the child has left the to-do
    page.goto("/admin/")
    item = due_visits(page)
    after = int(item.locator(".todo-list-link").get_attribute("data-count"))
    assert after == before - 1
    expect(item).not_to_contain_text("贺小雨")


def test_the_person_page_is_found_by_number_and_fits_a_phone(page):
    # given
    log_in(page, "gaolou")
    page.set_viewport_size(PHONE)
    # when: the worker types the full number into the 工作台's search box
    page.get_by_label("身份证号").fill(PERSON["id_number"])
    page.get_by_role("button", name="查看").click()
    # then: one page, every record, the number masked, never in the address
    page.wait_for_url(re.compile(r"/desk/people/[0-9a-f]{64}/$"))
    assert PERSON["id_number"] not in page.url
    expect(page.locator("h1")).to_contain_text("一人一档：汤桂")
    expect(page.locator("[data-person-number]")).to_have_text("321181********8853")
    assert PERSON["id_number"] not in page.content()
    cards = page.locator(".person-card h2")
    expect(cards).to_have_text(
        ["搬迁户：丹桂路南侧地块", "帮扶对象：困难户", "帮扶对象：残疾人"]
    )
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # and it prints as the file alone
    page.emulate_media(media="print")
    expect(page.locator("#header")).to_be_hidden()
    expect(page.locator(".person-card").first).to_be_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    info = subprocess.run(
        ["pdfinfo", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "(A4)" in info


def test_a_list_opens_the_person_page_from_its_own_box(page):
    log_in(page, "gaolou")
    page.goto("/admin/projects/relocationhousehold/")
    page.get_by_label("一人一档（完整身份证号）").fill(PERSON["id_number"])
    page.locator(".person-search-list").get_by_role("button", name="查看").click()
    expect(page.locator("h1")).to_contain_text("一人一档：汤桂")
    # and back from a record of the list
    page.goto("/admin/projects/relocationhousehold/?q=汤桂")
    page.locator("#result_list").get_by_role("link", name="一人一档").first.click()
    expect(page.locator("h1")).to_contain_text("一人一档：汤桂")


def test_the_workbench_and_the_notices_fit_a_phone(page):
    log_in(page, "gaolou")
    page.set_viewport_size(PHONE)
    for url in ["/admin/", "/desk/notices/", "/desk/people/"]:
        page.goto(url)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), url
