"""A ledger as offices keep it: its header row, the names people give columns, footers.

Offices' spreadsheets (台账) put a title and a "单位：万元" line above the header, split
a header over two rows under a group title, number the rows in a 序号 column, write
身份证号码 for 身份证号, and end with 合计 and signature lines. The file is read as it
is (``formats``); here its header is found among its first rows, its column names
matched through their aliases and units, and the rows that are not data set aside,
each reported to the user with its row number.
"""

import re

from django.utils.encoding import force_str

from devzone.spreadsheets.formats import HEADER_SEARCH_ROWS, header_key, is_blank, shown

# The names people write for a column of any dataset, beside the header devzone
# writes. A name one dataset's column alone is written with is declared beside that
# column (``Column(aliases=…)`` in ``spreadsheets.resources``).
COMMON_ALIASES = {
    "身份证号": ["身份证号码", "公民身份号码", "公民身份证号码", "证件号码", "身份证"],
    "联系电话": ["联系方式", "手机号码", "手机号", "电话", "电话号码", "手机"],
    "所属村/社区": [
        "村（社区）",
        "所属社区",
        "村/社区",
        "所属村（社区）",
        "社区",
        "村",
    ],
    "村/社区": ["村（社区）", "所属社区", "所属村/社区", "所属村（社区）", "社区"],
    "姓名": ["名字"],
}

# Columns that number the rows, not data: ignored wherever they stand.
ROW_NUMBER_COLUMNS = {"序号", "编号", "no", "no.", "行号", "序"}

# A row below the data beginning with one of these is a total or a signature line.
FOOTER_WORDS = (
    "合计",
    "小计",
    "总计",
    "填表人",
    "审核人",
    "制表",
    "负责人",
    "说明",
    "注",
)

UNIT = re.compile(
    r"[（(]\s*(?:单位\s*[:：]?\s*)?[^()（）]{0,8}[)）]"
    r"|单位\s*[:：]?\s*(?:万元|元|平方米|亩|人|户|个|%|㎡)"
    r"|(?:万元|平方米|㎡)$"
)


def unit_free_key(text):
    """Return a header's key with its unit left out: 总投资（万元）, 总投资万元 → 总投资."""
    key = header_key(text)
    return UNIT.sub("", key) or key


class HeaderNames:
    """The column names a Resource accepts, with their aliases and units folded.

    ``mapped`` is a user's own reading of names the Resource does not know
    ({folded name: column, or "" for 不导入}, ``spreadsheets.mapping``): it applies
    only to a name nothing else matches, and only as written.
    """

    def __init__(self, columns, aliases=None, mapped=None):
        # columns: {name people may write: column name}
        self.exact: dict[str, str] = {}
        for name, column in columns.items():
            self.exact.setdefault(header_key(name), column)
        for mapping in (COMMON_ALIASES, aliases or {}):
            for column, names in mapping.items():
                if column not in columns.values():
                    continue
                for name in [column, *names]:
                    self.exact.setdefault(header_key(name), column)
        folded: dict[str, set] = {}
        for key, column in self.exact.items():
            folded.setdefault(unit_free_key(key), set()).add(column)
        # A name whose unit alone tells two columns apart is matched only exactly.
        self.folded = {k: c.pop() for k, c in folded.items() if len(c) == 1}
        self.mapped: dict[str, str] = {}
        for key, column in (mapped or {}).items():
            if self.unmapped_column(key) is None and (
                not column or column in columns.values()
            ):
                self.mapped[header_key(key)] = column

    def unmapped_column(self, header):
        """Return the column a header names by the Resource's own names, or None."""
        key = header_key(header)
        return self.exact.get(key) or self.folded.get(unit_free_key(key))

    def column(self, header):
        """Return the column a header names, or None."""
        if is_blank(header):
            return None
        found = self.unmapped_column(header)
        return found or self.mapped.get(header_key(header)) or None

    def is_mapped(self, header):
        """Return True if the header is read by the user's mapping."""
        return not is_blank(header) and header_key(header) in self.mapped

    def is_row_number(self, header):
        return not is_blank(header) and header_key(header) in ROW_NUMBER_COLUMNS

    def is_left_out(self, header):
        """Return True if the column is no data: 序号, or mapped to 不导入."""
        return self.is_row_number(header) or (
            self.is_mapped(header) and not self.mapped[header_key(header)]
        )

    def known(self, header):
        return self.column(header) is not None or self.is_left_out(header)


def fill_right(cells):
    """Return a row with each blank cell holding the text to its left (merged cells)."""
    filled, last = [], None
    for cell in cells:
        if not is_blank(cell):
            last = force_str(cell).strip()
        filled.append(last)
    return filled


def joined_header(upper, lower, names):
    """Return the header of two rows: a group title over its sub-columns."""
    groups = fill_right(upper)
    header = []
    for index, cell in enumerate(lower):
        above = upper[index] if index < len(upper) else None
        group = groups[index] if index < len(groups) else None
        if is_blank(cell):
            header.append(above)  # merged down over both rows
            continue
        cell = force_str(cell).strip()
        joined = f"{group}{cell}" if group else cell
        if names.known(cell):
            header.append(cell)
        else:
            header.append(joined)
    return header


def score(cells, names):
    filled = [c for c in cells if not is_blank(c)]
    known = sum(1 for c in filled if names.known(c))
    return known, len(filled)


def is_header(cells, names):
    known, filled = score(cells, names)
    return known >= min(2, filled) > 0 and 2 * known > filled


def locate_header(dataset, names):
    """Make the dataset's header the file's header row; return notes on rows skipped.

    The header is the first row, within the first ``HEADER_SEARCH_ROWS``, where most
    cells are column names (or their aliases); a row below it whose cells join
    with it into more known names makes a two-row header.
    """
    numbers = getattr(dataset, "row_numbers", None) or []
    # Only the first rows are read: the rest of a large file stays packed.
    rows = [list(dataset.headers or [])]
    rows += [list(r) for r in dataset[:HEADER_SEARCH_ROWS]]
    lines = [getattr(dataset, "header_line", 1), *numbers[:HEADER_SEARCH_ROWS]]
    width = len(rows[0])
    for index in range(min(len(rows), HEADER_SEARCH_ROWS)):
        cells = rows[index]
        header, used = cells, 1
        if index + 1 < len(rows) and lines[index + 1] == lines[index] + 1:
            both = joined_header(cells, rows[index + 1], names)
            known = score(both, names)[0]
            if (
                known > score(cells, names)[0]
                and known > score(rows[index + 1], names)[0]
            ):
                header, used = both, 2
        if is_header(header, names):
            break
    else:
        return []
    if index == 0 and used == 1:
        return []
    notes = [
        f"第 {line} 行为标题，未导入：{shown('　'.join(force_str(c) for c in row if not is_blank(c)), 30)}"
        for line, row in zip(lines[:index], rows[:index], strict=True)
    ]
    # The header row and the rows above it leave the data; the old header row was
    # a title (or the header's upper half), so it goes too.
    del dataset[: index + used - 1]
    header = list(header) + [None] * (width - len(header))
    dataset.headers = [force_str(h) if not is_blank(h) else "" for h in header]
    dataset.header_line = lines[index + used - 1]
    dataset.row_numbers = numbers[index + used - 1 :]
    return notes


def is_footer(cells):
    first = next((force_str(c).strip() for c in cells if not is_blank(c)), "")
    return first.startswith(FOOTER_WORDS)


def drop_footer(dataset):
    """Set aside the rows below the data that are totals or signatures; return notes.

    Such a row begins with a ``FOOTER_WORDS`` word and stands after a blank row or
    among the last rows; from there on, nothing is read as data.
    """
    numbers = getattr(dataset, "row_numbers", None) or []
    # Only the rows that may be footers are read: those after a gap in the row
    # numbers (a blank row), and the run of footers that ends the data.
    count = len(dataset)
    run_start = None
    index = count - 1
    while index >= 0 and is_footer(dataset[index]):
        run_start, index = index, index - 1
    after_blank = next(
        (
            i
            for i in range(1, min(count, len(numbers)))
            if numbers[i] > numbers[i - 1] + 1 and is_footer(dataset[i])
        ),
        None,
    )
    found = [i for i in (after_blank, run_start) if i is not None]
    if not found:
        return []
    start = min(found)
    notes = [
        f"第 {line} 行为合计或落款，未导入："
        f"{shown('　'.join(force_str(c) for c in row if not is_blank(c)), 30)}"
        for line, row in zip(numbers[start:], dataset[start:], strict=True)
    ]
    del dataset[start:]
    dataset.row_numbers = numbers[:start]
    return notes
