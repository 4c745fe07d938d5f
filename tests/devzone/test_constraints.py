import datetime
import random

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import CheckConstraint
from django.test.utils import CaptureQueriesContext

from devzone.constraints import error_field, referenced_fields, unique_conflicts
from devzone.demo import load_zone
from devzone.models import AnnualIndicator, Area, Community
from devzone.resources import CommunityResource
from devzone.spreadsheets.engine import condition_sql, quote
from devzone.spreadsheets.formats import read_dataset
from tests.spreadsheets import csv_bytes

HEADER = ["名称", "类型", "统计用区划代码"]


def area(**values):
    return Area(name="黄荻片区", **values)


@pytest.mark.django_db
def test_full_clean_names_the_column_of_a_check_constraint():
    instance = AnnualIndicator(year=1999, name="专利授权", value=1, unit="件")
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean(validate_unique=False)
    assert excinfo.value.message_dict["year"] == ["年度应在 2000 到 2100 之间。"]


@pytest.mark.django_db
def test_unique_conflicts_within_the_file_and_with_stored_rows():
    Community.objects.create(
        name="高楼社区", kind="community", statistical_code="321181400100"
    )
    fresh = [
        Community(name="甲村", kind="village", statistical_code="321181400100"),
        Community(name="乙村", kind="village", statistical_code="321181400999"),
        Community(name="丙村", kind="village", statistical_code="321181400999"),
        Community(name="丁村", kind="village", statistical_code=""),
        Community(name="戊村", kind="village", statistical_code=""),
    ]
    conflicts = unique_conflicts(Community, fresh)
    assert sorted((c.name, list(errors)) for c, errors in conflicts) == [
        ("丙村", ["statistical_code"]),
        ("甲村", ["statistical_code"]),
    ]


@pytest.mark.django_db
def test_import_reports_unique_conflicts_by_row_and_saves_nothing():
    Community.objects.create(
        name="高楼社区", kind="community", statistical_code="321181400100"
    )
    rows = [
        HEADER,
        ["甲村", "村", "321181400100"],
        ["乙村", "村", "321181400999"],
        ["丙村", "村", "321181400999"],
    ]
    result = CommunityResource().import_data(read_dataset(csv_bytes(rows), "c.csv"))
    assert [(row.number + 1, row.error_dict) for row in result.invalid_rows] == [
        (2, {"统计用区划代码": ["统计用区划代码已被其他村/社区使用。"]}),
        (4, {"统计用区划代码": ["统计用区划代码已被其他村/社区使用。"]}),
    ]
    assert Community.objects.count() == 1


@pytest.mark.django_db
def test_a_large_import_runs_a_fixed_number_of_queries():
    def run(count, start):
        rows = [HEADER] + [
            [f"村{i}", "村", f"{321181500000 + i}"] for i in range(start, start + count)
        ]
        with CaptureQueriesContext(connection) as ctx:
            result = CommunityResource().import_data(
                read_dataset(csv_bytes(rows), "c.csv")
            )
        assert not result.has_validation_errors() and not result.has_errors()
        return len(ctx)

    few, many = run(20, 0), run(400, 1000)
    # Rows and their history rows are written in multi-row INSERTs (SQLite caps
    # their size), never one each.
    assert many - few <= 2 * (400 // 100)
    assert Community.objects.count() == 420


@pytest.mark.django_db
def test_reimport_updates_the_change_time():
    rows = [HEADER, ["甲村", "村", ""]]
    CommunityResource().import_data(read_dataset(csv_bytes(rows), "c.csv"))
    before = Community.objects.get().updated_at
    rows[1][2] = "321181400777"
    CommunityResource().import_data(read_dataset(csv_bytes(rows), "c.csv"))
    changed = Community.objects.get()
    assert changed.statistical_code == "321181400777"
    assert changed.updated_at > before


def candidate_values(field, rng):
    """Return values a cell of ``field`` may hold, edge cases first."""
    if field.is_relation:
        related = list(
            field.related_model._default_manager.values_list("pk", flat=True)[:2]
        )
        return [None, *related] if field.null else related
    values = []
    if field.null:
        values.append(None)
    if field.choices:
        values += [value for value, _label in field.flatchoices]
    elif isinstance(field, models.DateField):
        values += [datetime.date(1999, 12, 31), datetime.date(2021, 3, 1)]
        values += [datetime.date(2021, rng.randint(1, 12), rng.randint(1, 28))]
    elif isinstance(field, models.DecimalField | models.IntegerField):
        values += [
            -1,
            0,
            1,
            5,
            30,
            31,
            1999,
            2000,
            2021,
            2100,
            2101,
            rng.randint(-9, 9),
        ]
    elif isinstance(field, models.BooleanField):
        values += [True, False]
    elif isinstance(field, models.CharField | models.TextField):
        values += ["", "321181400100", "12ab", "大运河"]
    return values or [None]


def every_check_constraint():
    for model in apps.get_models():
        if model._meta.app_label not in {
            "devzone",
            "projects",
            "governance",
            "welfare",
        }:
            continue
        for constraint in model._meta.constraints:
            if isinstance(constraint, CheckConstraint):
                yield pytest.param(model, constraint, id=constraint.name)


def import_refuses(model, constraint, instance):
    """Return True if the import's SQL (the compiled constraint) refuses the values."""
    sql, params = condition_sql(model, constraint.condition)
    fields = [
        field
        for field in model._meta.concrete_fields
        if field.name in referenced_fields(constraint.condition)
    ]
    # A typed table, as the import's staging table is.
    columns = ", ".join(
        f"{quote(field.column)} {field.db_type(connection)}" for field in fields
    )
    values = [
        field.get_db_prep_save(getattr(instance, field.attname), connection)
        for field in fields
    ]
    names = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE dz_one ({columns})")
        cursor.execute(f"INSERT INTO dz_one ({names}) VALUES ({marks})", values)
        cursor.execute(f"SELECT COUNT(*) FROM dz_one WHERE NOT ({sql})", params)
        refused = cursor.fetchone()[0] == 1
        cursor.execute("DROP TABLE dz_one")
    return refused


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "constraint"), list(every_check_constraint()))
def test_forms_and_imports_refuse_the_same_rows(model, constraint, communities):
    # given many rows drawn from each referenced field's edge values
    rng = random.Random(constraint.name)
    fields = [
        model._meta.get_field(name) for name in referenced_fields(constraint.condition)
    ]
    pools = {field: candidate_values(field, rng) for field in fields}
    message = str(constraint.get_violation_error_message())
    for _ in range(60):
        instance = model()
        for field, pool in pools.items():
            setattr(instance, field.attname, rng.choice(pool))
        # when a form (Django's own validate_constraints) and the import judge it
        try:
            instance.validate_constraints(
                exclude={f.name for f in model._meta.concrete_fields if f not in fields}
            )
            form_refusal = None
        except ValidationError as error:
            form_refusal = error.message_dict.get(error_field(constraint), [])
        form_refuses = bool(form_refusal) and message in form_refusal
        # then they agree, with the constraint's one message
        assert form_refuses == import_refuses(model, constraint, instance), (
            constraint.name,
            instance.__dict__,
        )


def test_every_model_check_constraint_is_covered():
    names = {param.id for param in every_check_constraint()}
    assert len(names) >= 35


@pytest.fixture
def communities(db):
    load_zone()
