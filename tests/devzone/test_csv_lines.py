"""The CSV reader cuts lines from the text itself, as a text file would be read."""

import csv
import datetime
import io
import sys

import pytest

from devzone.spreadsheets.formats import (
    FormulaCell,
    PackedRows,
    build_dataset,
    csv_rows,
    rows_of,
)


@pytest.mark.parametrize(
    "text",
    [
        'a,b\r\n1,"x\r\ny"\r\n2,3\r\n',  # Windows
        'a,b\n1,"x\ny"\n2,3\n\n',  # Unix, a blank line at the end
        'a,b\r1,"x\ry"\r2,3',  # old Mac, no newline at the end
        "a,b",
    ],
)
def test_csv_rows_name_the_lines_a_text_reader_names(text):
    # given: the rows and line numbers of Python's own reading of the text
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    expected, start = [], 1
    for cells in reader:
        expected.append((start, cells))
        start = reader.line_num + 1

    # then
    assert list(csv_rows(text)) == expected


def test_packed_rows_keep_every_kind_of_cell_and_its_type():
    # given: the cells the readers give (CSV text, workbook numbers, dates, formulas)
    when = datetime.datetime(2021, 7, 2, 8, 30)  # noqa: DTZ001 (naive, as read)
    cells = [
        ["高楼社区", "1", 3, 2.5, True, None],
        ["联观村", "", 0, 1e20, False, datetime.date(2021, 7, 2)],
        [FormulaCell("=A1"), when, datetime.time(8, 30), -1, "x", None],
    ]
    rows = [(1, ["社区", "编号", "户数", "面积", "在册", "日期"])]
    rows += [(n, list(row)) for n, row in enumerate(cells, start=2)]

    # when
    dataset = build_dataset(rows)

    # then
    read = [list(row) for row in dataset]
    assert read == cells
    assert [[type(c) for c in row] for row in read] == [
        [type(c) for c in row] for row in cells
    ]
    assert list(rows_of(dataset)) == cells


def test_packed_rows_answer_what_tablib_asks_of_them():
    # given
    rows = [(1, ["社区", "编号", "备注"])]
    rows += [(n, ["高楼社区", str(n), f"第{n}行"]) for n in range(2, 8)]
    dataset = build_dataset(rows)

    # when: a column, a slice, a column and rows deleted, a row changed
    column = dataset["编号"]
    head = dataset[:2]
    del dataset["备注"]
    del dataset[4:]
    dataset[0] = ["联观村", "0"]

    # then
    assert column == [str(n) for n in range(2, 8)]
    assert head == [("高楼社区", "2", "第2行"), ("高楼社区", "3", "第3行")]
    assert dataset.headers == ["社区", "编号"]
    assert [list(r) for r in dataset] == [
        ["联观村", "0"],
        ["高楼社区", "3"],
        ["高楼社区", "4"],
        ["高楼社区", "5"],
    ]


def test_a_large_files_rows_are_held_in_a_fraction_of_the_memory():
    # given: rows of distinct texts, as names, ID numbers and addresses are
    rows = [(1, [f"列{c}" for c in range(10)])]
    rows += [(n, [f"高楼社区{n}组{c}号" for c in range(10)]) for n in range(2, 10_002)]
    as_lists = sum(
        sys.getsizeof(cells) + sum(sys.getsizeof(c) for c in cells) for _, cells in rows
    )

    # when
    dataset = build_dataset(rows)

    # then: packed and compressed, a tenth of the lists
    packed = dataset._data
    assert isinstance(packed, PackedRows) and len(packed) == 10_000
    held = sum(sys.getsizeof(b) for b in packed._blocks) + sys.getsizeof(packed._tail)
    assert held < as_lists / 10
    assert [list(r) for r in dataset] == [cells for _, cells in rows[1:]]


@pytest.mark.parametrize(
    "change",
    [
        lambda rows: rows.__delitem__(slice(0, 3)),  # title rows
        lambda rows: rows.__delitem__(slice(2500, None)),  # footers
        lambda rows: rows.__delitem__(slice(1999, 2001)),  # across two blocks
        lambda rows: rows.__delitem__(1000),
        lambda rows: rows.__setitem__(2999, ["改", "过"]),
        lambda rows: rows.insert(1000, ["插", "入"]),
        lambda rows: rows.insert(len(rows), ["末", "尾"]),
    ],
)
def test_packed_rows_change_as_a_list_would_across_their_blocks(change):
    # given: more rows than a block holds, and the same rows as a plain list
    cells = [[f"{n}", f"第{n}行"] for n in range(3_400)]
    packed, plain = PackedRows(cells), [list(c) for c in cells]

    # when
    change(packed)
    change(plain)

    # then
    assert len(packed) == len(plain)
    assert [list(row) for row in packed] == plain
    assert [packed.cells(i) for i in (0, -1, len(plain) // 2)] == [
        plain[0],
        plain[-1],
        plain[len(plain) // 2],
    ]
