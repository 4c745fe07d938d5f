"""ID numbers and phones encrypted at rest (devzone.sealing, devzone.fields).

The proof: a dump of every table holds no ID number or phone in clear, while
search, import matching, masked lists and exports, and the figures still work.
"""

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import isolate_apps
from django.urls import reverse

from devzone import sealing
from devzone.demo import load_zone
from devzone.models import PersonKey
from devzone.sealed_rows import reseal_model
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.results import import_counts
from devzone.validators import id_check_character, mask_id_number, mask_phone
from projects.models import RelocationHousehold
from tests.devzone.test_audit import change_url, form_data, history_url
from tests.spreadsheets import confirm, csv_bytes, page_text, upload
from tests.welfare.factories import WelfareRecipientFactory, make_id_number
from welfare.models import WelfareRecipient
from welfare.resources import WelfareRecipientResource

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
RECIPIENTS = "welfare_welfarerecipient"
IMPORTER = (
    "welfare.view_welfarerecipient",
    "welfare.add_welfarerecipient",
    "welfare.change_welfarerecipient",
    "welfare.import_welfarerecipient",
)
HEADER = ["姓名", "身份证号", "联系电话", "村/社区", "帮扶类别", "认定年度"]
HEADER += ["认定批次", "认定日期", "状态"]
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
# What is not a number although it may hold digits: ciphertext tokens, digests and
# other hex (hash chains, password hashes), which hold runs of digits by chance.
NOT_NUMBERS = re.compile(
    r"(?:sm4gcm|aes128gcm):[A-Za-z0-9_-]+:[A-Za-z0-9_-]+|[0-9a-fA-F]{32,}"
)


def recipient_row(number, phone="13912345678", name="贺建国"):
    return [name, number, phone, "高楼社区", "困难户", "2021", "第二批", "2021-07-15"]


def import_rows(*rows, dry_run=False):
    data = csv_bytes([HEADER, *[[*row, "在册"] for row in rows]])
    return WelfareRecipientResource(unmasked=True).import_data(
        read_dataset(data, "upload.csv"), dry_run=dry_run
    )


def dump():
    """Return {table: its rows as text} of every table of the database."""
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            name = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT t::text FROM {name} t")
            else:
                cursor.execute(f"SELECT * FROM {name}")
            tables[table] = "\n".join(
                "|".join(str(value) for value in row) for row in cursor.fetchall()
            )
    return tables


def clear_numbers_in(text):
    """Return the ID numbers (valid check character) and mobiles a text holds."""
    text = NOT_NUMBERS.sub(" ", text)
    found = {
        number
        for number in ID_LIKE.findall(text)
        if id_check_character(number[:17]) == number[17].upper()
    }
    return found | set(MOBILE.findall(text))


def test_a_dump_of_every_table_holds_no_id_number_or_phone_in_clear(admin_client):
    # given: the demo data, a sample file imported through the admin, edits
    call_command("seed_demo", verbosity=0)
    preview = upload(
        admin_client,
        RECIPIENTS,
        "welfare_recipients_gbk.csv",
        (SAMPLES / "welfare_recipients_gbk.csv").read_bytes(),
    )
    assert confirm(admin_client, RECIPIENTS, preview).status_code == 302
    recipient = WelfareRecipientFactory(phone="13912345670")
    data = form_data(admin_client.get(change_url(recipient)))
    data.update(phone="13812345678")
    assert admin_client.post(change_url(recipient), data).status_code == 302
    assert "13812345678" in page_text(admin_client.get(history_url(recipient)))
    household = RelocationHousehold.objects.order_by("pk").first()
    household.phone = "13712345678"
    household.save()
    known = set()
    for model, names in [
        (WelfareRecipient, ["id_number", "phone", "guardian_phone"]),
        (RelocationHousehold, ["id_number", "phone"]),
    ]:
        for manager in (model.objects, model.history):
            for row in manager.values_list(*names):
                known.update(value for value in row if value)
    assert "13812345678" in known and len(known) > 100
    admin_client.get(
        reverse("admin:welfare_welfarerecipient_changelist"),
        {"q": recipient.id_number},
    )

    # when
    tables = dump()

    # then: no table holds a number in clear; the masked copies are there
    leaks = {}
    for table, text in tables.items():
        found = clear_numbers_in(text) | {n for n in known if n in text}
        if found:
            leaks[table] = sorted(found)[:5]
    assert leaks == {}
    assert mask_id_number(recipient.id_number) in tables["welfare_welfarerecipient"]
    assert "sm4gcm:" in tables["welfare_historicalwelfarerecipient"]


def test_values_read_back_in_clear_and_the_column_holds_ciphertext():
    recipient = WelfareRecipientFactory(phone="13912340000")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id_number_digest, id_number_masked, phone_masked "
            "FROM welfare_welfarerecipient WHERE id = %s",
            [recipient.pk],
        )
        stored, digest, masked, phone_masked = cursor.fetchone()
    assert stored.startswith(("sm4gcm:", "aes128gcm:"))
    assert recipient.id_number not in stored
    assert digest == sealing.digest(recipient.id_number)
    assert masked == mask_id_number(recipient.id_number)
    assert phone_masked == mask_phone("13912340000")
    again = WelfareRecipient.objects.get(pk=recipient.pk)
    assert (again.id_number, again.phone) == (recipient.id_number, "13912340000")
    history = recipient.history.get()
    assert history.id_number == recipient.id_number


def test_exact_search_and_relations_go_through_the_digest():
    recipient = WelfareRecipientFactory()
    lower = recipient.id_number.lower()
    assert WelfareRecipient.objects.get(id_number=lower) == recipient
    assert WelfareRecipient.objects.filter(
        id_number__in=[recipient.id_number, make_id_number(seq=7)]
    ).get() == (recipient)
    assert not WelfareRecipient.objects.filter(id_number=make_id_number(seq=7))
    sql = str(WelfareRecipient.objects.filter(id_number="X").query)
    assert "id_number_digest" in sql


@pytest.mark.parametrize(
    "lookup", ["contains", "startswith", "endswith", "iexact", "gt", "regex"]
)
def test_other_lookups_on_a_sealed_field_are_refused_clearly(lookup):
    with pytest.raises(FieldError, match="stored encrypted"):
        WelfareRecipient.objects.filter(**{f"id_number__{lookup}": "3211"}).count()


def test_the_admin_search_finds_a_record_by_its_full_number(staff_client):
    recipient = WelfareRecipientFactory(name="甄秀英")
    WelfareRecipientFactory(name="别人")
    client = staff_client("welfare.view_welfarerecipient", "welfare.view_personal_data")

    response = client.get(
        reverse("admin:welfare_welfarerecipient_changelist"),
        {"q": recipient.id_number},
    )

    text = page_text(response)
    assert "甄秀英" in text and "别人" not in text


def test_a_masked_list_shows_the_masked_copy(staff_client):
    recipient = WelfareRecipientFactory(phone="13912340000")
    client = staff_client("welfare.view_welfarerecipient")

    text = page_text(client.get(reverse("admin:welfare_welfarerecipient_changelist")))

    assert mask_id_number(recipient.id_number) in text
    assert recipient.id_number not in text


def test_a_reimport_matches_by_digest_and_keeps_the_ciphertext():
    load_zone()
    number = make_id_number(seq=11)
    import_rows(recipient_row(number))
    stored = WelfareRecipient.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM welfare_welfarerecipient")
        (before,) = cursor.fetchone()

    same = import_rows(recipient_row(number))
    changed = import_rows(recipient_row(number, phone="13900001111"))

    assert import_counts(same) == {"new": 0, "update": 0, "skip": 1}
    assert import_counts(changed) == {"new": 0, "update": 1, "skip": 0}
    again = WelfareRecipient.objects.get()
    assert (again.pk, again.phone) == (stored.pk, "13900001111")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone_digest FROM welfare_welfarerecipient")
        after, phone_digest = cursor.fetchone()
    assert after == before  # the unchanged number kept its ciphertext
    assert phone_digest == sealing.digest("13900001111")
    latest = again.history.order_by("-history_id").first()
    assert (latest.id_number, latest.phone) == (number, "13900001111")


def test_rows_encrypted_a_chunk_at_a_time_each_keep_their_own_numbers(monkeypatch):
    # given: chunks of two rows, so the file's writes span three of them
    from devzone.spreadsheets import engine

    monkeypatch.setattr(engine, "SEALED_CHUNK", 2)
    load_zone()
    numbers = [make_id_number(seq=31 + 2 * i) for i in range(5)]
    first = import_rows(
        *(recipient_row(n, phone=f"1391234000{i}") for i, n in enumerate(numbers[:3]))
    )
    assert import_counts(first)["new"] == 3

    # when: one row edited, one unchanged, one edited, two new, in that order
    result = import_rows(
        recipient_row(numbers[0], phone="13800000000"),
        recipient_row(numbers[1], phone="13912340001"),
        recipient_row(numbers[2], phone="13800000002"),
        recipient_row(numbers[3], phone="13800000003", name="新甲"),
        recipient_row(numbers[4], phone="13800000004", name="新乙"),
    )

    # then: each record holds its own row's number and phone, sealed, in file order
    assert import_counts(result) == {"new": 2, "update": 2, "skip": 1}
    stored = WelfareRecipient.objects.order_by("pk")
    assert [(r.id_number, r.phone) for r in stored] == [
        (numbers[0], "13800000000"),
        (numbers[1], "13912340001"),
        (numbers[2], "13800000002"),
        (numbers[3], "13800000003"),
        (numbers[4], "13800000004"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM welfare_welfarerecipient")
        assert all(sealing.is_sealed(phone) for (phone,) in cursor.fetchall())
    # and: one historical row per written record, as it was written
    written = WelfareRecipient.history.filter(import_batch__isnull=True).order_by(
        "-history_id"
    )[:4]
    assert sorted((h.id_number, h.phone) for h in written) == sorted(
        [(numbers[i], f"1380000000{i}") for i in (0, 2, 3, 4)]
    )


def test_a_preview_and_an_unchanged_reimport_encrypt_nothing(monkeypatch):
    # given: a stored recipient, and encryption that fails the test if asked
    load_zone()
    number = make_id_number(seq=41)
    import_rows(recipient_row(number))

    def refuse(text):
        raise AssertionError(f"encrypted {text!r}")

    monkeypatch.setattr(sealing, "sealer", lambda: refuse)

    # when: a new person previewed, the stored one imported again unchanged
    preview = import_rows(recipient_row(make_id_number(seq=43)), dry_run=True)
    same = import_rows(recipient_row(number))

    # then: both went through without encrypting a value
    assert import_counts(preview) == {"new": 1, "update": 0, "skip": 0}
    assert import_counts(same) == {"new": 0, "update": 0, "skip": 1}
    assert not preview.has_errors() and not same.has_errors()


def test_an_edited_phone_shows_as_masked_old_to_new_in_the_preview(staff_client):
    load_zone()
    number = make_id_number(seq=12)
    import_rows(recipient_row(number, phone="13912345678"))
    client = staff_client(*IMPORTER)
    data = csv_bytes([HEADER, [*recipient_row(number, phone="13987654321"), "在册"]])

    text = page_text(upload(client, RECIPIENTS, "upload.csv", data))

    assert "更新 1 条" in text
    assert "139****5678 → 139****4321" in text
    assert "13912345678" not in text


def test_exports_mask_in_sql_and_unmask_in_python(staff_client):
    from tests.welfare.test_exports import CSV, EXPORTER, OFFICER, export, read

    recipient = WelfareRecipientFactory(phone="13912340000")
    masked = read(export(staff_client(*EXPORTER), WelfareRecipientResource), CSV)
    full = read(
        export(staff_client(*OFFICER, username="officer"), WelfareRecipientResource),
        CSV,
    )
    assert masked[0]["身份证号"] == mask_id_number(recipient.id_number)
    assert masked[0]["联系电话"] == "139****0000"
    assert full[0]["身份证号"] == recipient.id_number
    assert full[0]["联系电话"] == "13912340000"


def test_age_and_sex_are_read_from_the_siblings():
    boy = WelfareRecipientFactory(id_number=make_id_number(male=True, seq=3))
    girl = WelfareRecipientFactory(id_number=make_id_number(male=False, seq=4))
    assert list(WelfareRecipient.objects.males()) == [boy]
    assert list(WelfareRecipient.objects.females()) == [girl]
    assert (
        WelfareRecipient.objects.with_birth_key().get(pk=boy.pk).birth_key
        == (boy.id_number[6:14])
    )


def clear_row(table, pk, **values):
    """Write values straight into a row, as rows stood before the migration."""
    names = ", ".join(f"{name} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {names} WHERE id = %s", [*values.values(), pk]
        )


def test_the_data_migration_seals_rows_written_in_clear_and_can_go_back():
    recipient = WelfareRecipientFactory(phone="13912340000")
    number = recipient.id_number
    clear_row(
        "welfare_welfarerecipient",
        recipient.pk,
        id_number=number,
        phone="13912340000",
        id_number_digest="",
        id_number_masked="",
        id_number_birth="",
        phone_digest="",
        phone_masked="",
    )
    assert WelfareRecipient.objects.get(pk=recipient.pk).id_number == number

    done = reseal_model(WelfareRecipient)
    again = reseal_model(WelfareRecipient)

    assert (done.written, again.written) == (1, 0)
    assert WelfareRecipient.objects.get(id_number=number).phone == "13912340000"
    dumped = dump()["welfare_welfarerecipient"]
    assert number not in dumped and "13912340000" not in dumped
    reseal_model(WelfareRecipient, clear=True)
    assert number in dump()["welfare_welfarerecipient"]


def test_rotation_reseals_records_and_history_under_the_new_key():
    old = "k1:" + "11" * 16
    with override_settings(DEVZONE_DATA_KEYS=old):
        sealing.reset()
        recipient = WelfareRecipientFactory(phone="13912340000")
        recipient.phone = "13912340001"
        recipient.save()
        household_number = recipient.id_number
    try:
        with override_settings(DEVZONE_DATA_KEYS="k2:" + "22" * 16 + "," + old):
            sealing.reset()
            call_command("rotate_data_keys", stdout=io.StringIO())
            tables = dump()
            for table in (
                "welfare_welfarerecipient",
                "welfare_historicalwelfarerecipient",
            ):
                assert ":k1:" not in tables[table]
                assert ":k2:" in tables[table]
            found = WelfareRecipient.objects.get(id_number=household_number)
            assert found.phone == "13912340001"
            assert [h.phone for h in found.history.order_by("history_id")] == [
                "13912340000",
                "13912340001",
            ]
        # and the old key alone no longer opens them
        with override_settings(DEVZONE_DATA_KEYS=old):
            sealing.reset()
            with pytest.raises(sealing.SealingError, match="k2"):
                WelfareRecipient.objects.get(pk=recipient.pk)
    finally:
        sealing.reset()


def test_a_person_key_keeps_the_number_sealed():
    from devzone.desk.people import key_for, number_for

    number = make_id_number(seq=21)
    key = key_for(number)
    assert key_for(number) == key and number_for(key) == number
    stored = PersonKey.objects.values_list("id_number", flat=True).get()
    assert number not in stored


@isolate_apps("devzone")
def test_a_sealed_field_without_its_siblings_fails_the_checks():
    from django.db import models

    from devzone.fields import PhoneField

    class Lonely(models.Model):  # noqa: DJ008
        phone = PhoneField()

        class Meta:
            app_label = "devzone"

    errors = Lonely._meta.get_field("phone").check()
    assert [e.id for e in errors] == ["devzone.E010", "devzone.E010"]


def test_keys_parse_and_refuse_bad_ones():
    from django.core.exceptions import ImproperlyConfigured

    assert list(sealing.parse_keys("k2:" + "ab" * 16 + ", k1:" + "cd" * 16)) == [
        "k2",
        "k1",
    ]
    for bad in ["k1:abcd", "k1:" + "zz" * 16, "a-very-long-id:" + "00" * 16]:
        with pytest.raises(ImproperlyConfigured):
            sealing.parse_keys(bad)


def test_without_keys_and_without_debug_nothing_is_sealed():
    from django.core.exceptions import ImproperlyConfigured

    with override_settings(
        DEVZONE_DATA_KEYS="", DEVZONE_DATA_KEYS_FILE="", DEBUG=False
    ):
        sealing.reset()
        try:
            with pytest.raises(ImproperlyConfigured, match="DEVZONE_DATA_KEYS"):
                sealing.seal("13912340000")
        finally:
            sealing.reset()
