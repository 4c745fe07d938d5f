"""The 2021 annual report from the demo data shows the review's figures (DOMAIN.md).

Each figure is read from the rendered page; each figure's link is followed to the
admin changelist, which must show exactly the rows the figure counts.
"""

import io
import operator
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

pytestmark = pytest.mark.usefixtures("demo_data")

REPORT = reverse("reports:annual")


def close_below(value, target):
    """ "近2万": within 10 % under the target."""
    return target * Decimal("0.9") <= value < target


# (figure key, comparison, expected value, unit) — DOMAIN.md's table for 2021.
# "800多", "40余次", "300余起" read as more than; "近2万" as just under.
EXPECTED = [
    # party
    ("governance.five_star", operator.eq, "4", "个"),
    ("governance.four_star", operator.eq, "130", "个"),
    ("governance.volunteer_teams", operator.eq, "42", "支"),
    ("governance.volunteer_activities", operator.gt, "800", "场次"),
    ("governance.people_served", close_below, "20000", "人次"),
    # projects
    ("projects.key_industrial", operator.eq, "50", "个"),
    ("projects.key_continued", operator.eq, "20", "个"),
    ("projects.key_new", operator.eq, "30", "个"),
    ("projects.key_province", operator.eq, "3", "个"),
    ("projects.key_zhenjiang", operator.eq, "26", "个"),
    # relocation
    ("projects.relocation_projects", operator.eq, "5", "个"),
    ("projects.relocation_households", operator.eq, "162", "户"),
    ("projects.relocation_area", operator.eq, "20.46", "万平方米"),
    # environment
    ("governance.cityscape", operator.gt, "40", "次"),
    ("governance.street_vending", operator.gt, "300", "起"),
    ("governance.muck_transport", operator.eq, "21", "件"),
    ("governance.construction_site", operator.eq, "6", "处"),
    ("governance.rivers", operator.eq, "10", "条"),
    # welfare
    ("welfare.difficulty_second_batch", operator.eq, "110", "户"),
    ("welfare.home_care_share", operator.ge, "90", "%"),
    # development
    ("development.deals_signed", operator.eq, "22", "个"),
    ("development.deals_signed_total", operator.eq, "179.50", "亿元"),
    ("development.deals_50_plus", operator.eq, "1", "个"),
    ("development.deals_30_50", operator.eq, "1", "个"),
    ("development.deals_foreign", operator.eq, "4", "个"),
    ("development.deals_mature", operator.eq, "15", "个"),
    ("development.deals_mature_total", operator.eq, "100.81", "亿元"),
    # indicators
    ("indicator.一般公共预算收入", operator.eq, "19.81", "亿元"),
    ("indicator.规模以上工业总产值", operator.eq, "395.40", "亿元"),
    ("indicator.固定资产投入", operator.eq, "59.60", "亿元"),
    ("indicator.制造业投资", operator.eq, "37.00", "亿元"),
    ("indicator.实际利用外资", operator.eq, "6042", "万美元"),
    ("indicator.农村改厕", operator.eq, "3403", "户"),
    ("indicator.专利授权", operator.eq, "1420", "件"),
]

SECTION_OF = {
    "governance.five_star": "party",
    "projects.key_industrial": "projects",
    "governance.rivers": "environment",
    "welfare.difficulty_second_batch": "welfare",
    "development.deals_signed": "development",
}


def figures_on_page(response):
    """Return {key: (value text, unit, href, section)} read from the report's HTML."""
    html = response.content.decode()
    found = {}
    for section, body in re.findall(
        r'<section class="report-section" id="section-[^"]+" data-section="([^"]+)">'
        r"(.*?)</section>",
        html,
        re.S,
    ):
        for key, row in re.findall(
            r'<tr class="figure" data-figure="([^"]+)">(.*?)</tr>', body, re.S
        ):
            value = re.search(r'class="figure-value"[^>]*>([^<]*)<', row)
            # A count links its value; a sum links "查看 N 条记录" beside its label.
            link = re.search(r'<a class="figure-(?:value|rows)" href="([^"]+)"', row)
            unit = re.search(r'<td class="unit">([^<]*)</td>', row).group(1)
            found[key] = (
                value.group(1).strip(),
                unit,
                link.group(1).replace("&amp;", "&"),
                section,
            )
    return found


@pytest.fixture
def report_2021(admin_client):
    return admin_client.get(REPORT, {"year": 2021})


def test_the_report_opens_on_2021(admin_client):
    response = admin_client.get(REPORT)

    assert response.context["year"] == 2021


@pytest.mark.parametrize(
    ("key", "compare", "expected", "unit"),
    EXPECTED,
    ids=[row[0] for row in EXPECTED],
)
def test_the_2021_report_shows_the_reviews_figure(
    report_2021, key, compare, expected, unit
):
    figures = figures_on_page(report_2021)

    assert key in figures, f"{key} is not on the 2021 report"
    text, shown_unit, _href, _section = figures[key]
    assert compare(Decimal(text.replace(",", "")), Decimal(expected)), (
        f"{key}: {text} vs {expected}"
    )
    assert shown_unit == unit


def test_money_in_yi_yuan_shows_two_decimals(report_2021):
    figures = figures_on_page(report_2021)

    yi_yuan = [text for text, unit, _h, _s in figures.values() if unit == "亿元"]
    assert len(yi_yuan) >= 6
    assert all(re.fullmatch(r"-?\d+\.\d\d", text) for text in yi_yuan)


@pytest.mark.parametrize(("key", "section"), sorted(SECTION_OF.items()))
def test_each_apps_figures_sit_in_their_section(report_2021, key, section):
    assert figures_on_page(report_2021)[key][3] == section


def test_every_figure_links_to_a_changelist_showing_its_rows(admin_client, report_2021):
    rows = {
        row.figure.key: row.figure.rows
        for section in report_2021.context["sections"]
        for row in section.rows
    }
    figures = figures_on_page(report_2021)
    assert set(figures) == set(rows)
    assert len(figures) >= len(EXPECTED)

    mismatches = []
    for key, (_text, _unit, href, _section) in figures.items():
        response = admin_client.get(href)
        assert response.status_code == 200, f"{key}: {href}"
        shown = response.context["cl"].result_count
        if rows[key] is None or shown != rows[key]:
            mismatches.append(f"{key}: {href} shows {shown}, figure says {rows[key]}")
    assert mismatches == []


def test_charts_render_with_their_bars_labels(report_2021):
    html = report_2021.content.decode()

    charts = re.findall(r'<svg class="bar-chart".*?</svg>', html, re.S)
    labels = {
        label
        for chart in charts
        for label in re.findall(r'class="bar-label">([^<]*)<', chart)
    }
    assert len(charts) >= 4
    assert {"占道经营", "省级", "规模以上工业总产值"} <= labels


def test_year_over_year_change_is_shown_against_2020(report_2021):
    rows = {
        row.figure.key: row
        for section in report_2021.context["sections"]
        for row in section.rows
    }
    changed = [row for row in rows.values() if row.change is not None]

    assert changed, "the demo data holds 2020 records: some figure shows a change"
    for row in changed:
        assert row.change == Decimal(row.figure.value) - Decimal(row.previous.value)


def test_the_2021_report_downloads_as_xlsx(admin_client, report_2021):
    response = admin_client.get(REPORT, {"year": 2021, "format": "xlsx"})

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [
        "党建引领",
        "项目建设",
        "生态环境",
        "民生福祉",
        "发展动能",
    ]
    for section in report_2021.context["sections"]:
        rows = list(workbook[section.title].iter_rows(min_row=5, values_only=True))
        assert [row[0] for row in rows] == [r.figure.label for r in section.rows]
    development = {
        row[0]: row[1:] for row in workbook["发展动能"].iter_rows(values_only=True)
    }
    assert development["签约总额"][:2] == (179.5, "亿元")
    party = {row[0]: row[1] for row in workbook["党建引领"].iter_rows(values_only=True)}
    assert party["五星级党支部"] == 4
    assert party["四星级党支部"] == 130


def test_the_2021_report_downloads_as_a_word_document(admin_client, report_2021):
    response = admin_client.get(REPORT, {"year": 2021, "format": "docx"})

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(".docx")
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings == [s.title for s in report_2021.context["sections"]]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2021 年度工作报告" in text
    assert "统计范围：全区数据" in text
    assert "四星级党支部 130 个" in text
    assert "签约总额 179.50 亿元" in text
    cells = {
        row.cells[0].text: row.cells[1].text
        for table in document.tables
        for row in table.rows
    }
    assert cells["五星级党支部"] == "4"
    assert document.inline_shapes, "the charts are pictures"
    footer = document.sections[0].footer._element.xml
    assert 'w:instr="PAGE"' in footer


def test_every_figures_list_says_how_it_is_filtered(admin_client, report_2021):
    hidden = []
    for key, (_text, _unit, href, _section) in figures_on_page(report_2021).items():
        if "?" not in href:
            continue  # the whole list: nothing to say
        html = admin_client.get(href).content.decode()
        banner = re.search(r"当前筛选：<strong>(.*?)</strong>", html)
        if banner is None or not banner.group(1):
            hidden.append(f"{key}: {href}")
    assert hidden == []


def test_a_sums_link_names_the_rows_it_opens(report_2021):
    html = report_2021.content.decode()

    served = re.search(
        r'data-figure="governance.people_served">(.*?)</tr>', html, re.S
    ).group(1)
    assert re.search(r'class="figure-rows"[^>]*>查看 \d+ 条记录<', served)
    assert '<span class="figure-value">19,' in served


def test_every_figures_filter_shows_in_the_lists_panel(admin_client, report_2021):
    # A lookup the panel does not read (category__in, a name) is named by the
    # list's banner instead; every other one must show as a selected filter.
    unshown = []
    for key, (_text, _unit, href, _section) in figures_on_page(report_2021).items():
        query = parse_qs(urlsplit(href).query)
        changelist = admin_client.get(href).context["cl"]
        read = {
            name for spec in changelist.filter_specs for name in spec.used_parameters
        }
        if changelist.date_hierarchy:
            read |= {
                f"{changelist.date_hierarchy}__{part}"
                for part in ("year", "month", "day")
            }
        for name in query:
            if name not in read and not name.endswith("__in") and name != "name":
                unshown.append(f"{key}: {name}")
    assert unshown == []
