"""Every list and the report fit the screen at the office's and a phone's width."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.e2e.chromium import OFFICE, PHONE
from tests.e2e.conftest import log_in

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"
# A field is labelled by a <label>, an aria-label or aria-labelledby.
UNLABELLED = """() => [...document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea')]
  .filter(el => el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !el.closest('label'))
  .map(el => el.name || el.id)"""


RECORD_APPS = {"devzone", "projects", "governance", "welfare"}


def changelists(apps=None):
    return sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if apps is None or model._meta.app_label in apps
    )


@pytest.fixture
def pages():
    return [
        *changelists(),
        reverse("reports:annual") + "?year=2021",
        reverse("reports:export_index"),
        reverse("reports:export_dataset", args=["projects.relocationhousehold"]),
        reverse("admin:projects_relocationhousehold_import"),
        reverse("admin:projects_relocationhousehold_export"),
        reverse("admin:welfare_welfarerecipient_add"),
        reverse("admin:projects_relocationhousehold_add"),
    ]


@pytest.mark.parametrize("size", [OFFICE, PHONE], ids=["1366", "390"])
def test_no_page_scrolls_sideways_and_every_field_has_a_label(page, pages, size):
    log_in(page)
    page.set_viewport_size(size)
    sideways, unlabelled = [], {}
    for url in pages:
        page.goto(url)
        if not page.evaluate(NO_SIDEWAYS_SCROLL):
            sideways.append(url)
        missing = page.evaluate(UNLABELLED)
        if missing:
            unlabelled[url] = missing
    assert sideways == []
    assert unlabelled == {}


def test_lists_show_their_columns_and_fifteen_one_line_rows_at_1366(page):
    log_in(page)
    crowded = {}
    # The records' lists; axes' and auth's are the administrator's tools.
    for url in changelists(RECORD_APPS):
        page.goto(url)
        fit = page.evaluate(
            """() => {
              const table = document.querySelector('.results');
              const rows = [...document.querySelectorAll('#result_list tbody tr')];
              return {
                scrolls: table ? table.scrollWidth > table.clientWidth + 1 : false,
                rows: rows.length,
                onScreen: rows.filter(r => r.getBoundingClientRect().bottom <= innerHeight).length,
                tall: rows.filter(r => r.getBoundingClientRect().height > 34).length,
              };
            }"""
        )
        if fit["scrolls"] or fit["tall"] or fit["onScreen"] < min(15, fit["rows"]):
            crowded[url] = fit
    assert crowded == {}


def test_the_report_prints_on_a4_at_full_width(page):
    log_in(page)
    page.goto(reverse("reports:annual") + "?year=2021")
    page.emulate_media(media="print")

    width = page.evaluate(
        "document.querySelector('.annual-report').getBoundingClientRect().width"
    )
    pdf = page.pdf(format="A4", prefer_css_page_size=True)

    assert width >= 0.95 * page.viewport_size["width"] - 40
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 2
    expect_head = page.locator(".report-head")
    assert "生成日期" in expect_head.inner_text()
