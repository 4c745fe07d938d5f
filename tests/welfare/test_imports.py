"""Imports of recipients and records: the sample files, bad rows, ambiguity, masking."""

import datetime
from pathlib import Path

import pytest

from devzone.demo import load_zone
from devzone.models import ImportBatch, PersonalDataAccess
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.results import error_lines, import_counts
from devzone.validators import mask_id_number
from tests.spreadsheets import (
    confirm,
    csv_bytes,
    error_items,
    page_text,
    preview_cells,
    upload,
    xlsx_bytes,
)
from tests.welfare.factories import (
    WelfareRecipientFactory,
    make_id_number,
    mask_candidates,
)
from welfare.models import AssistanceRecord, WelfareRecipient
from welfare.resources import AssistanceRecordResource, WelfareRecipientResource

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
RECIPIENTS = "welfare_welfarerecipient"
RECORDS = "welfare_assistancerecord"
IMPORTER = (
    "welfare.view_welfarerecipient",
    "welfare.add_welfarerecipient",
    "welfare.change_welfarerecipient",
    "welfare.import_welfarerecipient",
    "welfare.view_assistancerecord",
    "welfare.add_assistancerecord",
    "welfare.change_assistancerecord",
    "welfare.import_assistancerecord",
)
RECIPIENT_HEADER = [
    "姓名",
    "身份证号",
    "联系电话",
    "村/社区",
    "帮扶类别",
    "致困原因",
    "认定年度",
    "认定批次",
    "认定日期",
    "监护人",
    "监护人电话",
    "状态",
    "退出日期",
]
RECORD_HEADER = ["身份证号", "帮扶对象类别", "日期", "帮扶方式", "金额（元）"]


@pytest.fixture(autouse=True)
def communities(db):
    load_zone()


def sample(name):
    return (SAMPLES / name).read_bytes()


def run_import(resource_class, data, name="upload.csv"):
    return resource_class(unmasked=True).import_data(
        read_dataset(data, name), dry_run=False
    )


def recipient_row(**overrides):
    row = {
        "姓名": "贺建国",
        "身份证号": make_id_number(),
        "联系电话": "13912345678",
        "村/社区": "高楼社区",
        "帮扶类别": "困难户",
        "致困原因": "因病",
        "认定年度": "2021",
        "认定批次": "第二批",
        "认定日期": "2021-07-15",
        "监护人": "",
        "监护人电话": "",
        "状态": "在册",
        "退出日期": "",
    }
    row.update(overrides)
    return [row[h] for h in RECIPIENT_HEADER]


def recipients_csv(*rows):
    return csv_bytes([RECIPIENT_HEADER, *rows])


# The sample files through the admin -----------------------------------------------------


def test_gbk_sample_imports_through_the_admin(staff_client):
    client = staff_client(*IMPORTER)

    preview = upload(
        client,
        RECIPIENTS,
        "welfare_recipients_gbk.csv",
        sample("welfare_recipients_gbk.csv"),
    )
    assert "共 9 行：新增 9 条" in page_text(preview)
    assert not WelfareRecipient.objects.exists()
    response = confirm(client, RECIPIENTS, preview)

    assert response.status_code == 302
    assert WelfareRecipient.objects.count() == 9
    log = ImportBatch.objects.get()
    assert (log.file_name, log.new_count) == ("welfare_recipients_gbk.csv", 9)
    # Numbers are sealed at rest: read back, not compared in SQL.
    assert any(
        r.id_number.endswith("X")
        for r in WelfareRecipient.objects.filter(cause="education")
    )
    exited = WelfareRecipient.objects.get(status="exited")
    assert exited.exited_on == datetime.date(2022, 11, 30)
    twice = WelfareRecipient.objects.filter(category__in=["subsistence", "disabled"])
    assert len({r.id_number for r in twice}) == 1


def test_xlsx_sample_holds_the_same_rows_as_the_gbk_csv(staff_client):
    client = staff_client(*IMPORTER)
    confirm(
        client,
        RECIPIENTS,
        upload(client, RECIPIENTS, "a.xlsx", sample("welfare_recipients.xlsx")),
    )
    assert WelfareRecipient.objects.count() == 9

    preview = upload(client, RECIPIENTS, "b.csv", sample("welfare_recipients_gbk.csv"))

    assert "共 9 行：新增 0 条，更新 0 条，未变 9 条" in page_text(preview)


def test_record_samples_import_after_their_recipients(staff_client):
    client = staff_client(*IMPORTER)
    confirm(
        client,
        RECIPIENTS,
        upload(client, RECIPIENTS, "r.csv", sample("welfare_recipients_gbk.csv")),
    )

    preview = upload(
        client, RECORDS, "a.csv", sample("welfare_assistance_records_gbk.csv")
    )
    confirm(client, RECORDS, preview)
    again = upload(client, RECORDS, "b.xlsx", sample("welfare_assistance_records.xlsx"))

    assert AssistanceRecord.objects.count() == 21
    assert "新增 0 条，更新 0 条，未变 21 条" in page_text(again)


def test_error_sample_names_each_bad_row_and_saves_nothing(staff_client):
    client = staff_client(*IMPORTER)

    preview = upload(
        client,
        RECIPIENTS,
        "welfare_recipients_errors.csv",
        sample("welfare_recipients_errors.csv"),
    )

    assert error_items(preview) == [
        "第 3 行 · 身份证号：身份证号校验位错误，请核对号码。",
        "第 4 行 · 监护人：留守儿童、困境儿童必须填写监护人。",
        "第 4 行 · 监护人电话：留守儿童、困境儿童必须填写监护人电话。",
        "第 5 行 · 村/社区：找不到「红星村」：请先在“村/社区”中添加。",
    ]
    assert "没有保存任何数据" in page_text(preview)
    assert "confirm_form" not in preview.context or not preview.context["confirm_form"]
    assert not WelfareRecipient.objects.exists()


def test_error_sample_in_code_saves_nothing():
    result = run_import(
        WelfareRecipientResource, sample("welfare_recipients_errors.csv")
    )

    assert result.has_validation_errors()
    assert len(error_lines(result)) == 4
    assert not WelfareRecipient.objects.exists()


def test_reimport_updates_instead_of_duplicating():
    data = sample("welfare_recipients_gbk.csv")
    run_import(WelfareRecipientResource, data)

    again = run_import(WelfareRecipientResource, data)
    changed = data.decode("gbk").replace("13829647320", "13829640000").encode("gbk")
    updated = run_import(WelfareRecipientResource, changed)

    assert import_counts(again) == {"new": 0, "update": 0, "skip": 9}
    assert import_counts(updated) == {"new": 0, "update": 1, "skip": 8}
    assert WelfareRecipient.objects.count() == 9
    assert WelfareRecipient.objects.filter(phone="13829640000").count() == 1


# Bad rows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"身份证号": "32118119800101123"},
            "第 2 行 · 身份证号：身份证号应为 18 位，当前为 17 位。",
        ),
        (
            {"身份证号": "321181208001011234"},
            "第 2 行 · 身份证号：身份证号中的出生日期 2080-01-01 晚于今天。",
        ),
        (
            {
                "帮扶类别": "留守儿童",
                "身份证号": make_id_number(birth=datetime.date(2012, 1, 1)),
            },
            "第 2 行 · 监护人：留守儿童、困境儿童必须填写监护人。",
        ),
        (
            {
                "帮扶类别": "困境儿童",
                "监护人": "贺国平",
                "监护人电话": "13800001111",
            },
            "第 2 行 · 身份证号：儿童类别要求认定日期时未满 18 周岁；按身份证号，此人在认定日期已满 51 周岁。",
        ),
        (
            {"村/社区": "红星村"},
            "第 2 行 · 村/社区：找不到「红星村」：请先在“村/社区”中添加。",
        ),
        (
            {"状态": "已退出"},
            "第 2 行 · 退出日期：已退出的帮扶对象必须填写退出日期，在册的不能填写。",
        ),
        ({"帮扶类别": "五保户"}, "第 2 行 · 帮扶类别：「五保户」不是有效选项"),
        (
            {"联系电话": "12345"},
            "第 2 行 · 联系电话：电话号码应为 11 位手机号或带区号的固定电话。",
        ),
        (
            {"认定日期": "2021年13月1日"},
            "第 2 行 · 认定日期：「2021年13月1日」不是有效日期",
        ),
    ],
    ids=[
        "short-id",
        "future-birth",
        "child-no-guardian",
        "adult-as-child",
        "unknown-community",
        "exited-no-date",
        "bad-category",
        "bad-phone",
        "bad-date",
    ],
)
def test_bad_rows_are_refused_with_row_column_and_reason(overrides, expected):
    good = recipient_row(身份证号=make_id_number(seq=77))

    result = run_import(
        WelfareRecipientResource, recipients_csv(recipient_row(**overrides), good)
    )

    lines = error_lines(result)
    assert any(line.startswith(expected) for line in lines), lines
    assert not WelfareRecipient.objects.exists()


def test_an_id_typed_as_a_number_in_excel_is_refused():
    row = recipient_row()
    row[1] = 3.21181197005e17

    result = run_import(
        WelfareRecipientResource, xlsx_bytes([RECIPIENT_HEADER, row]), "a.xlsx"
    )

    (line,) = error_lines(result)
    assert "已被 Excel 当成数字保存" in line and line.startswith("第 2 行 · 身份证号")


def test_the_same_person_and_category_twice_in_a_file_is_refused():
    number = make_id_number()
    data = recipients_csv(
        recipient_row(身份证号=number), recipient_row(身份证号=number.lower())
    )

    result = run_import(WelfareRecipientResource, data)

    assert "第 3 行 · 身份证号：与第 2 行的“身份证号、帮扶类别”相同" in " ".join(
        error_lines(result)
    )
    assert not WelfareRecipient.objects.exists()


def test_the_same_person_in_two_categories_is_two_recipients():
    number = make_id_number()
    data = recipients_csv(
        recipient_row(身份证号=number),
        recipient_row(身份证号=number, 帮扶类别="残疾人", 致困原因="因残"),
    )

    result = run_import(WelfareRecipientResource, data)

    assert import_counts(result)["new"] == 2
    assert WelfareRecipient.objects.filter(id_number=number).count() == 2


# Records: finding the recipient ---------------------------------------------------------


@pytest.fixture
def twice_registered():
    hardship = WelfareRecipientFactory(name="周文强")
    disabled = WelfareRecipientFactory(
        name="周文强",
        id_number=hardship.id_number,
        category="disabled",
        cause="disability",
    )
    return hardship, disabled


def records_csv(*rows):
    return csv_bytes([RECORD_HEADER, *rows])


def test_record_for_a_person_in_two_categories_needs_the_category(twice_registered):
    hardship, _ = twice_registered

    result = run_import(
        AssistanceRecordResource,
        records_csv([hardship.id_number, "", "2021-08-01", "救助金", "500"]),
    )

    (line,) = error_lines(result)
    assert line == (
        "第 2 行 · 身份证号：该身份证号登记在多个帮扶类别（困难户、残疾人），"
        "请在“帮扶对象类别”列注明是哪一个。"
    )
    assert not AssistanceRecord.objects.exists()


def test_record_category_column_chooses_the_recipient(twice_registered):
    hardship, disabled = twice_registered

    result = run_import(
        AssistanceRecordResource,
        records_csv(
            [hardship.id_number, "残疾人", "2021-08-01", "救助金", "500"],
            [hardship.id_number.lower(), "困难户", "2021-08-01", "救助金", "800"],
        ),
    )

    assert import_counts(result)["new"] == 2
    assert disabled.records.get().amount == 500
    assert hardship.records.get().amount == 800


def test_record_without_category_column_is_fine_for_a_single_recipient():
    recipient = WelfareRecipientFactory()
    data = csv_bytes(
        [
            ["身份证号", "日期", "帮扶方式", "金额（元）"],
            [recipient.id_number, "2021年8月1日", "物资", "300"],
        ]
    )

    result = run_import(AssistanceRecordResource, data)

    assert import_counts(result)["new"] == 1
    assert recipient.records.get().date == datetime.date(2021, 8, 1)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["{id}", "留守儿童", "2021-08-01", "救助金", "500"],
            "第 2 行 · 身份证号：该身份证号没有登记为「留守儿童」的帮扶对象（已登记的类别：困难户、残疾人）。",
        ),
        (
            [make_id_number(seq=999), "", "2021-08-01", "救助金", "500"],
            "第 2 行 · 身份证号：在您负责的村/社区中找不到这个身份证号的帮扶对象",
        ),
        (
            ["{id}", "困难户", "2021-08-01", "救助金", "-5"],
            "第 2 行 · 金额（元）：金额不能为负数。",
        ),
        (
            ["{id}", "困难户", "2099-08-01", "救助金", "5"],
            "第 2 行 · 日期：日期不能晚于今天",
        ),
        (
            ["{id}", "困难户", "2021-08-01", "红包", "5"],
            "第 2 行 · 帮扶方式：「红包」不是有效选项",
        ),
    ],
    ids=["wrong-category", "unknown-id", "negative", "future", "bad-kind"],
)
def test_bad_record_rows_are_refused(twice_registered, row, expected):
    number = twice_registered[0].id_number
    row = [cell.replace("{id}", number) for cell in row]

    result = run_import(AssistanceRecordResource, records_csv(row))

    lines = error_lines(result)
    assert any(line.startswith(expected) for line in lines), lines
    assert not AssistanceRecord.objects.exists()


def test_record_name_column_must_match_the_recipient():
    recipient = WelfareRecipientFactory(name="贺建国")
    data = csv_bytes(
        [
            ["姓名", "身份证号", "日期", "帮扶方式"],
            ["王秀英", recipient.id_number, "2021-08-01", "走访慰问"],
        ]
    )

    (line,) = error_lines(run_import(AssistanceRecordResource, data))

    assert line == "第 2 行 · 身份证号：身份证号与姓名「王秀英」不符，请核对。"


def test_record_reimport_is_idempotent():
    recipient = WelfareRecipientFactory()
    data = records_csv([recipient.id_number, "困难户", "2021-08-01", "救助金", "500"])
    run_import(AssistanceRecordResource, data)

    again = run_import(AssistanceRecordResource, data)

    assert import_counts(again) == {"new": 0, "update": 0, "skip": 1}
    assert AssistanceRecord.objects.count() == 1


# Personal data in the preview -----------------------------------------------------------


def test_preview_masks_stored_numbers_for_a_user_without_the_permission(staff_client):
    stored = WelfareRecipientFactory(phone="13911112222", name="贺建国")
    row = recipient_row(身份证号=stored.id_number, 联系电话="13933334444")
    client = staff_client(*IMPORTER)

    preview = upload(client, RECIPIENTS, "a.csv", recipients_csv(row))

    # then the preview shows what changes, its numbers masked
    content = preview.content.decode()
    assert "新增 0 条，更新 1 条" in page_text(preview)
    assert "13911112222" not in content and "13933334444" not in content
    assert stored.id_number[6:14] not in content
    assert preview_cells(preview) == [
        [
            "2",
            "更新",
            "贺建国",
            mask_id_number(stored.id_number),
            "139****2222 → 139****4444",
        ]
    ]


def test_preview_shows_full_numbers_with_the_permission(staff_client):
    stored = WelfareRecipientFactory(phone="13911112222", name="贺建国")
    row = recipient_row(身份证号=stored.id_number, 联系电话="13933334444")
    client = staff_client(*IMPORTER, "welfare.view_personal_data")

    preview = upload(client, RECIPIENTS, "a.csv", recipients_csv(row))

    # then the preview shows the change in full, the row as an update
    assert preview_cells(preview) == [
        ["2", "更新", "贺建国", stored.id_number, "13911112222 → 13933334444"]
    ]


def test_import_needs_the_import_permission(staff_client):
    from django.urls import reverse

    client = staff_client(
        "welfare.view_welfarerecipient", "welfare.add_welfarerecipient"
    )

    assert (
        client.get(reverse("admin:welfare_welfarerecipient_import")).status_code == 403
    )


def test_ambiguous_record_is_named_on_the_admin_preview(staff_client, twice_registered):
    hardship, _ = twice_registered
    client = staff_client(*IMPORTER)
    data = records_csv(
        [hardship.id_number, "困难户", "2021-08-01", "救助金", "500"],
        [hardship.id_number, "", "2021-08-02", "救助金", "500"],
    )

    preview = upload(client, RECORDS, "records.csv", data)

    assert error_items(preview) == [
        "第 3 行 · 身份证号：该身份证号登记在多个帮扶类别（困难户、残疾人），"
        "请在“帮扶对象类别”列注明是哪一个。"
    ]
    assert hardship.id_number not in preview.content.decode()
    assert not AssistanceRecord.objects.exists()


def candidates_for(stored):
    """Return the other ID numbers a guesser would try: same mask, other birth dates."""
    return mask_candidates(stored.id_number, 30, start=datetime.date(1970, 1, 1))


def test_a_masked_user_cannot_guess_a_number_by_importing_its_candidates(
    staff_client,
):
    # given a recipient whose ID a clerk sees only masked
    stored = WelfareRecipientFactory(
        id_number=make_id_number(datetime.date(1970, 5, 1))
    )
    guesses = [*candidates_for(stored), stored.id_number]
    assert len(guesses) > 10
    rows = [recipient_row(身份证号=number) for number in guesses]
    client = staff_client(*IMPORTER)
    # when they import every candidate, hoping the preview marks one "更新"
    preview = upload(client, RECIPIENTS, "guess.csv", recipients_csv(*rows))
    # then the file is refused before any row is matched, and the try is logged
    text = page_text(preview)
    assert "为防止通过导入试探他人的号码" in text
    assert "更新 1 条" not in text and "confirm_form" not in preview.context
    refused = PersonalDataAccess.objects.get()
    assert refused.kind == PersonalDataAccess.Kind.REFUSED
    assert WelfareRecipient.objects.count() == 1


def test_a_holder_of_the_permission_may_import_such_a_file(staff_client):
    stored = WelfareRecipientFactory(
        id_number=make_id_number(datetime.date(1970, 5, 1))
    )
    rows = [recipient_row(身份证号=number) for number in candidates_for(stored)[:12]]
    client = staff_client(*IMPORTER, "welfare.view_personal_data")
    preview = upload(client, RECIPIENTS, "many.csv", recipients_csv(*rows))
    assert f"新增 {len(rows)} 条" in page_text(preview)


def test_one_new_resident_sharing_a_mask_is_not_taken_for_guessing(staff_client):
    stored = WelfareRecipientFactory(
        id_number=make_id_number(datetime.date(1970, 5, 1))
    )
    row = recipient_row(身份证号=candidates_for(stored)[0])
    preview = upload(
        staff_client(*IMPORTER), RECIPIENTS, "one.csv", recipients_csv(row)
    )
    assert "新增 1 条" in page_text(preview)


@pytest.mark.parametrize("phone", ["+86 139 1234 5678", "0086-139-1234-5678"])
def test_reimporting_a_phone_with_country_code_changes_nothing(phone):
    # given a file whose phone is written with the country code
    data = recipients_csv(recipient_row(联系电话=phone))
    run_import(WelfareRecipientResource, data)
    stored = WelfareRecipient.objects.get()
    assert stored.phone == "13912345678"

    # when the same file is imported again
    again = run_import(WelfareRecipientResource, data)

    # then the row is unchanged and its change time has not moved
    assert import_counts(again) == {"new": 0, "update": 0, "skip": 1}
    assert WelfareRecipient.objects.get().updated_at == stored.updated_at


def test_a_residence_permit_number_imports():
    number = make_id_number().replace("321181", "810000", 1)
    from devzone.validators import id_check_character

    number = number[:17] + id_check_character(number[:17])
    result = run_import(
        WelfareRecipientResource, recipients_csv(recipient_row(身份证号=number))
    )
    assert error_lines(result) == []
    assert WelfareRecipient.objects.get().id_number == number


def test_rules_judge_the_rows_that_write_and_leave_an_unchanged_one_alone():
    # given: a stored recipient the rules would now refuse, as data kept from before
    # a rule existed is (identified before the birth in the ID), set in SQL
    person = make_id_number(birth=datetime.date(2021, 12, 1))
    row = recipient_row(身份证号=person, 认定日期="2021-12-15")
    run_import(WelfareRecipientResource, recipients_csv(row))
    WelfareRecipient.objects.filter(id_number=person).update(
        identified_on=datetime.date(2021, 7, 15)
    )
    stored = recipient_row(身份证号=person, 认定日期="2021-07-15")
    edited = recipient_row(
        身份证号=person, 认定日期="2021-07-15", 联系电话="13900000000"
    )

    # when: the stored values again, then with the phone changed
    unchanged = run_import(WelfareRecipientResource, recipients_csv(stored))
    refused = run_import(WelfareRecipientResource, recipients_csv(edited))

    # then: the unchanged row writes nothing and is left alone, as the library's
    # row loop left a skipped row; the edit would write the rule's breach, refused
    assert import_counts(unchanged) == {"new": 0, "update": 0, "skip": 1}
    assert not unchanged.has_validation_errors()
    assert error_lines(refused) == [
        "第 2 行 · 认定日期：认定日期早于身份证号中的出生日期。"
    ]
    assert WelfareRecipient.objects.get(id_number=person).phone == "13912345678"
