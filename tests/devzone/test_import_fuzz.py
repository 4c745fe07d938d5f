"""Hostile files fed to every dataset's import: each gets a preview or a clear refusal
in Chinese, never a 500, and a refused import leaves the table as it was.

The files are generated from a few real rows of each table (so that some mutations
still import), mutated with a seeded random generator: the run is deterministic.
"""

import codecs
import csv
import datetime
import io
import random
import re
import zipfile

import pytest
from django.db.models import Count, Max
from django.urls import reverse
from openpyxl import Workbook

from devzone import registry
from devzone.spreadsheets.cells import xlsx_safe
from devzone.spreadsheets.export import Export
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.results import ImportFileError, error_lines
from tests.spreadsheets import upload

FILES_PER_DATASET = 200
THROUGH_THE_ADMIN = 6  # of them, also uploaded and confirmed through the admin
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# What a message must not show a clerk: a library's or a database's own words.
LEAKS = re.compile(
    r"Traceback|Error\b|Exception|invalid literal|could not|expected|"
    r"No valid data|must be|\bNone\b|constraint failed|violates"
)
ODD_VALUES = [
    "",
    " ",
    "1e999999",
    "-1e999999",
    "NaN",
    "inf",
    "9" * 40,
    "-1",
    "0",
    "3.5",
    "１２３",
    "2021-02-30",
    "2099-01-01",
    "1899-12-31",
    "45000",
    "是",
    "×",
    "=1+1",
    "@SUM(A1)",
    "'+86 139",
    "\x00",
    "\x0b",
    "\x1b[31m",
    "\u0085",
    "\ufeff",
    "\u202e反转",
    "a,b",
    '"',
    "\r\n",
    "村" * 300,
    "3.21181E+17",
    "321181199001011234.0",
]
PYTHON_VALUES = [
    None,
    0,
    -5,
    2**70,
    3.14,
    1e308,
    True,
    datetime.date(2021, 3, 5),
    datetime.datetime(2099, 1, 1, 8, 30),  # noqa: DTZ001 - Excel cells are naive
    datetime.time(8, 30),
]


def is_clear_chinese(message):
    return bool(CHINESE.search(message)) and not LEAKS.search(message)


def csv_text(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def xlsx_data(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append([xlsx_safe(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def encode(rng, text):
    encoding = rng.choice(
        ["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1", "big5", "shift_jis"]
    )
    return codecs.encode(text, encoding, errors="replace")


def mutate_rows(rng, header, rows):
    """Return header and rows changed in one to three random ways."""
    header, rows = list(header), [list(row) for row in rows]
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(9)
        if kind == 0 and rows:  # odd text in random cells
            for _ in range(rng.randint(1, 6)):
                row = rng.choice(rows)
                if row:
                    row[rng.randrange(len(row))] = rng.choice(ODD_VALUES)
        elif kind == 1 and rows:  # python values (numbers, dates) in cells
            for _ in range(rng.randint(1, 6)):
                row = rng.choice(rows)
                if row:
                    row[rng.randrange(len(row))] = rng.choice(PYTHON_VALUES)
        elif kind == 2:  # headers shuffled, dropped, doubled or garbled
            action = rng.randrange(4)
            if action == 0:
                order = list(range(len(header)))
                rng.shuffle(order)
                header = [header[i] for i in order]
                rows = [[row[i] if i < len(row) else "" for i in order] for row in rows]
            elif action == 1 and len(header) > 1:
                drop = rng.randrange(len(header))
                header.pop(drop)
                rows = [row[:drop] + row[drop + 1 :] for row in rows]
            elif action == 2:
                header.append(rng.choice(header))
                rows = [row + [rng.choice(ODD_VALUES)] for row in rows]
            else:
                header[rng.randrange(len(header))] = rng.choice(
                    ["", "id", "姓名", "\x0b", "名称 ", "Name", "总投资(万元)"]
                )
        elif kind == 3 and rows:  # ragged rows
            row = rng.choice(rows)
            if rng.random() < 0.5 or not row:
                row.extend(rng.choice(ODD_VALUES) for _ in range(rng.randint(1, 3)))
            else:
                del row[rng.randrange(len(row)) :]
        elif kind == 4 and rows:  # a huge cell
            row = rng.choice(rows)
            if row:
                row[rng.randrange(len(row))] = "村" * rng.choice([256, 5000, 33_000])
        elif kind == 5:  # blank rows, here and there
            for _ in range(rng.randint(1, 20)):
                rows.insert(rng.randint(0, len(rows)), [""] * len(header))
        elif kind == 6 and rows:  # the same row twice
            rows.append(list(rng.choice(rows)))
        elif kind == 7:  # no data rows at all
            rows = []
        else:  # more rows
            rows = rows * rng.randint(2, 6)
    return header, rows


def hostile_file(rng, header, rows):
    """Return (file name, bytes) of one hostile file."""
    header, rows = mutate_rows(rng, header, rows)
    as_xlsx = rng.random() < 0.2
    if as_xlsx:
        data, name = xlsx_data([header, *rows]), "fuzz.xlsx"
    else:
        text = csv_text(
            [["" if v is None else str(v) for v in r] for r in [header, *rows]]
        )
        if rng.random() < 0.15:  # an unbalanced quote
            at = rng.randrange(len(text) + 1)
            text = text[:at] + '"' + text[at:]
        data, name = encode(rng, text), "fuzz.csv"
    damage = rng.random()
    if damage < 0.1:  # truncated
        data = data[: rng.randrange(len(data) + 1)]
    elif damage < 0.15:  # random bytes spliced in
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]
    elif damage < 0.2:  # the other format's name
        name = "fuzz.csv" if as_xlsx else "fuzz.xlsx"
    elif damage < 0.23 and as_xlsx:  # a sheet declaring a million rows
        data = declared_rows(data, 1_048_576)
    return name, data


def declared_rows(data, rows):
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rb'<dimension ref="[^"]*"/>',
                    f'<dimension ref="A1:B{rows}"/>'.encode(),
                    content,
                )
            target.writestr(info.filename, content)
    return out.getvalue()


def table_state(model):
    """Return what any write to the table changes: its rows, ids and last change.

    Every write an import makes sets ``updated_at`` (bulk updates included), so a
    refused import that saved anything would show here.
    """
    aggregates = {"rows": Count("pk"), "last_id": Max("pk")}
    if any(field.name == "updated_at" for field in model._meta.concrete_fields):
        aggregates["changed"] = Max("updated_at")
    return model._default_manager.aggregate(**aggregates)


def seed_rows(dataset):
    resource = dataset.resource(unmasked=True)
    queryset = dataset.model._default_manager.order_by("pk")[:6]
    export = Export(resource, queryset, "csv")
    return export.headers, list(export.rows())


def import_once(dataset, name, data):
    """Import a file as the admin would; return the refusal lines ([] if saved)."""
    try:
        rows = read_dataset(data, name)
    except ImportFileError as exc:
        return [str(exc)]
    result = dataset.resource(unmasked=True).import_data(rows, dry_run=False)
    return error_lines(result)


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(registry.datasets))
def test_hostile_files_get_a_preview_or_a_clear_refusal(demo_data, admin_client, key):
    dataset = registry.datasets[key]
    rng = random.Random(f"devzone-fuzz-{key}")
    header, rows = seed_rows(dataset)
    refused = 0
    state = table_state(dataset.model)
    for number in range(FILES_PER_DATASET):
        name, data = hostile_file(rng, header, rows)
        lines = import_once(dataset, name, data)
        for line in lines:
            assert is_clear_chinese(line), f"file {number}: {line!r}"
        if lines:
            refused += 1
            assert table_state(dataset.model) == state, f"file {number} saved rows"
        else:
            state = table_state(dataset.model)
        if number < THROUGH_THE_ADMIN:
            through_the_admin(admin_client, dataset, name, data)
    # The generator is not so gentle that every file passes, nor (when the table
    # has rows to start from) so rough that none do.
    assert refused > 0
    assert refused < FILES_PER_DATASET or not rows


def through_the_admin(client, dataset, name, data):
    opts = dataset.model._meta
    admin_name = f"{opts.app_label}_{opts.model_name}"
    before = table_state(dataset.model)
    preview = upload(client, admin_name, name, data)
    assert preview.status_code == 200
    html = preview.content.decode()
    confirm = preview.context.get("confirm_form")
    assert confirm is not None or CHINESE.search(html)
    if confirm is None:
        assert table_state(dataset.model) == before
        return
    # A confirm whose format was changed to the other one is refused, nothing saved.
    data = dict(confirm.initial, format=str(1 - int(confirm.initial["format"])))
    response = client.post(reverse(f"admin:{admin_name}_process_import"), data)
    assert response.status_code == 302
    assert table_state(dataset.model) == before
