"""The CSV reader cuts lines from the text itself, as a text file would be read."""

import csv
import io

import pytest

from devzone.spreadsheets.formats import build_dataset, csv_rows


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


def test_repeated_texts_are_one_object_and_keep_their_value():
    # given
    rows = [(1, ["社区", "编号"])] + [(n, ["高楼社区", f"{n}"]) for n in range(2, 6)]

    # when
    dataset = build_dataset(rows)

    # then: the same cells, the repeated one held once
    assert [list(row) for row in dataset] == [["高楼社区", f"{n}"] for n in range(2, 6)]
    assert len({id(row[0]) for row in dataset}) == 1
