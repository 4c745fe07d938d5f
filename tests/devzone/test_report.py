"""The annual report (年度工作报告) on devzone's own records and test registrations."""

import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.urls import reverse
from openpyxl import load_workbook

from devzone import registry
from devzone.models import AnnualIndicator, Community
from devzone.registry import Chart, Figure, ReportContribution
from devzone.reports import annual
from tests.spreadsheets import page_text
from welfare import reports as welfare_reports

REPORT = reverse("reports:annual")


@pytest.fixture
def only_zone_contributions(monkeypatch):
    """Keep the report to the figures drawn from devzone's models (and a test's)."""
    zone = [
        c
        for c in registry.report_contributions
        if c.figures.__module__ == "devzone.reports.zone_figures"
        or c.figures is welfare_reports.home_care_figures
    ]
    monkeypatch.setattr(registry, "report_contributions", zone)
    return zone


@pytest.fixture
def indicators(db):
    rows = [
        ("一般公共预算收入", "19.81", "亿元"),
        ("规模以上工业总产值", "395.4", "亿元"),
        ("实际利用外资", "6042", "万美元"),
        ("专利授权", "1420", "件"),
    ]
    for name, value, unit in rows:
        AnnualIndicator.objects.create(
            year=2021, name=name, value=Decimal(value), unit=unit
        )


@pytest.fixture
def communities(db):
    for index, has_centre in enumerate([True, True, False]):
        Community.objects.create(
            name=f"测试村{index}", kind="village", has_home_care_center=has_centre
        )


def figure_cells(response):
    """Return {figure key: {"value", "href", "unit", "previous", "change"}}."""
    html = response.content.decode()
    figures = {}
    for key, body in re.findall(
        r'<tr class="figure" data-figure="([^"]+)">(.*?)</tr>', html, re.S
    ):
        link = re.search(
            r'<(?:a|span) class="figure-value"(?: href="([^"]*)")?[^>]*>([^<]*)<', body
        )
        cells = dict(
            re.findall(
                r'<td class="(?:number )?(unit|previous|change)">([^<]*)</td>', body
            )
        )
        # A sum's link is beside its label: "查看 N 条记录".
        rows_link = re.search(r'<a class="figure-rows" href="([^"]*)"', body)
        href = link.group(1) or (rows_link.group(1) if rows_link else "")
        figures[key] = {
            "href": href.replace("&amp;", "&"),
            "value": link.group(2).strip(),
            **{name: text.strip() for name, text in cells.items()},
        }
    return figures


def superuser_client(client):
    user = get_user_model().objects.create_superuser("chief", password="pw-for-tests")
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(REPORT)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("admin:login")


def test_a_non_staff_user_is_sent_to_the_login_page(client, db):
    user = get_user_model().objects.create_user("resident", password="pw-for-tests")
    client.force_login(user)

    response = client.get(REPORT)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("admin:login")


def test_admin_index_links_to_the_report_and_the_export_centre(staff_client):
    response = staff_client().get(reverse("admin:index"))

    html = response.content.decode()
    assert f'href="{REPORT}"' in html
    assert "年度工作报告" in html
    assert f'href="{reverse("reports:export_index")}"' in html
    assert "数据导出" in html
    assert f'href="{reverse("reports:export_history")}"' in html


def test_report_opens_on_the_latest_year_with_records(
    staff_client, indicators, only_zone_contributions
):
    AnnualIndicator.objects.create(
        year=2019, name="专利授权", value=Decimal(900), unit="件"
    )

    response = staff_client().get(REPORT)

    assert response.status_code == 200
    assert "2021 年度工作报告" in page_text(response)
    assert response.context["year"] == 2021
    assert response.context["years"] == [2021, 2019]


def test_report_shows_the_five_sections_in_the_reviews_order(
    staff_client, indicators, only_zone_contributions
):
    response = staff_client().get(REPORT)

    titles = re.findall(r"<h2>\d、(\S+)</h2>", response.content.decode())
    assert titles == ["党建引领", "项目建设", "生态环境", "民生福祉", "发展动能"]


def test_indicators_show_in_development_with_yi_yuan_to_two_decimals(
    staff_client, indicators, only_zone_contributions
):
    response = staff_client().get(REPORT, {"year": 2021})

    figures = figure_cells(response)
    assert figures["indicator.一般公共预算收入"]["value"] == "19.81"
    assert figures["indicator.一般公共预算收入"]["unit"] == "亿元"
    assert figures["indicator.规模以上工业总产值"]["value"] == "395.40"
    assert figures["indicator.实际利用外资"]["value"] == "6,042"
    assert figures["indicator.实际利用外资"]["unit"] == "万美元"
    assert figures["indicator.专利授权"]["value"] == "1,420"
    development = response.context["sections"][-1]
    assert development.key == "development"
    assert {row.figure.key for row in development.rows} == set(
        key for key in figures if key.startswith("indicator.")
    )


def test_every_figure_links_to_a_changelist_showing_its_rows(
    client, indicators, communities, only_zone_contributions
):
    client = superuser_client(client)
    response = client.get(REPORT, {"year": 2021})

    figures = figure_cells(response)
    rows = {
        row.figure.key: row.figure.rows
        for s in response.context["sections"]
        for row in s.rows
    }
    assert len(figures) == 6
    for key, cells in figures.items():
        changelist = client.get(cells["href"])
        assert changelist.status_code == 200, key
        assert changelist.context["cl"].result_count == rows[key], key
    indicator = client.get(figures["indicator.专利授权"]["href"])
    assert [obj.name for obj in indicator.context["cl"].result_list] == ["专利授权"]


def test_home_care_share_counts_communities_with_a_centre(
    staff_client, communities, only_zone_contributions
):
    response = staff_client("devzone.view_community").get(REPORT, {"year": 2021})

    figures = figure_cells(response)
    share = figures["welfare.home_care_share"]
    assert share["value"] == "66.7"
    assert share["unit"] == "%"
    assert share["href"].endswith("?has_home_care_center__exact=1")
    assert share["change"] == ""  # the present state: no year-over-year change
    welfare = next(s for s in response.context["sections"] if s.key == "welfare")
    assert welfare.rows[0].figure.rows == 2


def test_year_over_year_change_shows_where_last_year_has_records(
    staff_client, indicators, only_zone_contributions
):
    AnnualIndicator.objects.create(
        year=2020, name="一般公共预算收入", value=Decimal("18"), unit="亿元"
    )

    response = staff_client().get(REPORT, {"year": 2021})

    figures = figure_cells(response)
    revenue = figures["indicator.一般公共预算收入"]
    assert revenue["previous"] == "18.00"
    assert revenue["change"] == "+1.81（+10.1%）"
    # An indicator 2020 did not record has nothing to compare with.
    assert figures["indicator.专利授权"]["previous"] == "—（上年无数据）"
    assert figures["indicator.专利授权"]["change"] == ""


def test_no_change_is_shown_when_last_year_has_no_records(
    staff_client, indicators, only_zone_contributions
):
    response = staff_client().get(REPORT, {"year": 2021})

    figures = figure_cells(response)
    assert all(cells["change"] == "" for cells in figures.values())
    assert all(cells["previous"] == "—（上年无数据）" for cells in figures.values())


def test_last_year_of_zeros_counts_as_no_records(staff_client, monkeypatch, db):
    def figures(year, scope):
        value = 0 if year == 2020 else 5
        return [
            Figure(key="t.count", label="测试计数", value=value, unit="个", rows=value)
        ]

    monkeypatch.setattr(
        registry,
        "report_contributions",
        [ReportContribution(section="party", figures=figures, years=lambda: [2021])],
    )

    response = staff_client().get(REPORT)

    cells = figure_cells(response)["t.count"]
    assert cells["value"] == "5"
    assert cells["previous"] == "—（上年无数据）"
    assert cells["change"] == ""


def test_a_decrease_is_shown_with_its_sign(staff_client, monkeypatch, db):
    def figures(year, scope):
        value = {2021: 8, 2020: 10}[year]
        return [Figure(key="t.count", label="测试计数", value=value, unit="个")]

    monkeypatch.setattr(
        registry,
        "report_contributions",
        [ReportContribution(section="projects", figures=figures, years=lambda: [2021])],
    )

    response = staff_client().get(REPORT)

    cells = figure_cells(response)["t.count"]
    assert cells["previous"] == "10"
    assert cells["change"] == "-2（-20.0%）"


def test_an_apps_contribution_appears_in_its_own_section(staff_client, monkeypatch, db):
    contribution = ReportContribution(
        section="environment",
        figures=lambda year, scope: [
            Figure(
                key="test.rivers",
                label="覆盖河道",
                value=10,
                unit="条",
                url=f"/admin/governance/environmentalcase/?opened_on__year={year}",
                rows=10,
            )
        ],
        years=lambda: [2022],
    )
    monkeypatch.setattr(registry, "report_contributions", [contribution])

    response = staff_client("governance.view_environmentalcase").get(REPORT)

    environment = response.context["sections"][2]
    assert environment.title == "生态环境"
    assert [row.figure.key for row in environment.rows] == ["test.rivers"]
    assert figure_cells(response)["test.rivers"]["href"] == (
        "/admin/governance/environmentalcase/?opened_on__year=2022"
    )
    assert all(
        not s.rows for s in response.context["sections"] if s.key != "environment"
    )
    assert "本部分暂无数据。" in page_text(response)


def test_a_new_section_needs_no_edit_in_devzone(
    staff_client, monkeypatch, only_zone_contributions
):
    # given an app that registers a section of its own
    monkeypatch.setattr(registry, "report_sections", dict(registry.report_sections))
    registry.register_section(registry.ReportSection("sports", "全民健身", order=45))
    only_zone_contributions.append(
        ReportContribution(
            section="sports",
            figures=lambda year, scope: [
                Figure(key="test.pitches", label="新建球场", value=3, unit="个")
            ],
        )
    )
    # then the report shows it between 民生福祉 and 发展动能
    response = staff_client().get(REPORT, {"year": 2021})
    titles = [section.title for section in response.context["sections"]]
    assert titles[-3:] == ["民生福祉", "全民健身", "发展动能"]
    assert "新建球场" in page_text(response)


def test_charts_render_as_svg_with_their_bars_labels(
    staff_client, indicators, only_zone_contributions
):
    response = staff_client().get(REPORT, {"year": 2021})

    html = response.content.decode()
    svg = re.search(r'<svg class="bar-chart".*?</svg>', html, re.S).group(0)
    assert "主要经济指标（亿元）" in svg
    labels = re.findall(r'class="bar-label">([^<]*)</text>', svg)
    assert labels == ["规模以上工业总产值", "一般公共预算收入"]
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[0] > widths[1] > 0
    assert "<script" not in html.split("</header>")[-1]


def test_chart_labels_are_escaped(staff_client, monkeypatch, db):
    hostile = '<script>alert("x")</script>'
    monkeypatch.setattr(
        registry,
        "report_contributions",
        [
            ReportContribution(
                section="party",
                figures=lambda year, scope: [],
                charts=lambda year, scope: [
                    Chart(key="t", title=hostile, data=[(hostile, 3), ("普通", 1)])
                ],
                years=lambda: [2021],
            )
        ],
    )

    response = staff_client().get(REPORT)

    html = response.content.decode()
    assert hostile not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert ">普通</text>" in html


def test_report_uses_a_print_stylesheet_for_a4(staff_client, indicators):
    response = staff_client().get(REPORT)

    html = response.content.decode()
    assert re.search(r'<link rel="stylesheet" href="[^"]*devzone/reports\.css"', html)
    with open(finders.find("devzone/reports.css"), encoding="utf-8") as stylesheet:
        css = stylesheet.read()
    assert re.search(r"@page \{\s*size: A4;", css)
    assert 'counter(page) " 页 / 共 " counter(pages)' in css
    assert "@media print" in css
    assert "#header" in css.split("@media print")[1]


def test_report_downloads_as_xlsx_one_sheet_per_section(
    staff_client, indicators, only_zone_contributions
):
    AnnualIndicator.objects.create(
        year=2020, name="一般公共预算收入", value=Decimal("18"), unit="亿元"
    )

    response = staff_client().get(REPORT, {"year": 2021, "format": "xlsx"})

    assert response.status_code == 200
    assert (
        "%E5%B9%B4%E5%BA%A6%E5%B7%A5%E4%BD%9C%E6%8A%A5%E5%91%8A_2021_"
        in response["Content-Disposition"]
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [
        "党建引领",
        "项目建设",
        "生态环境",
        "民生福祉",
        "发展动能",
    ]
    sheet = workbook["发展动能"]
    assert sheet["A1"].value == "2021 年度工作报告 · 发展动能"
    assert "统计年度：2021 年" in sheet["A2"].value
    assert "统计范围：全区数据" in sheet["A2"].value
    assert "生成日期：" in sheet["A2"].value
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert rows[0] == ("指标", "数值", "单位", "上年", "增减", "增减（%）")
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["一般公共预算收入"][:4] == (19.81, "亿元", 18.0, 1.81)
    assert by_label["一般公共预算收入"][4] == pytest.approx(1.81 / 18)
    assert by_label["规模以上工业总产值"] == (
        395.4,
        "亿元",
        "—（上年无数据）",
        None,
        None,
    )
    revenue = next(
        row for row in sheet.iter_rows(min_row=5) if row[0].value == "一般公共预算收入"
    )
    assert revenue[1].number_format == "#,##0.00"
    assert revenue[5].number_format.startswith("+0.0%")
    assert sheet.column_dimensions["A"].width >= 2 * len("规模以上工业总产值")
    assert list(workbook["党建引领"].iter_rows(min_row=4, values_only=True)) == [
        rows[0]
    ]


def test_xlsx_report_escapes_formula_labels(staff_client, monkeypatch, db):
    monkeypatch.setattr(
        registry,
        "report_contributions",
        [
            ReportContribution(
                section="party",
                figures=lambda year, scope: [
                    Figure(key="t", label="=HYPERLINK(1)", value=1, unit="个")
                ],
                years=lambda: [2021],
            )
        ],
    )

    response = staff_client().get(REPORT, {"format": "xlsx"})

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook["党建引领"]["A5"].value == "'=HYPERLINK(1)"


@pytest.mark.parametrize("year", ["abc", "1999", "20211"])
def test_an_invalid_year_is_refused_with_a_message(staff_client, year, db):
    response = staff_client().get(REPORT, {"year": year})

    assert response.status_code == 400
    assert "年度：" in page_text(response)
    html = response.content.decode()
    assert 'class="report-title"' not in html
    assert 'class="report-section"' not in html


def test_without_any_records_the_report_opens_on_the_current_year(
    staff_client, only_zone_contributions
):
    response = staff_client().get(REPORT)

    assert response.status_code == 200
    assert response.context["year"] == annual.default_year()
    assert page_text(response).count("本部分暂无数据。") == 5


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (Decimal("19.8100"), 2, "19.81"),
        (Decimal("395.4"), 2, "395.40"),
        (Decimal("2.005"), 2, "2.01"),
        (162, 0, "162"),
        (Decimal("4015366.004"), 2, "4,015,366.00"),
        (0.1 + 0.2, 2, "0.30"),
        (None, 0, "—"),
    ],
)
def test_figures_are_formatted_with_fixed_decimals(value, decimals, text):
    assert annual.format_number(value, decimals) == text


def test_an_unknown_report_format_is_refused(staff_client, indicators):
    response = staff_client().get(REPORT, {"year": 2021, "format": "pdf"})

    assert response.status_code == 400
    assert "格式：" in page_text(response)


def test_a_figure_without_a_number_still_reaches_the_workbook(
    staff_client, monkeypatch, db
):
    monkeypatch.setattr(
        registry,
        "report_contributions",
        [
            ReportContribution(
                section="party",
                figures=lambda year, scope: [
                    Figure(key="t.text", label="文字", value="+好", unit=""),
                    Figure(key="t.none", label="暂无", value=None, unit="个"),
                ],
                years=lambda: [2021],
            )
        ],
    )

    page = staff_client().get(REPORT)
    response = staff_client(username="other").get(REPORT, {"format": "xlsx"})

    assert [cells["value"] for cells in figure_cells(page).values()] == ["+好", "—"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["党建引领"].iter_rows(min_row=5, values_only=True))
    assert rows == [
        ("文字", "'+好", None, "—（上年无数据）", None, None),
        ("暂无", None, "个", "—（上年无数据）", None, None),
    ]


def test_the_staff_guide_is_shown_with_its_screenshots(staff_client):
    client = staff_client()

    guide = client.get(reverse("reports:guide"))
    shot = client.get(reverse("reports:guide_screenshot", args=["index.png"]))
    probe = client.get(reverse("reports:guide_screenshot", args=["..%2Fsettings.py"]))

    html = guide.content.decode()
    assert (
        "<h2" in html and "导入表格" in html and 'src="screenshots/index.png"' in html
    )
    assert shot["Content-Type"] == "image/png"
    assert probe.status_code == 404


def test_a_worker_is_linked_only_to_lists_they_may_open(staff_client, indicators):
    # given a worker who may read welfare recipients and nothing else
    client = staff_client("welfare.view_welfarerecipient")

    figures = figure_cells(client.get(REPORT, {"year": 2021}))

    # then every figure still shows its value, and every link it offers opens
    linked = {key: cells["href"] for key, cells in figures.items() if cells["href"]}
    assert "welfare.difficulty_second_batch" in linked
    assert sorted(key for key in linked if not key.startswith("welfare.")) == []
    assert figures["indicator.专利授权"]["value"] == "1,420"
    for key, href in linked.items():
        assert client.get(href).status_code == 200, key
