"""The audit chain across re-encryption and new columns (issue #26).

A seal names the columns it covers and covers a sealed column (ID number, phone)
by its clear value: sealing the history in place, a new data key or blind-index
key, and a column added later leave every seal whole; a change by hand does not.
"""

import importlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from devzone import sealing
from devzone.audit_seal import (
    best_algorithm,
    digest_rows,
    fill_legacy_columns,
    last_link,
    new_mac,
    physical_columns,
    record_field,
    seal_pending,
    verify_chain,
)
from devzone.fields import SealedSibling
from devzone.models import AuditSeal
from devzone.sealed_rows import reseal_model
from projects.models import RelocationHousehold
from tests.devzone.test_audit_seal import by_hand, verify
from tests.projects.factories import RelocationHouseholdFactory
from tests.welfare.factories import WelfareRecipientFactory, make_id_number
from welfare.models import WelfareRecipient

pytestmark = pytest.mark.django_db

K1 = "k1:" + "11" * 16
K2 = "k2:" + "22" * 16
HISTORY = WelfareRecipient.history.model
TABLE = HISTORY._meta.db_table
INTACT = "日志哈希链完好"


@pytest.fixture
def data_key():
    """Seal under k1, and forget the keys read once the test is done."""
    with override_settings(DEVZONE_DATA_KEYS=K1):
        sealing.reset()
        yield
    sealing.reset()


@pytest.fixture
def people(data_key):
    """Return a recipient and a household, each saved twice (two history rows)."""
    recipient = WelfareRecipientFactory(phone="13912340000")
    recipient.phone = "13912340001"
    recipient.save()
    household = RelocationHouseholdFactory()
    household.phone = "13812340001"
    household.save()
    return recipient, household


def alter(sql):
    """Change the history table's shape, as a migration would, in the test's
    transaction (PostgreSQL first checks the foreign keys it has deferred)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    by_hand(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def stored(table, column):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}"')
        return [value for (value,) in cursor.fetchall()]


def first_history_id():
    return HISTORY.objects.order_by("history_id").first().history_id


def test_a_new_seal_names_its_columns_in_table_order_without_the_derived_ones(
    people,
):
    seal_pending()

    seal = AuditSeal.objects.get(table=TABLE)
    with connection.cursor() as cursor:
        physical = physical_columns(cursor, TABLE)
    derived = {f.column for f in HISTORY._meta.fields if isinstance(f, SealedSibling)}
    assert seal.columns == [column for column in physical if column not in derived]
    assert {"id_number", "phone", "history_id"} <= set(seal.columns)
    assert not derived & set(seal.columns)


def test_a_rotation_to_new_data_and_index_keys_leaves_the_chain_intact(people):
    # given: the history sealed under k1
    seal_pending()
    assert INTACT in verify()
    digests = stored(TABLE, "id_number_digest")
    # when: a new data key and a new blind-index key, every row re-encrypted
    with override_settings(
        DEVZONE_DATA_KEYS=f"{K2},{K1}", DEVZONE_BLIND_INDEX_KEY="another index key"
    ):
        sealing.reset()
        call_command("rotate_data_keys", stdout=io.StringIO())
        # then: the rows were rewritten, and the chain holds
        for table in (TABLE, RelocationHousehold.history.model._meta.db_table):
            assert all(":k2:" in value for value in stored(table, "id_number"))
        assert stored(TABLE, "id_number_digest") != digests
        assert INTACT in verify()


def test_history_sealed_in_clear_stays_intact_once_encrypted(people):
    # given: the history in clear, as before the sealing migration, then sealed
    reseal_model(HISTORY, clear=True, lift_triggers=True, restore_triggers=True)
    numbers = stored(TABLE, "id_number")
    assert not any(sealing.is_sealed(value) for value in numbers)
    seal_pending()
    # when: the migration encrypts it in place
    reseal_model(HISTORY, lift_triggers=True, restore_triggers=True)
    # then
    assert all(sealing.is_sealed(value) for value in stored(TABLE, "id_number"))
    assert INTACT in verify()


def test_a_column_added_after_sealing_leaves_old_seals_intact(people):
    # given
    seal_pending()
    # when: a later migration adds a column to the history table
    alter(f'ALTER TABLE "{TABLE}" ADD COLUMN "remark" varchar(20) DEFAULT \'x\'')
    # then: old seals hold; the next one covers the new column too
    assert INTACT in verify()
    people[0].save()
    (seal,) = [seal for seal in seal_pending() if seal.table == TABLE]
    assert seal.columns[-1] == "remark"
    assert INTACT in verify()


def test_a_column_added_to_a_table_with_nothing_sealed_leaves_its_seal_intact(
    people,
):
    # given: rows with no sealed column, which PostgreSQL seals as ``t::text``
    seal_pending()
    table = "devzone_historicalcommunity"
    assert AuditSeal.objects.filter(table=table).exists()
    # when
    alter(f'ALTER TABLE "{table}" ADD COLUMN "remark" varchar(20) DEFAULT \'x y\'')
    # then: the same text from the named columns alone
    assert INTACT in verify()


def test_a_column_gone_since_sealing_is_named(people):
    alter(f'ALTER TABLE "{TABLE}" ADD COLUMN "remark" varchar(20) DEFAULT \'x\'')
    seal_pending()
    seal = AuditSeal.objects.get(table=TABLE)

    alter(f'ALTER TABLE "{TABLE}" DROP COLUMN "remark"')

    with pytest.raises(CommandError, match=f"封签 #{seal.pk}.*：列 remark 已不存在"):
        verify()


def another_number_sealed():
    return sealing.seal(make_id_number(seq=977))


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("id_number", another_number_sealed, "内容与封签不符，有行被改动"),
        ("name", lambda: "伪造", "内容与封签不符，有行被改动"),
        ("phone_masked", lambda: "139****9999", "派生列 phone_masked 与原值不符"),
        ("id_number_digest", lambda: "0" * 64, "派生列 id_number_digest 与原值不符"),
        (
            "phone",
            lambda: "sm4gcm:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "列 phone 有值无法解密",
        ),
        ("phone", lambda: "sm4gcm:k1:QUJD", "列 phone 有值无法解密"),
    ],
)
def test_a_history_row_changed_by_hand_breaks_the_chain(people, column, value, message):
    # given
    seal_pending()
    seal = AuditSeal.objects.get(table=TABLE)
    # when: the tables' owner rewrites one row past the trigger
    by_hand(
        f'UPDATE "{TABLE}" SET "{column}" = %s WHERE history_id = %s',
        [value(), first_history_id()],
    )
    # then
    with pytest.raises(CommandError, match=f"封签 #{seal.pk}（{TABLE}.*{message}"):
        verify()


def test_a_changed_row_still_breaks_the_chain_after_a_rotation(people):
    seal_pending()
    by_hand(
        f'UPDATE "{TABLE}" SET "id_number" = %s WHERE history_id = %s',
        [another_number_sealed(), first_history_id()],
    )
    with override_settings(DEVZONE_DATA_KEYS=f"{K2},{K1}"):
        sealing.reset()
        call_command("rotate_data_keys", stdout=io.StringIO())
        with pytest.raises(CommandError, match="有行被改动"):
            verify()


# Seals made before seals named their columns: their content was the whole row,
# ``t::text`` on PostgreSQL, the model's columns in its order on SQLite.


def legacy_seal(fields=None):
    """Append a seal of the recipients' history computed the old way."""
    fields = fields or HISTORY._meta.concrete_fields
    if connection.vendor == "postgresql":
        content = "t::text"
    else:
        content = ", ".join(f't."{field.column}"' for field in fields)
    algorithm = best_algorithm()
    with connection.cursor() as cursor:
        prev = last_link(cursor, connection.vendor)
        cursor.execute(
            f'SELECT t.history_id, {content} FROM "{TABLE}" t ORDER BY t.history_id'
        )
        found = digest_rows(new_mac(algorithm), TABLE, prev, iter(cursor.fetchall()))
    return AuditSeal.objects.create(
        table=TABLE,
        first_id=found.first,
        last_id=found.last,
        row_count=found.count,
        algorithm=algorithm,
        prev=prev,
        digest=found.digest,
    )


SIBLINGS = [f for f in HISTORY._meta.concrete_fields if isinstance(f, SealedSibling)]


def drop_siblings():
    """Take the derived columns off the history table, as before they existed."""
    if connection.vendor == "postgresql":
        drops = ", ".join(f'DROP COLUMN "{field.column}"' for field in SIBLINGS)
        alter(f'ALTER TABLE "{TABLE}" {drops}')


def add_siblings():
    """Add them back, at the end of the table, as the migration did."""
    if connection.vendor == "postgresql":
        adds = ", ".join(
            f'ADD COLUMN "{field.column}" varchar({field.max_length}) '
            "NOT NULL DEFAULT ''"
            for field in SIBLINGS
        )
        alter(f'ALTER TABLE "{TABLE}" {adds}')


def test_a_legacy_seal_from_before_the_derived_columns_is_named_and_verifies(
    people,
):
    # given: the history in clear and without derived columns, sealed the old way
    reseal_model(HISTORY, clear=True, lift_triggers=True, restore_triggers=True)
    drop_siblings()
    seal = legacy_seal([f for f in HISTORY._meta.concrete_fields if f not in SIBLINGS])
    # and then the sealing migrations: the derived columns, the rows encrypted
    add_siblings()
    reseal_model(HISTORY, lift_triggers=True, restore_triggers=True)
    # when
    assert fill_legacy_columns() == (1, 0)
    # then
    seal.refresh_from_db()
    assert "id_number" in seal.columns
    assert not {field.column for field in SIBLINGS} & set(seal.columns)
    assert INTACT in verify()
    with override_settings(DEVZONE_DATA_KEYS=f"{K2},{K1}"):
        sealing.reset()
        call_command("rotate_data_keys", stdout=io.StringIO())
        assert INTACT in verify()


def test_a_legacy_seal_with_the_derived_columns_is_named_and_verifies(people):
    # given: rows in clear with their derived columns, sealed the old way
    reseal_model(HISTORY, clear=True, lift_triggers=True, restore_triggers=True)
    seal = legacy_seal()
    reseal_model(HISTORY, lift_triggers=True, restore_triggers=True)
    # when
    assert fill_legacy_columns() == (1, 0)
    # then
    seal.refresh_from_db()
    assert {"id_number", "id_number_digest"} <= set(seal.columns)
    assert INTACT in verify()


def test_a_legacy_seal_over_encrypted_rows_is_named_as_stored(people):
    # given: sealed the old way after the sealing migration, over ciphertext
    seal = legacy_seal()
    # when
    assert fill_legacy_columns() == (1, 0)
    # then
    seal.refresh_from_db()
    assert {"column": "id_number", "as": "stored"} in seal.columns
    assert INTACT in verify()


def test_a_legacy_seal_over_rows_changed_since_stays_broken(people):
    # given
    seal = legacy_seal()
    by_hand(
        f'UPDATE "{TABLE}" SET name = %s WHERE history_id = %s',
        ["伪造", first_history_id()],
    )
    # when
    assert fill_legacy_columns() == (0, 1)
    # then
    seal.refresh_from_db()
    assert seal.columns is None
    with pytest.raises(CommandError, match=f"封签 #{seal.pk}.*封签未记录所覆盖的列"):
        verify()


def test_the_migration_names_legacy_seals_through_its_own_models(people):
    from django.apps import apps

    seal = legacy_seal()
    migration = importlib.import_module("devzone.migrations.0014_audit_seal_columns")

    class SchemaEditor:
        connection = connection

    migration.name_legacy_columns(apps, SchemaEditor())

    seal.refresh_from_db()
    assert seal.columns is not None
    assert not verify_chain().broken


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's own row text"
)
@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "a b",
        'say "hi"',
        "back\\slash",
        "(x)",
        "a,b",
        "tab\there",
        "line\nbreak",
        "v\vf\f",
        "全角　空格",
        "x{y}",
        None,
    ],
)
def test_a_value_is_quoted_as_postgresql_quotes_it_in_a_row(value):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ROW(%s::text, 1)::text", [value])
        (text,) = cursor.fetchone()
    assert text == "(" + record_field(value) + ",1)"
