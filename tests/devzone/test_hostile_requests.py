"""No request a browser or a script can send to the admin, the import flow, the export
centre or the report gets a 5xx: tampered fields, impossible numbers, unknown choices
are answered with a 400, a redirect or a form error."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse

from tests.spreadsheets import page_text, read_csv_download, read_xlsx_download

HOSTILE_TEXT = ["\x00", "1e999999", "9" * 40, "-1", "2021-02-30", "abc", "'\""]
JUNK_SELECTIONS = ["abc", "9" * 30, "-1", "1.5", "\x00", ["1", "abc"]]


def registered():
    return (
        sorted(
            (model, model_admin)
            for model, model_admin in admin.site._registry.items()
            if model._meta.app_label in {"devzone", "projects", "governance", "welfare"}
        )
        if False
        else [
            (model, admin.site._registry[model])
            for model in sorted(
                admin.site._registry,
                key=lambda m: (m._meta.app_label, m._meta.model_name),
            )
        ]
    )


def model_id(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


def hostile_lookups(model):
    """Yield query strings a script might send to a changelist."""
    yield {"q": "\x00"}
    yield {"q": "1e999999 ' OR 1=1 --"}
    yield {"o": "99.abc.-x"}
    yield {"p": "-1"}
    yield {"p": "abc"}
    yield {"all": "", "e": "1"}
    yield {"_to_field": "password"}
    yield {"_popup": "abc", "_to_field": "id"}
    yield {"nonexistent__field": "1"}
    for field in model._meta.concrete_fields:
        name = field.name
        if isinstance(
            field, models.DecimalField | models.IntegerField | models.FloatField
        ):
            yield {f"{name}__gte": "1e999999"}
            yield {f"{name}__lte": "-" + "9" * 40}
            yield {f"{name}": "NaN"}
        elif isinstance(field, models.DateField):
            yield {f"{name}__gte": "2021-02-30"}
            yield {f"{name}__year": "99999999999"}
            yield {f"{name}__month": "abc"}
        elif isinstance(field, models.ForeignKey):
            yield {f"{name}__id__exact": "abc"}
            yield {f"{name}__id__exact": "9" * 30}
            yield {f"{name}__isnull": "maybe"}
        elif isinstance(field, models.BooleanField):
            yield {f"{name}__exact": "2"}
        elif isinstance(field, models.CharField):
            yield {f"{name}__exact": "\x00"}
            yield {f"{name}__in": "\x00,\x1b"}


def assert_answers(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model,model_admin",
    registered(),
    ids=lambda v: model_id(v) if isinstance(v, type) else "",
)
def test_no_admin_url_of_any_model_answers_with_a_server_error(
    admin_client, demo_data, model, model_admin
):
    opts = model._meta
    base = f"admin:{opts.app_label}_{opts.model_name}"
    changelist = reverse(f"{base}_changelist")

    for query in hostile_lookups(model):
        assert_answers(admin_client.get(changelist, query), f"changelist {query!r}")

    instance = model._default_manager.order_by("pk").first()
    pks = ["abc", "%00", "9" * 30, "-1"] + ([str(instance.pk)] if instance else [])
    for pk in pks:
        for view in ("change", "history", "delete"):
            url = reverse(f"{base}_{view}", args=[pk])
            assert_answers(admin_client.get(url), f"{view} {pk}")
    for pk in pks[-2:]:
        url = reverse(f"{base}_change", args=[pk])
        for text in HOSTILE_TEXT:
            data = {field.name: text for field in opts.concrete_fields}
            assert_answers(admin_client.post(url, data), f"change POST {pk} {text!r}")
    add = reverse(f"{base}_add")
    for text in HOSTILE_TEXT:
        data = {field.name: text for field in opts.concrete_fields}
        assert_answers(admin_client.post(add, data), f"add POST {text!r}")

    # The autocomplete of each related field searches the related model's admin.
    for field_name in model_admin.autocomplete_fields:
        for term in ["\x00", "\x1b", "9" * 40]:
            query = {
                "term": term,
                "app_label": opts.app_label,
                "model_name": opts.model_name,
                "field_name": field_name,
            }
            response = admin_client.get(reverse("admin:autocomplete"), query)
            assert_answers(response, f"autocomplete {field_name} {term!r}")
            assert response.status_code == 200, f"autocomplete {field_name}"

    if hasattr(model_admin, "import_action"):
        url = reverse(f"{base}_import")
        assert_answers(admin_client.get(url), "import GET")
        for fmt, resource in [
            ("abc", "0"),
            ("0", "abc"),
            ("9", "0"),
            ("0", "9"),
            ("-1", "-1"),
        ]:
            data = {
                "format": fmt,
                "resource": resource,
                "import_file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n"),
            }
            assert_answers(admin_client.post(url, data), f"import {fmt}/{resource}")
        url = reverse(f"{base}_process_import")
        assert_answers(admin_client.get(url), "process_import GET")
        for data in [
            {
                "format": "abc",
                "resource": "0",
                "import_file_name": "x",
                "original_file_name": "x",
            },
            {
                "format": "0",
                "resource": "99",
                "import_file_name": "x",
                "original_file_name": "x",
            },
            {
                "format": "0",
                "resource": "",
                "import_file_name": "../../x",
                "original_file_name": "\x00",
            },
            {
                "format": "1",
                "resource": "0",
                "import_file_name": "0" * 32,
                "original_file_name": "x.xlsx",
            },
            {},
        ]:
            assert_answers(admin_client.post(url, data), f"process_import {data!r}")
    # Every action of the list, posted with keys no row can have.
    page = admin_client.get(changelist)
    action_form = page.context.get("action_form")
    choices = action_form.fields["action"].choices if action_form else []
    actions = [name for name, _label in choices if name]
    for action in actions:
        for junk in JUNK_SELECTIONS:
            data = {"action": action, "index": "0", "_selected_action": junk}
            assert_answers(admin_client.post(changelist, data), f"{action} {junk!r}")
    if hasattr(model_admin, "export_action"):
        url = reverse(f"{base}_export")
        assert_answers(admin_client.get(url), "export GET")
        for query in [*hostile_lookups(model), {"format": "1"}, {"unknown": "1"}]:
            assert_answers(admin_client.get(url, query), f"export GET {query!r}")
        for data in [
            {"format": "abc"},
            {"format": "9", "resource": "abc"},
            {"format": "1", "resource": "9"},
            {"format": "0", "resource": "0", "export_items": ["abc", "9" * 30, "-1"]},
        ]:
            assert_answers(admin_client.post(url, data), f"export {data!r}")
        for query in [{"q": "\x00"}, {"o": "abc"}]:
            response = admin_client.post(
                url + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
                {"format": "1", "resource": "0"},
            )
            assert_answers(response, f"export with {query!r}")


def dataset_keys():
    from devzone import registry

    return sorted(registry.datasets)


@pytest.mark.django_db
@pytest.mark.parametrize("key", dataset_keys())
def test_no_hostile_filter_on_the_export_centre_answers_with_a_server_error(
    admin_client, demo_data, key
):
    from devzone import registry

    url = reverse("reports:export_dataset", args=[key])
    names = list(registry.datasets[key].filterset().form.fields)
    for text in HOSTILE_TEXT:
        for fmt in ("", "csv", "xlsx", "pdf"):
            query = {name: text for name in names} | {"format": fmt, "page": text}
            assert_answers(admin_client.get(url, query), f"export centre {query!r}")
    # One filter at a time, so that no value hides behind another's refusal.
    for text in ["\x00", "1e999999", "9" * 40, "-" + "9" * 20]:
        for name in names:
            for fmt in ("", "csv"):
                query = {name: text, "format": fmt}
                assert_answers(admin_client.get(url, query), f"{query!r}")


@pytest.mark.django_db
def test_no_hostile_request_to_the_report_answers_with_a_server_error(
    admin_client, demo_data
):
    url = reverse("reports:annual")
    for text in [*HOSTILE_TEXT, "0", "1", "9999", "10000", "2021", ""]:
        for fmt in ("", "xlsx", "pdf", "\x00"):
            response = admin_client.get(url, {"year": text, "format": fmt})
            assert_answers(response, f"report {text!r} {fmt!r}")
    for url in [reverse("reports:export_index"), reverse("reports:export_history")]:
        assert_answers(admin_client.get(url, {"page": "\x00", "o": "1e999999"}), url)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"total_investment__gte": "1e999999"},
        {"total_investment__lte": "-1e999999"},
        {"total_investment__lte": "9" * 40},
        {"started_on__year": "99999999999"},
    ],
)
def test_an_impossible_number_on_the_key_projects_list_is_an_invalid_filter(
    admin_client, query
):
    # when a number no column can hold is put in the address
    response = admin_client.get(reverse("admin:projects_keyproject_changelist"), query)

    # then the admin answers as for any invalid filter: back to the list, flagged
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


# The reproductions of issue 18, each once, with what the user sees.

RECIPIENTS = "admin:welfare_welfarerecipient"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"unknownfilter": "1"}, {"format": "1"}, {"community__id__exact": "abc"}],
)
def test_an_export_of_an_invalid_filter_goes_back_to_the_list_with_a_message(
    admin_client, query
):
    response = admin_client.get(reverse(f"{RECIPIENTS}_export"), query, follow=True)

    assert response.redirect_chain[0][1] == 302
    assert response.request["PATH_INFO"] == reverse(f"{RECIPIENTS}_changelist")
    assert "导出的筛选条件无效：请在列表中重新筛选后再导出。" in page_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize("junk", ["abc", "9" * 30, "\x00"])
@pytest.mark.parametrize(
    "changelist,action",
    [
        ("admin:welfare_welfarerecipient_changelist", "delete_selected"),
        ("admin:devzone_importbatch_changelist", "undo"),
        ("admin:projects_relocationhousehold_changelist", "mark_vacated"),
    ],
)
def test_an_action_on_a_malformed_selection_is_refused_with_a_message(
    admin_client, changelist, action, junk
):
    response = admin_client.post(
        reverse(changelist),
        {"action": action, "index": "0", "_selected_action": junk},
        follow=True,
    )

    assert response.status_code == 200
    assert "所选记录无效，请在列表中重新勾选后再操作。" in page_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "query",
    [{"batch_year": "9" * 20}, {"batch_year": "-" + "9" * 20}],
)
def test_an_export_centre_filter_past_the_columns_range_downloads_the_header_alone(
    admin_client, file_format, query
):
    from tests.welfare.factories import WelfareRecipientFactory

    WelfareRecipientFactory()
    url = reverse("reports:export_dataset", args=["welfare.welfarerecipient"])

    response = admin_client.get(url, {**query, "format": file_format})

    assert response.status_code == 200
    rows = (
        read_csv_download(response)
        if file_format == "csv"
        else read_xlsx_download(response)
    )
    assert len(rows) == 1
    assert "姓名" in rows[0]


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_of_no_rows_at_all_is_the_header_alone(file_format):
    from devzone.spreadsheets.export import Export
    from welfare.models import WelfareRecipient
    from welfare.resources import WelfareRecipientResource

    resource = WelfareRecipientResource()

    export = Export(resource, WelfareRecipient.objects.none(), file_format)
    data = b"".join(export.chunks())

    if file_format == "csv":
        lines = data.decode("utf-8-sig").splitlines()
        assert len(lines) == 1
        assert "身份证号" in lines[0]
    else:
        assert data.startswith(b"PK")
