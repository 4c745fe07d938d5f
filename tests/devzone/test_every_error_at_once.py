"""For every dataset, one file with one row of each kind of error: all in one preview.

Generated from ``devzone.registry.datasets``: each file starts from stored demo
records exported as they are, then one row per kind of error is spoilt: a cell no
widget reads, the key of an earlier row, a related record that does not exist, a
CHECK rule broken. Every spoilt row must be named by the one preview, and the page's
count of bad rows must be theirs.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from devzone import registry
from devzone.constraints import FieldCheck
from devzone.models import Community, StaffProfile
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.resources import ImportRun
from devzone.spreadsheets.results import error_lines, preview_counts
from devzone.spreadsheets.widgets import NaturalKeyWidget
from tests.spreadsheets import csv_bytes

pytestmark = pytest.mark.django_db


def dataset_keys():
    import django

    django.setup()
    return sorted(registry.datasets)


def importable(resource):
    """Return the columns a file may hold: (header, field) for each."""
    return [
        (field.column_name, field)
        for field in resource.get_import_fields()
        if not field.readonly
    ]


def non_negative_column(model, resource):
    """Return the header of a column under a ``field >= 0`` rule, or None."""
    columns = {f.attribute: f.column_name for f in resource.get_import_fields()}
    keys = set(resource.get_import_id_fields())
    for constraint in model._meta.constraints:
        if not isinstance(constraint, FieldCheck):
            continue
        lookups = dict(
            child for child in constraint.condition.children if isinstance(child, tuple)
        )
        name = constraint.field
        if f"{name}__gte" in lookups and name in columns and name not in keys:
            return columns[name]
    return None


def spoilable(resource, kind):
    """Return the header of a non-key column of the kind, or None."""
    keys = set(resource.get_import_id_fields())
    model = resource._meta.model
    for header, field in importable(resource):
        if field.attribute in keys or not field.attribute:
            continue
        try:
            model_field = model._meta.get_field(field.attribute)
        except FieldDoesNotExist:
            continue
        numeric = isinstance(model_field, models.IntegerField | models.DecimalField)
        if kind == "number" and numeric and not model_field.choices:
            return header
        if kind == "reference" and isinstance(field.widget, NaturalKeyWidget):
            return header
    return None


@pytest.fixture
def staff_profiles(db):
    """The demo data makes one profile: enough of them to spoil one per kind."""
    village = Community.objects.order_by("pk").first()
    for n in range(6):
        user = get_user_model().objects.create_user(f"clerk{n}")
        profile = StaffProfile.objects.create(
            user=user, department=StaffProfile.Department.COMMUNITY
        )
        profile.communities.add(village)


@pytest.mark.parametrize("key", dataset_keys())
def test_one_preview_names_every_kind_of_error(demo_data, staff_profiles, key):
    # given stored records exported as they are, and one row spoilt per kind
    dataset = registry.datasets[key]
    resource = dataset.resource(unmasked=True)
    columns = importable(resource)
    headers = [header for header, _field in columns]
    records = list(dataset.model._default_manager.order_by("pk")[:6])
    if key.startswith("recipe_app."):
        pytest.skip("the recipe's test app has no demo records")
    assert len(records) >= 5, key
    rows = [
        [
            resource.export_field(field, record) if field.attribute else ""
            for _header, field in columns
        ]
        for record in records
    ]
    # A resource's export may add columns it computes (a recipient's name): keep them.
    for row, record in zip(rows, records, strict=True):
        for position, (_header, field) in enumerate(columns):
            if not field.attribute:
                row[position] = resource.export_field(field, record)
    file_rows = [rows[0]]
    expected = {}  # file row number -> what was spoilt
    number_column = spoilable(resource, "number")
    if number_column is not None:
        row = list(rows[1])
        row[headers.index(number_column)] = "不是数字"
        file_rows.append(row)
        expected[len(file_rows) + 1] = "cell"
    file_rows.append(list(rows[0]))
    expected[len(file_rows) + 1] = "key twice"
    reference = spoilable(resource, "reference")
    if reference is not None:
        row = list(rows[2])
        row[headers.index(reference)] = "不存在的记录名称"
        file_rows.append(row)
        expected[len(file_rows) + 1] = "unknown reference"
    check_column = non_negative_column(dataset.model, resource)
    if check_column is not None:
        row = list(rows[3])
        row[headers.index(check_column)] = "-1"
        file_rows.append(row)
        expected[len(file_rows) + 1] = "check rule"
    file_rows.append(list(rows[4]))  # fine

    # when the file is previewed once
    result = dataset.resource(unmasked=True, run=ImportRun()).import_data(
        read_dataset(csv_bytes([headers, *file_rows]), "f.csv"), dry_run=True
    )

    # then every spoilt row is named, and counted
    lines = error_lines(result)
    assert not result.base_errors, lines
    named = {row.number + 1 for row in result.invalid_rows}
    assert named == set(expected), (expected, lines)
    assert preview_counts(result)["invalid"] == len(expected)
