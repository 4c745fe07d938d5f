"""A sealed field's siblings follow it on every write that names its columns.

``QuerySet.update()``, ``bulk_update()`` and ``save(update_fields=…)`` write the
digest, masked copy and birth with the number (devzone.sealed_writes), so search,
natural keys and masked lists and exports see the new number; and no list sorts
by ciphertext (devzone.changelist).
"""

import datetime
import re

import pytest
from django.contrib import admin
from django.core.exceptions import FieldError
from django.db import connection, models
from django.db.models import F, Value
from django.db.models.functions import Concat, Upper
from django.test.utils import isolate_apps
from django.urls import reverse
from simple_history.utils import bulk_update_with_history

from devzone import sealing
from devzone.changelist import sealed_ordering_errors
from devzone.demo import load_zone
from devzone.sealed_writes import sealed_write_errors
from devzone.spreadsheets.results import import_counts
from devzone.validators import mask_id_number, mask_phone
from projects.models import RelocationHousehold
from projects.resources import RelocationHouseholdResource
from tests.devzone.test_exports import export as export_fields
from tests.devzone.test_sealed_data import import_rows, recipient_row
from tests.projects.factories import RelocationHouseholdFactory
from tests.spreadsheets import page_text
from tests.welfare.factories import (
    AssistanceRecordFactory,
    WelfareRecipientFactory,
    make_id_number,
)
from tests.welfare.test_exports import CSV, EXPORTER, export, read
from welfare.models import WelfareRecipient
from welfare.resources import WelfareRecipientResource

pytestmark = pytest.mark.django_db

RECIPIENTS = "admin:welfare_welfarerecipient_changelist"
HOUSEHOLDS = "admin:projects_relocationhousehold_changelist"
RECORDS = "admin:welfare_assistancerecord_changelist"
OFFICER = ("welfare.view_welfarerecipient", "welfare.view_personal_data")
NEW_NUMBER = make_id_number(birth=datetime.date(1988, 11, 23), seq=951)


def stored_siblings(model, pk, name="id_number"):
    """Return the row's {sibling column: value} as the database holds them."""
    columns = [f"{name}_digest", f"{name}_masked"]
    if name == "id_number":
        columns.append(f"{name}_birth")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {model._meta.db_table} WHERE id = %s",
            [pk],
        )
        return dict(zip(columns, cursor.fetchone(), strict=True))


def siblings_of(number):
    return {
        "id_number_digest": sealing.digest(number),
        "id_number_masked": mask_id_number(number),
        "id_number_birth": number[6:14],
    }


def search(client, url, term):
    return page_text(client.get(reverse(url), {"q": term}))


# QuerySet.update() ------------------------------------------------------------------


def test_an_updated_number_is_found_by_the_admin_search_and_the_old_is_not(
    staff_client,
):
    # given
    recipient = WelfareRecipientFactory(name="甄秀英")
    old = recipient.id_number
    client = staff_client(*OFFICER)

    # when
    WelfareRecipient.objects.filter(pk=recipient.pk).update(id_number=NEW_NUMBER)

    # then
    assert "甄秀英" in search(client, RECIPIENTS, NEW_NUMBER)
    assert "甄秀英" not in search(client, RECIPIENTS, old)
    assert stored_siblings(WelfareRecipient, recipient.pk) == siblings_of(NEW_NUMBER)


def test_an_updated_number_shows_its_new_mask_in_the_masked_export(staff_client):
    recipient = WelfareRecipientFactory(phone="13912340000")

    WelfareRecipient.objects.filter(pk=recipient.pk).update(
        id_number=NEW_NUMBER.lower(), phone="139 0000 5555"
    )

    rows = read(export(staff_client(*EXPORTER), WelfareRecipientResource), CSV)
    assert rows[0]["身份证号"] == mask_id_number(NEW_NUMBER)
    assert rows[0]["联系电话"] == mask_phone("13900005555")
    # SQLite's export masks in Python; PostgreSQL's reads the stored masked copies,
    # which are checked here on both.
    assert stored_siblings(WelfareRecipient, recipient.pk) == siblings_of(NEW_NUMBER)
    assert stored_siblings(WelfareRecipient, recipient.pk, "phone") == {
        "phone_digest": sealing.digest("13900005555"),
        "phone_masked": mask_phone("13900005555"),
    }
    assert WelfareRecipient.objects.get(id_number=NEW_NUMBER) == recipient
    assert WelfareRecipient.objects.get(phone="13900005555") == recipient


def test_a_reimport_after_an_update_matches_the_record_by_its_new_number():
    load_zone()
    import_rows(recipient_row(make_id_number(seq=941)))
    WelfareRecipient.objects.update(id_number=NEW_NUMBER)

    again = import_rows(recipient_row(NEW_NUMBER, phone="13900001111"))

    assert import_counts(again) == {"new": 0, "update": 1, "skip": 0}
    assert WelfareRecipient.objects.get().phone == "13900001111"


def test_an_updated_household_is_found_by_its_new_number(staff_client):
    household = RelocationHouseholdFactory(head_name="尹德胜")
    client = staff_client(
        "projects.view_relocationhousehold", "projects.view_personal_data"
    )

    RelocationHousehold.objects.filter(pk=household.pk).update(id_number=NEW_NUMBER)

    assert "尹德胜" in search(client, HOUSEHOLDS, NEW_NUMBER)
    assert stored_siblings(RelocationHousehold, household.pk) == siblings_of(NEW_NUMBER)


def test_an_update_through_a_related_manager_writes_the_siblings():
    recipient = WelfareRecipientFactory(phone="13912340000")

    recipient.community.welfare_recipients.update(phone="13900005555")

    assert stored_siblings(WelfareRecipient, recipient.pk, "phone") == {
        "phone_digest": sealing.digest("13900005555"),
        "phone_masked": mask_phone("13900005555"),
    }


def test_a_phone_updated_to_blank_leaves_no_copy_of_the_old_one():
    recipient = WelfareRecipientFactory(phone="13912340000")

    WelfareRecipient.objects.filter(pk=recipient.pk).update(phone="")

    phone = stored_siblings(WelfareRecipient, recipient.pk, "phone")
    assert phone == {"phone_digest": sealing.digest(""), "phone_masked": ""}
    assert not WelfareRecipient.objects.filter(phone="13912340000").exists()


@pytest.mark.parametrize(
    "value",
    [
        F("phone"),
        Upper("id_number"),
        Concat(Value("32118119"), Value("8811239512")),
        Value(NEW_NUMBER),
    ],
    ids=["F", "Func", "Concat", "Value"],
)
def test_an_expression_for_a_sealed_field_is_refused_and_nothing_written(value):
    recipient = WelfareRecipientFactory()

    with pytest.raises(FieldError, match="stored encrypted.*expression"):
        WelfareRecipient.objects.filter(pk=recipient.pk).update(id_number=value)

    assert WelfareRecipient.objects.get(pk=recipient.pk).id_number == (
        recipient.id_number
    )


@pytest.mark.parametrize(
    "values",
    [
        {"id_number_digest": "0" * 64},
        {"id_number_masked": "321181********0000"},
        {"id_number": NEW_NUMBER, "id_number_birth": "19000101"},
        {"phone_masked": F("id_number_masked")},
    ],
    ids=["digest", "masked", "birth-beside-its-number", "expression"],
)
def test_a_sibling_given_to_update_is_refused(values):
    recipient = WelfareRecipientFactory()

    with pytest.raises(FieldError, match="is derived from"):
        WelfareRecipient.objects.filter(pk=recipient.pk).update(**values)

    assert stored_siblings(WelfareRecipient, recipient.pk) == siblings_of(
        recipient.id_number
    )


def test_update_of_other_columns_is_unchanged():
    recipient = WelfareRecipientFactory(household_size=3)

    WelfareRecipient.objects.filter(pk=recipient.pk).update(
        household_size=F("household_size") + 1
    )

    recipient.refresh_from_db()
    assert recipient.household_size == 4
    assert stored_siblings(WelfareRecipient, recipient.pk) == siblings_of(
        recipient.id_number
    )


# The base manager -------------------------------------------------------------------
# Django reaches rows through Model._base_manager (deletions, related objects), and
# so does devzone; an update() through it must write the siblings as well.

BASE_MANAGED = [
    pytest.param(WelfareRecipientFactory, RECIPIENTS, "name", id="recipient"),
    pytest.param(RelocationHouseholdFactory, HOUSEHOLDS, "head_name", id="household"),
]


def officer_of(model):
    opts = model._meta
    return (
        f"{opts.app_label}.view_{opts.model_name}",
        f"{opts.app_label}.view_personal_data",
    )


@pytest.mark.parametrize(("factory", "url", "name"), BASE_MANAGED)
def test_a_number_updated_through_the_base_manager_is_found_and_the_old_is_not(
    staff_client, factory, url, name
):
    # given
    record = factory(**{name: "甄秀英"})
    model, old = type(record), record.id_number
    client = staff_client(*officer_of(model))

    # when
    model._base_manager.filter(pk=record.pk).update(id_number=NEW_NUMBER)

    # then
    assert "甄秀英" in search(client, url, NEW_NUMBER)
    assert "甄秀英" not in search(client, url, old)
    assert stored_siblings(model, record.pk) == siblings_of(NEW_NUMBER)


@pytest.mark.parametrize(
    ("factory", "resource"),
    [
        pytest.param(WelfareRecipientFactory, WelfareRecipientResource, id="recipient"),
        pytest.param(
            RelocationHouseholdFactory, RelocationHouseholdResource, id="household"
        ),
    ],
)
def test_a_number_updated_through_the_base_manager_shows_its_new_mask(
    staff_client, factory, resource
):
    record = factory()
    model, opts = type(record), type(record)._meta
    client = staff_client(
        f"{opts.app_label}.view_{opts.model_name}",
        f"{opts.app_label}.export_{opts.model_name}",
    )

    model._base_manager.filter(pk=record.pk).update(id_number=NEW_NUMBER)

    # On PostgreSQL the masked CSV is the stored masked copy, read by COPY; SQLite
    # exports through Python, which masks the number itself: hence the column too.
    fields = [resource.__name__.lower(), *resource._meta.fields]
    response = export_fields(client, f"{opts.app_label}_{opts.model_name}", fields)
    assert [row["身份证号"] for row in read(response, CSV)] == [
        mask_id_number(NEW_NUMBER)
    ]
    masked = stored_siblings(model, record.pk)["id_number_masked"]
    assert masked == mask_id_number(NEW_NUMBER)


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ({"age_band": "child"}, True),
        ({"age_band": "adult"}, False),
        ({"gender": "female"}, True),
        ({"gender": "male"}, False),
    ],
)
def test_a_number_updated_through_the_base_manager_moves_its_age_and_gender(
    staff_client, query, listed
):
    # given: a man born in 1970, whose number turns out to be a girl's of 2016
    recipient = WelfareRecipientFactory(name="甄秀英")
    girl = make_id_number(birth=datetime.date(2016, 6, 1), male=False, seq=956)
    client = staff_client(*OFFICER)

    # when
    WelfareRecipient._base_manager.filter(pk=recipient.pk).update(id_number=girl)

    # then: the age band reads the birth column, the gender the masked copy
    assert ("甄秀英" in page_text(client.get(reverse(RECIPIENTS), query))) is listed


# bulk_update() ----------------------------------------------------------------------


def test_bulk_update_writes_the_siblings_and_the_history_has_them(staff_client):
    first, second = (
        WelfareRecipientFactory(name="甲"),
        WelfareRecipientFactory(name="乙"),
    )
    numbers = [NEW_NUMBER, make_id_number(seq=953)]
    client = staff_client(*OFFICER)
    for recipient, number in zip([first, second], numbers, strict=True):
        recipient.id_number = number

    bulk_update_with_history([first, second], WelfareRecipient, ["id_number"])

    assert "甲" in search(client, RECIPIENTS, numbers[0])
    assert "乙" in search(client, RECIPIENTS, numbers[1])
    for recipient, number in zip([first, second], numbers, strict=True):
        assert stored_siblings(WelfareRecipient, recipient.pk) == siblings_of(number)
        latest = recipient.history.order_by("-history_id").first()
        assert (latest.id_number, latest.id_number_digest) == (
            number,
            sealing.digest(number),
        )


def test_bulk_update_derives_siblings_it_was_not_given_up_to_date():
    recipient = WelfareRecipientFactory()
    # Written past the attribute, as no code path should: the number wins.
    recipient.__dict__.update(id_number=NEW_NUMBER, id_number_masked="stale")

    WelfareRecipient.objects.bulk_update([recipient], ["id_number_masked"])

    assert stored_siblings(WelfareRecipient, recipient.pk) == siblings_of(NEW_NUMBER)


def test_update_inside_bulk_update_is_guarded_again_afterwards():
    recipient = WelfareRecipientFactory()
    WelfareRecipient.objects.bulk_update([recipient], ["id_number"])

    with pytest.raises(FieldError):
        WelfareRecipient.objects.update(id_number=F("phone"))


# save(update_fields=…) --------------------------------------------------------------


def test_save_with_update_fields_writes_the_siblings_and_history(staff_client):
    recipient = WelfareRecipientFactory(name="甄秀英")
    old = recipient.id_number
    client = staff_client(*OFFICER)

    recipient = WelfareRecipient.objects.get(pk=recipient.pk)
    recipient.id_number = NEW_NUMBER
    recipient.save(update_fields=["id_number"])

    assert "甄秀英" in search(client, RECIPIENTS, NEW_NUMBER)
    assert "甄秀英" not in search(client, RECIPIENTS, old)
    assert stored_siblings(WelfareRecipient, recipient.pk) == siblings_of(NEW_NUMBER)
    latest = recipient.history.order_by("-history_id").first()
    assert latest.history_type == "~"
    assert (latest.id_number, latest.id_number_masked) == (
        NEW_NUMBER,
        mask_id_number(NEW_NUMBER),
    )


def test_save_with_update_fields_of_a_phone_writes_only_its_own_siblings():
    recipient = WelfareRecipientFactory(phone="13912340000")
    # Changed behind the object: a save of the phone alone leaves it.
    WelfareRecipient.objects.filter(pk=recipient.pk).update(name="改名")

    recipient.phone = "13900005555"
    recipient.save(update_fields=["phone"])

    assert stored_siblings(WelfareRecipient, recipient.pk, "phone") == {
        "phone_digest": sealing.digest("13900005555"),
        "phone_masked": mask_phone("13900005555"),
    }
    assert WelfareRecipient.objects.get(pk=recipient.pk).name == "改名"


# The system check -------------------------------------------------------------------


def phone_model(name, base, base_manager=None):
    """Return a model of the devzone app with a sealed phone, in isolated apps.

    ``base`` is models.Model or a devzone record base; a record's ``objects`` is a
    CommunityScopedQuerySet, and ``base_manager`` its Meta.base_manager_name.
    """
    from devzone.fields import PhoneField, SealedSibling
    from devzone.models import CommunityScopedQuerySet

    meta = {"app_label": "devzone"}
    if base_manager:
        meta["base_manager_name"] = base_manager
    attrs = {
        "__module__": __name__,
        "phone": PhoneField(),
        "phone_digest": SealedSibling(source="phone", kind="digest"),
        "phone_masked": SealedSibling(source="phone", kind="masked"),
        "Meta": type("Meta", (), meta),
    }
    if base is not models.Model:
        attrs["objects"] = CommunityScopedQuerySet.as_manager()
    return type(name, (base,), attrs)


@isolate_apps("devzone")
def test_a_model_whose_writes_would_skip_siblings_fails_the_checks():
    from devzone.models import TimeStampedModel

    loose = phone_model("Loose", models.Model)
    kept = phone_model("Kept", TimeStampedModel, base_manager="objects")

    errors = sealed_write_errors(loose)
    assert [e.id for e in errors] == ["devzone.E011"] * 3
    assert "save(update_fields" in errors[0].msg
    assert "update() and bulk_update()" in errors[1].msg
    assert "base manager" in errors[2].msg
    assert sealed_write_errors(kept) == []


@isolate_apps("devzone")
def test_a_model_whose_base_manager_would_skip_siblings_fails_the_checks():
    from devzone.models import TimeStampedModel

    unbased = phone_model("Unbased", TimeStampedModel)

    errors = sealed_write_errors(unbased)

    assert [e.id for e in errors] == ["devzone.E011"]
    assert errors[0].msg == (
        "devzone.Unbased has sealed fields: the QuerySet of its base manager "
        "(_base_manager) would update() and bulk_update() them without their "
        "siblings."
    )
    assert "Meta.base_manager_name" in errors[0].hint


def test_the_project_passes_the_checks_of_writes_and_list_orders():
    from django.core.management import call_command

    call_command("check")
    assert sealed_write_errors(WelfareRecipient) == []
    assert sealed_write_errors(RelocationHousehold) == []


# No list sorts by ciphertext --------------------------------------------------------

HEADER = re.compile(r'<th scope="col" class="([^"]*)">(.*?)</th>', re.S)


def headers(response):
    """Return {column name: whether its header is a sort link}."""
    found = {}
    for classes, inner in HEADER.findall(response.content.decode()):
        column = next(c for c in classes.split() if c.startswith("column-"))
        found[column.removeprefix("column-")] = "sortable" in classes.split() and (
            "o=" in inner
        )
    return found


def listed_names(response):
    return [row.name for row in response.context["cl"].result_list]


def test_the_number_and_phone_headers_are_no_sort_links(staff_client):
    WelfareRecipientFactory()
    client = staff_client(*OFFICER)

    shown = headers(client.get(reverse(RECIPIENTS)))

    assert shown["name"] is True
    assert shown["id_number"] is False
    assert shown["phone"] is False


@pytest.mark.parametrize("sign", ["", "-"])
def test_a_crafted_sort_by_the_number_column_keeps_the_list_order(staff_client, sign):
    for name in ["丙", "甲", "乙", "丁"]:
        WelfareRecipientFactory(name=name)
    client = staff_client(*OFFICER)
    columns = client.get(reverse(RECIPIENTS)).context["cl"].list_display

    for column in ["id_number", "phone"]:
        index = columns.index(column)
        response = client.get(reverse(RECIPIENTS), {"o": f"{sign}{index}"})

        # As for any column that cannot sort (Django's rule): newest first.
        assert response.status_code == 200
        assert listed_names(response) == ["丁", "乙", "甲", "丙"]
        ordering = response.context["cl"].get_ordering(
            response.wsgi_request, WelfareRecipient.objects.all()
        )
        assert not any("id_number" in str(term) for term in ordering)
        assert not any("phone" in str(term) for term in ordering)
        assert headers(response)[column] is False


def test_a_sort_by_name_beside_a_crafted_number_sort_still_sorts(staff_client):
    for name in ["丙", "甲", "乙"]:
        WelfareRecipientFactory(name=name)
    client = staff_client(*OFFICER)
    columns = client.get(reverse(RECIPIENTS)).context["cl"].list_display
    number, name = columns.index("id_number"), columns.index("name")

    response = client.get(reverse(RECIPIENTS), {"o": f"{number}.-{name}"})

    assert response.status_code == 200
    assert listed_names(response) == sorted(["丙", "甲", "乙"], reverse=True)


def test_the_related_number_column_of_assistance_records_is_no_sort_link(
    staff_client,
):
    AssistanceRecordFactory()
    AssistanceRecordFactory()
    client = staff_client(
        "welfare.view_assistancerecord",
        "welfare.view_welfarerecipient",
        "welfare.view_personal_data",
    )
    plain = client.get(reverse(RECORDS))
    index = plain.context["cl"].list_display.index("recipient__id_number")

    response = client.get(reverse(RECORDS), {"o": str(index)})

    assert headers(plain)["recipient__id_number"] is False
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [
        r.pk for r in plain.context["cl"].result_list
    ]


def test_a_masked_list_offers_no_sort_by_the_masked_columns(staff_client):
    WelfareRecipientFactory()
    client = staff_client("welfare.view_welfarerecipient")

    response = client.get(reverse(RECIPIENTS))

    assert not any(
        sortable for column, sortable in headers(response).items() if "masked" in column
    )
    assert headers(response)["name"] is True


def admin_declaring(**attrs):
    model_admin_class = type("DeclaredAdmin", (admin.ModelAdmin,), attrs)
    return model_admin_class(WelfareRecipient, admin.AdminSite(name="declared"))


@pytest.mark.parametrize(
    "attrs",
    [
        {"ordering": ["id_number"]},
        {"ordering": ["-phone_masked"]},
        {"ordering": [F("id_number_digest").desc()]},
        {"ordering": [Upper("guardian_phone")]},
        {
            "list_display": ["name", "number"],
            "number": admin.display(ordering="-id_number")(lambda self, obj: ""),
        },
    ],
    ids=["field", "masked", "digest-expression", "function", "display-ordering"],
)
def test_an_admin_declaring_an_order_by_a_sealed_column_fails_the_checks(attrs):
    errors = sealed_ordering_errors(admin_declaring(**attrs))

    assert [e.id for e in errors] == ["devzone.E012"]


@isolate_apps("welfare")
def test_a_model_ordered_by_a_sealed_column_fails_its_admins_checks():
    class Sorted(WelfareRecipient):  # noqa: DJ008
        class Meta:
            app_label = "welfare"
            proxy = True
            ordering = ["phone"]

    errors = sealed_ordering_errors(admin.ModelAdmin(Sorted, admin.AdminSite()))

    assert [(e.id, e.msg.split()[0]) for e in errors] == [
        ("devzone.E012", "Meta.ordering")
    ]


def test_an_order_by_the_birth_date_or_plain_columns_passes_the_checks():
    model_admin = admin_declaring(
        ordering=["-id_number_birth", "name", F("community__name").asc(), "?"]
    )

    assert sealed_ordering_errors(model_admin) == []
