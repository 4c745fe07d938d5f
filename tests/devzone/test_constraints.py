import datetime
import random

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import CheckConstraint, F, Q
from django.test.utils import CaptureQueriesContext

from devzone.constraints import (
    Unsupported,
    evaluate,
    referenced_fields,
    unique_conflicts,
)
from devzone.demo import load_zone
from devzone.models import AnnualIndicator, Area, Community
from devzone.resources import CommunityResource
from devzone.spreadsheets.formats import read_dataset
from tests.spreadsheets import csv_bytes

HEADER = ["名称", "类型", "统计用区划代码"]


def area(**values):
    return Area(name="黄荻片区", **values)


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        (Q(plan_status="approved"), {"plan_status": "approved"}, True),
        (~Q(plan_status="approved"), {"plan_status": "approved"}, False),
        (Q(approved_on__isnull=True), {}, True),
        (Q(approved_on__gte=datetime.date(2021, 1, 1)), {}, None),  # NULL: unknown
        (~Q(approved_on__gte=datetime.date(2021, 1, 1)), {}, None),
        (
            Q(approved_on__gte=datetime.date(2021, 1, 1)) | Q(plan_status="none"),
            {},
            True,
        ),
        (Q(approved_on__gte=datetime.date(2021, 1, 1)) & Q(plan_status="x"), {}, False),
        (Q(plan_status__in=["none", "drafting"]), {"plan_status": "drafting"}, True),
        (Q(name__regex=r"^[0-9]{3}$"), {}, False),
        (Q(created_at=F("updated_at")), {}, None),
        (Q(approved_on__year=2021), {"approved_on": datetime.date(2021, 3, 1)}, True),
        (
            Q(approved_on__year__gte=2022),
            {"approved_on": datetime.date(2021, 3, 1)},
            False,
        ),
        (Q(approved_on__year=2021), {}, None),
    ],
)
def test_conditions_evaluate_with_sql_three_valued_logic(condition, values, expected):
    assert evaluate(area(**values), condition) is expected


@pytest.mark.parametrize(
    "condition",
    [Q(approved_on__month__gte=3), Q(name__icontains="片"), Q(name__startswith="黄")],
)
def test_unknown_lookups_are_left_to_the_database(condition):
    with pytest.raises(Unsupported):
        evaluate(area(), condition)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {"plan_status": "approved", "approved_on": None},
        {"plan_status": "approved", "approved_on": datetime.date(2021, 3, 1)},
        {"plan_status": "none", "approved_on": datetime.date(2021, 3, 1)},
        {"plan_status": "none", "approved_on": None},
    ],
)
def test_python_and_database_agree_on_every_check_constraint(values):
    instance = area(**values)
    for constraint in Area._meta.constraints:
        assert isinstance(constraint, CheckConstraint)
        in_python = evaluate(instance, constraint.condition) is not False
        try:
            constraint.validate(Area, instance)  # Django's check, a SELECT
            in_database = True
        except ValidationError:
            in_database = False
        assert in_python == in_database


@pytest.mark.django_db
def test_full_clean_checks_check_constraints_without_a_query():
    instance = AnnualIndicator(year=1999, name="专利授权", value=1, unit="件")
    with (
        CaptureQueriesContext(connection) as ctx,
        pytest.raises(ValidationError) as excinfo,
    ):
        instance.full_clean(validate_unique=False)
    assert "年度应在 2000 到 2100 之间" in str(excinfo.value)
    # Only the unique rule (year, name) asks the database.
    assert [q["sql"] for q in ctx if "_check" in q["sql"]] == []
    assert len(ctx) == 1


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
    with CaptureQueriesContext(connection) as ctx:
        conflicts = unique_conflicts(Community, fresh)
    assert sorted((c.name, list(errors)) for c, errors in conflicts) == [
        ("丙村", ["statistical_code"]),
        ("甲村", ["statistical_code"]),
    ]
    assert len(ctx) <= 3  # one query per unique rule, however many rows


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


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "constraint"), list(every_check_constraint()))
def test_python_and_database_agree_on_generated_rows(model, constraint, communities):
    # given many rows drawn from each referenced field's edge values
    rng = random.Random(constraint.name)
    fields = [
        model._meta.get_field(name) for name in referenced_fields(constraint.condition)
    ]
    pools = {field: candidate_values(field, rng) for field in fields}
    for _ in range(60):
        instance = model()
        for field, pool in pools.items():
            setattr(instance, field.attname, rng.choice(pool))
        # when the interpreter and the database judge the same row
        try:
            in_python = evaluate(instance, constraint.condition) is not False
        except Unsupported:
            continue  # such conditions go to the database anyway
        try:
            CheckConstraint.validate(constraint, model, instance)  # a SELECT
            in_database = True
        except ValidationError:
            in_database = False
        # then they agree
        assert in_python == in_database, (constraint.name, instance.__dict__)


def test_every_model_check_constraint_is_covered():
    names = {param.id for param in every_check_constraint()}
    assert len(names) >= 35


@pytest.fixture
def communities(db):
    load_zone()
