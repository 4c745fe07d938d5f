"""On site with a phone: a community worker photographs a case before and after,
closes it, and cannot open another community's photos."""

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import EnvironmentalCase
from tests.e2e.chromium import PHONE
from tests.e2e.conftest import log_in
from tests.photo_files import phone_jpeg

ALL_LOADED = """els => els.length > 0 && els.every(
    img => img.complete && img.naturalWidth > 0)"""


def photo(name):
    return {"name": name, "mimeType": "image/jpeg", "buffer": phone_jpeg()}


def open_case(community):
    return (
        EnvironmentalCase.objects.open()
        .filter(
            community__name=community,
            category__in=[
                EnvironmentalCase.Category.STREET_VENDING,
                EnvironmentalCase.Category.CITYSCAPE,
                EnvironmentalCase.Category.WASTE_SORTING,
            ],
        )
        .order_by("case_number")
        .first()
    )


def upload(page, kind, *names, caption=""):
    page.locator("input[name=photo_files]").set_input_files([photo(n) for n in names])
    page.get_by_label("照片类型").select_option(label=kind)
    page.get_by_label("照片说明").fill(caption)
    page.get_by_role("button", name="保存并继续编辑").click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def group(page, kind):
    return page.locator("[data-photo-panel] .devzone-photo-group").filter(
        has=page.get_by_role("heading", name=kind)
    )


def test_a_worker_photographs_a_case_closes_it_and_is_kept_to_their_community(
    page, browser, site
):
    # An office clerk has photographed a case of 联观村.
    other = open_case("联观村")
    log_in(page)
    page.goto(reverse("admin:governance_environmentalcase_change", args=[other.pk]))
    upload(page, "整改前", "lianguan.jpg")
    foreign_url = group(page, "整改前").locator("img").first.get_attribute("src")
    page.context.clear_cookies()

    # A community worker of 高楼社区, on a phone, opens a case of their own.
    page.set_viewport_size(PHONE)
    case = open_case("高楼社区")
    log_in(page, "gaolou")
    page.goto(reverse("admin:governance_environmentalcase_change", args=[case.pk]))
    files = page.locator("input[name=photo_files]")
    assert files.get_attribute("capture") == "environment"
    assert files.get_attribute("accept") == "image/*"
    assert files.get_attribute("multiple") is not None

    # Two photos before the site is put right, at once.
    upload(page, "整改前", "before-1.jpg", "before-2.jpg", caption="占道摊位")
    expect(group(page, "整改前").locator("img")).to_have_count(2)
    expect(group(page, "整改后").locator("img")).to_have_count(0)

    # Closing without a photo after is refused.
    page.get_by_label("状态").select_option(label="已办结")
    page.get_by_label("办结日期").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("整改后")

    # Later, one photo after: then the case closes.
    page.goto(reverse("admin:governance_environmentalcase_change", args=[case.pk]))
    upload(page, "整改后", "after.jpg", caption="已清理")
    page.get_by_label("状态").select_option(label="已办结")
    page.get_by_label("办结日期").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    case.refresh_from_db()
    assert case.status == EnvironmentalCase.Status.CLOSED
    assert case.closed_on == timezone.localdate()

    # The worker sees the photos: 整改前 beside 整改后, every one loaded.
    page.goto(reverse("admin:governance_environmentalcase_change", args=[case.pk]))
    expect(group(page, "整改前").locator("img")).to_have_count(2)
    expect(group(page, "整改后").locator("img")).to_have_count(1)
    page.wait_for_function(
        f"() => ({ALL_LOADED})([...document.querySelectorAll('[data-photo-panel] img')])"
    )
    before_box = group(page, "整改前").bounding_box()
    after_box = group(page, "整改后").bounding_box()
    assert before_box["y"] == after_box["y"]
    assert before_box["x"] + before_box["width"] <= after_box["x"]
    assert after_box["x"] + after_box["width"] <= PHONE["width"]
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")

    # A photo of another community answers 403.
    response = page.request.get(foreign_url)
    assert response.status == 403
    assert response.headers["content-type"].startswith("text/html")
    own = group(page, "整改后").locator("img").first.get_attribute("src")
    response = page.request.get(own)
    assert response.status == 200
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
