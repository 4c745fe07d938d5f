"""Every dataset × every surface × both kinds of user: masked where it must be, logged
where it is seen in full.

Surfaces: the list, a record, its history, the admin export, the export centre's
preview and downloads, the import page and its template, every autocomplete that
picks the dataset's records, and the annual report.

Generated from the registry: a dataset registered tomorrow is covered without an
edit here. What is personal is asked of ``devzone.personal`` (the fields), and the
numbers looked for are the stored ones, read from the database.
"""

import io

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from openpyxl import load_workbook

from devzone import personal, registry
from devzone.models import ExportLog, PersonalDataAccess

pytestmark = pytest.mark.usefixtures("demo_data")

KINDS = ["masked", "unmasked"]


def stored_numbers(model):
    """Return every full personal value the model's records reach."""
    numbers = set()
    for path in personal.personal_paths(model):
        numbers.update(
            value
            for value in model._default_manager.values_list(path, flat=True)
            if value
        )
    return numbers


def body(response):
    """Return what a response shows: a page's HTML, a CSV's or an XLSX's text."""
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    if content[:2] == b"PK":
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return content.decode("utf-8-sig")


@pytest.fixture
def user_of(db):
    def make(kind):
        models = [dataset.model for dataset in registry.datasets.values()]
        types = ContentType.objects.get_for_models(*models).values()
        perms = Permission.objects.filter(content_type__in=types).exclude(
            codename__startswith="view_personal"
        )
        actions = {"view", "export", "import"}
        perms = [p for p in perms if p.codename.split("_")[0] in actions]
        if kind == "unmasked":
            perms += list(Permission.objects.filter(codename="view_personal_data"))
        user = get_user_model().objects.create_user(
            username=f"matrix-{kind}", password="pw-for-tests", is_staff=True
        )
        user.user_permissions.add(*perms)
        return user

    return make


def surfaces(dataset):
    """Yield (surface, url, data) of every page and file that shows the dataset."""
    opts = dataset.model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    record = dataset.model._default_manager.order_by("pk").first()
    yield "list", reverse(f"{name}_changelist"), None
    if record is not None:
        yield "record", reverse(f"{name}_change", args=[record.pk]), None
        yield "history", reverse(f"{name}_history", args=[record.pk]), None
    resource = admin.site._registry[dataset.model].get_export_resource_classes(None)[0]
    fields = {
        f"{resource.__name__.lower()}_{field}": True for field in resource().fields
    }
    yield (
        "admin-export",
        reverse(f"{name}_export"),
        {
            "format": 0,
            "resource": 0,
            **fields,
        },
    )
    centre = reverse("reports:export_dataset", args=[dataset.key])
    yield "centre-preview", centre, None
    yield "centre-csv", centre + "?format=csv", None
    yield "centre-xlsx", centre + "?format=xlsx", None
    yield "import-page", reverse(f"{name}_import"), None
    yield "import-template", reverse(f"{name}_import_template"), None
    for source, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            if source._meta.get_field(field_name).related_model is dataset.model:
                query = (
                    f"?app_label={source._meta.app_label}"
                    f"&model_name={source._meta.model_name}&field_name={field_name}"
                )
                yield "autocomplete", reverse("admin:autocomplete") + query, None
    yield "report", reverse("reports:annual") + "?year=2021", None


def last_pk(model):
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


LOGGED = {
    "list": PersonalDataAccess.Kind.LIST,
    "record": PersonalDataAccess.Kind.RECORD,
    "history": PersonalDataAccess.Kind.HISTORY,
    "centre-preview": PersonalDataAccess.Kind.PREVIEW,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", sorted(registry.datasets))
def test_every_surface_masks_or_logs_personal_data(client, user_of, key, kind):
    dataset = registry.datasets[key]
    numbers = stored_numbers(dataset.model)
    is_personal = bool(personal.personal_paths(dataset.model))
    assert is_personal == bool(numbers) or not dataset.model._default_manager.exists()
    user = user_of(kind)
    client.force_login(user)

    for surface, url, data in surfaces(dataset):
        # The logs are append-only: a surface's rows are the ones it adds.
        accesses = PersonalDataAccess.objects.filter(pk__gt=last_pk(PersonalDataAccess))
        exports = ExportLog.objects.filter(pk__gt=last_pk(ExportLog))
        response = client.post(url, data) if data else client.get(url)
        assert response.status_code == 200, (surface, response.status_code)
        shown = body(response)
        full = {number for number in numbers if number in shown}

        if kind == "masked":
            assert not full, (surface, sorted(full)[:3])
            assert not accesses.exclude(kind=PersonalDataAccess.Kind.LOOKUP).exists()
        elif surface in LOGGED and is_personal:
            seen = accesses.get(kind=LOGGED[surface])
            assert seen.user == user
            assert seen.model == dataset.model._meta.label_lower
            assert seen.row_count and seen.columns, surface
        elif surface in {"admin-export", "centre-csv", "centre-xlsx"}:
            log = exports.get()
            assert log.personal_data is (is_personal and bool(full))
            assert log.columns
        if kind == "masked" or not is_personal:
            assert not exports.filter(personal_data=True).exists()
        if kind == "unmasked" and is_personal and surface in {"list", "centre-csv"}:
            # Shown in full where the user may see it: the mask is not everywhere.
            assert full, surface
