"""The report's files say whose figures they hold: the whole zone or a worker's communities."""

import datetime
import io

from docx import Document
from openpyxl import load_workbook

from devzone import registry
from devzone.reports import annual, documents

TODAY = datetime.date(2022, 1, 10)


class CommunityScope:
    is_whole_zone = False

    def describe(self):
        return "高楼社区、联观村"


def sections():
    figure = registry.Figure(key="t", label="帮扶对象", value=12, unit="户")
    previous = registry.Figure(key="t", label="帮扶对象", value=10, unit="户")
    return [
        annual.Section(
            key="welfare", title="民生福祉", rows=[annual.FigureRow(figure, previous)]
        ),
        annual.Section(key="party", title="党建引领"),
    ]


def test_a_workers_workbook_names_the_communities_it_counts():
    data = documents.report_workbook(
        sections(), year=2021, scope=CommunityScope(), today=TODAY
    ).read()

    sheet = load_workbook(io.BytesIO(data))["民生福祉"]
    assert (
        "统计范围：高楼社区、联观村（按您的管辖范围统计，不是全区数据）"
        in sheet["A2"].value
    )
    assert "生成日期：2022-01-10" in sheet["A2"].value
    assert [c.value for c in sheet[5]] == ["帮扶对象", 12, "户", 10, 2, 0.2]
    assert sheet.freeze_panes == "A5"


def test_a_workers_document_names_the_communities_and_compares_in_words():
    data = documents.report_document(
        sections(), year=2021, scope=CommunityScope(), today=TODAY
    ).read()

    document = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "统计范围：高楼社区、联观村" in text
    assert "帮扶对象 12 户，比上年增加 2 户（20.0%）。" in text
    assert "本年度暂无数据。" in text
    assert document.tables[0].rows[1].cells[3].text == "10"
