"""The annual report as files leaders keep and edit: a formatted XLSX and a Word .docx.

Both are written from ``annual.build_report``'s sections (the figures the page shows)
and say the year, the user's scope and the day they were made.
"""

import io
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from PIL import Image, ImageDraw, ImageFont

from devzone.reports.annual import as_decimal, format_number
from devzone.spreadsheets.cells import escape_formula, xlsx_safe
from devzone.spreadsheets.export import CONTENT_TYPES, XLSX
from devzone.spreadsheets.export.xlsx_file import display_width

NO_PREVIOUS = "—（上年无数据）"
HEADERS = ["指标", "数值", "单位", "上年", "增减", "增减（%）"]
# The Word table's columns: 指标, 数值, 单位, 上年, 增减 (16.6 cm between margins).
TABLE_WIDTHS = [Cm(4.2), Cm(2.6), Cm(2.0), Cm(2.6), Cm(5.2)]
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
# Fonts that hold Chinese for the charts' pictures; the first found is used.
CHART_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "/System/Library/Fonts/PingFang.ttc",
]


def title_of(year):
    return _("%(year)s 年度工作报告") % {"year": year}


def scope_text(scope):
    """Return the report's scope in words: the whole zone, or the user's communities."""
    if scope is None or scope.is_whole_zone:
        return _("统计范围：全区数据")
    return _("统计范围：%(communities)s（按您的管辖范围统计，不是全区数据）") % {
        "communities": scope.describe()
    }


def meta_text(year, scope, today):
    return " · ".join(
        [
            _("统计年度：%(year)s 年") % {"year": year},
            scope_text(scope),
            _("生成日期：%(date)s") % {"date": f"{today:%Y-%m-%d}"},
        ]
    )


def number_format(decimals):
    return "#,##0" if not decimals else "#,##0." + "0" * decimals


def rounded(number, decimals):
    if number is None:
        return None
    return float(number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP))


def comparison(row):
    """Return (previous, change, change ratio) of a figure row; None where unknown."""
    previous = as_decimal(row.previous_value)
    change = row.change
    ratio = change / previous if change is not None and previous else None
    return previous, change, ratio


def safe_text(value):
    return xlsx_safe(escape_formula(str(value)))


# The workbook. ---------------------------------------------------------------------


def report_workbook(sections, *, year, scope, today):
    """Return a temporary file holding the report: a title block, a sheet a section."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    for section in sections:
        sheet = workbook.create_sheet(title=xlsx_safe(section.title)[:31])
        sheet["A1"] = f"{title_of(year)} · {section.title}"
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A2"] = meta_text(year, scope, today)
        sheet["A2"].font = Font(color="555555")
        for column, text in enumerate(HEADERS, start=1):
            cell = sheet.cell(4, column, text)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(
                horizontal="left" if column in (1, 3) else "right"
            )
        widths = [display_width(text) + 4 for text in HEADERS]
        for number, row in enumerate(section.rows, start=5):
            figure = row.figure
            value = as_decimal(figure.value)
            previous, change, ratio = comparison(row)
            fmt = number_format(figure.decimals)
            cells = [
                (safe_text(figure.label), None),
                (
                    rounded(value, figure.decimals)
                    if value is not None
                    else (None if figure.value is None else safe_text(figure.value)),
                    fmt,
                ),
                (safe_text(figure.unit), None),
                (
                    rounded(previous, figure.decimals)
                    if previous is not None
                    else NO_PREVIOUS,
                    fmt,
                ),
                (rounded(change, figure.decimals), f"+{fmt};-{fmt};0"),
                (float(ratio) if ratio is not None else None, "+0.0%;-0.0%;0.0%"),
            ]
            for column, (cell_value, cell_format) in enumerate(cells, start=1):
                cell = sheet.cell(number, column, cell_value)
                if cell_format and isinstance(cell_value, float):
                    cell.number_format = cell_format
                if isinstance(cell_value, str) and column > 1:
                    cell.alignment = Alignment(
                        horizontal="right" if column > 3 else "left"
                    )
                shown = shown_text(cell_value, figure.decimals, column)
                widths[column - 1] = max(widths[column - 1], display_width(shown) + 3)
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = min(width, 60)
        sheet.freeze_panes = "A5"
        sheet.print_options.gridLines = True
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 2**20)  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return spool


def shown_text(value, decimals, column):
    if value is None:
        return ""
    if isinstance(value, float):
        if column == 6:
            return f"{value:+.1%}"
        return "+" * (column == 5) + format_number(Decimal(repr(value)), decimals)
    return str(value)


# The Word document. ----------------------------------------------------------------


def change_words(row):
    """Return "比上年增加 3 个（+2.5%）", or the reason there is no comparison."""
    previous, change, ratio = comparison(row)
    if previous is None:
        return _("上年无数据")
    if change is None:
        return ""
    if change == 0:
        return _("与上年持平")
    amount = format_number(abs(change), row.figure.decimals)
    words = _("比上年增加") if change > 0 else _("比上年减少")
    text = f"{words} {amount} {row.figure.unit}"
    if ratio is not None:
        text += f"（{format_number(ratio * 100, 1)}%）".replace("（-", "（−")
    return text


def sentence(row):
    """Return a figure as a sentence: "四星级党支部 130 个，比上年增加 5 个（4.0%）。"."""
    figure = row.figure
    value = format_number(figure.value, figure.decimals)
    words = change_words(row)
    return (
        f"{figure.label} {value} {figure.unit}" + (f"，{words}" if words else "") + "。"
    )


def set_chinese_font(document):
    style = document.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(11)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "宋体")
    for name in ("Title", "Heading 1", "Heading 2"):
        heading = document.styles[name]
        heading_fonts = heading.element.get_or_add_rPr().get_or_add_rFonts()
        heading_fonts.set(qn("w:eastAsia"), "黑体")


def add_page_numbers(section):
    """Write "第 N 页" in the footer, N a PAGE field that Word and LibreOffice fill."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(_("第 "))
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(_(" 页"))


def add_table(document, rows):
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADERS[:5], strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        figure = row.figure
        previous, change, ratio = comparison(row)
        change_text = ""
        if change is not None:
            change_text = ("+" if change > 0 else "") + format_number(
                change, figure.decimals
            )
            if ratio is not None:
                change_text += (
                    f"（{'+' if ratio > 0 else ''}{format_number(ratio * 100, 1)}%）"
                )
        cells = table.add_row().cells
        values = [
            str(figure.label),
            format_number(figure.value, figure.decimals),
            str(figure.unit),
            NO_PREVIOUS
            if previous is None
            else format_number(previous, figure.decimals),
            change_text,
        ]
        for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.text = text
            if index in (1, 3, 4):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table.autofit = False
    for column, width in zip(table.columns, TABLE_WIDTHS, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, TABLE_WIDTHS, strict=True):
            cell.width = width


def chart_font(size):
    for path in [getattr(settings, "DEVZONE_CHART_FONT", ""), *CHART_FONTS]:
        if path and Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def chart_picture(view):
    """Return a laid-out chart as PNG bytes (Pillow): a label, a bar and a value a row."""
    scale = 2  # drawn at twice the size, for print
    label_width, bar_width, value_width = 220, 420, 150
    row_height, top = 34, 48
    width = label_width + bar_width + value_width
    height = top + row_height * max(len(view.bars), 1) + 12
    image = Image.new("RGB", (width * scale, height * scale), "white")
    draw = ImageDraw.Draw(image)
    font = chart_font(14 * scale)
    title = str(view.chart.title)
    draw.text((8 * scale, 10 * scale), title, fill="#222222", font=chart_font(32))
    widest = max((bar.width for bar in view.bars), default=0) or 1
    unit = f" {view.chart.unit}" if view.chart.unit else ""
    for index, bar in enumerate(view.bars):
        y = (top + index * row_height) * scale
        draw.text((8 * scale, y + 4 * scale), bar.label[:14], fill="#333", font=font)
        length = bar_width * scale * bar.width // widest
        left = label_width * scale
        draw.rectangle(
            (left, y + 4 * scale, left + length, y + 26 * scale), fill="#417690"
        )
        draw.text(
            (left + length + 8 * scale, y + 4 * scale),
            bar.value_text + unit,
            fill="#333",
            font=font,
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return out


def report_document(sections, *, year, scope, today):
    """Return the report as a .docx: headings, sentences, tables, charts, page numbers."""
    document = Document()
    set_chinese_font(document)
    page = document.sections[0]
    page.left_margin = page.right_margin = Cm(2.2)
    add_page_numbers(page)
    document.add_heading(title_of(year), level=0)
    document.add_paragraph(meta_text(year, scope, today))
    for section in sections:
        document.add_heading(section.title, level=1)
        if not section.rows:
            document.add_paragraph(_("本年度暂无数据。"))
            continue
        document.add_paragraph("".join(sentence(row) for row in section.rows))
        add_table(document, section.rows)
        for view in section.charts:
            document.add_picture(chart_picture(view), width=Cm(15))
    out = io.BytesIO()
    document.save(out)
    out.seek(0)
    return out


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WRITERS = {
    "xlsx": (report_workbook, CONTENT_TYPES[XLSX]),
    "docx": (report_document, DOCX_TYPE),
}
