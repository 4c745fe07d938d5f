"""Each column declares the other names people write for it, once, beside it."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from devzone.spreadsheets.headers import COMMON_ALIASES
from devzone.spreadsheets.resources import Column, ZoneResource
from devzone.spreadsheets.widgets import TextWidget
from projects.models import RelocationHousehold
from projects.resources import RelocationHouseholdResource
from tests.projects.test_ledgers import sample_rows
from tests.spreadsheets import confirm, csv_bytes, page_text, upload


def test_a_column_declared_with_aliases_is_its_model_fields_column():
    field = RelocationHouseholdResource.fields["head_name"]

    # the header, attribute and widget are those the model field gives
    assert isinstance(field, Column)
    assert (field.attribute, field.column_name) == ("head_name", "户主姓名")
    assert isinstance(field.widget, TextWidget)
    assert field.aliases == ("户主",)
    assert RelocationHouseholdResource.column_aliases() == {"户主姓名": ["户主"]}


def test_a_column_may_name_its_own_header_beside_its_aliases():
    class HouseholdNames(ZoneResource):
        head_name = Column(column_name="户主", aliases=["户主姓名", "户名"])

        class Meta:
            model = RelocationHousehold
            fields = ("head_name", "id_number")
            import_id_fields = ("id_number",)

    names = HouseholdNames().header_names()
    assert names.column("户名") == "户主"
    assert names.column("公民身份号码") == "身份证号"  # a common alias still applies


def test_resources_no_longer_read_aliases_from_meta():
    for resource in ZoneResource.__subclasses__():
        assert not hasattr(resource._meta, "column_aliases"), resource
    assert "户主姓名" not in COMMON_ALIASES  # declared beside its column now


@pytest.mark.django_db
def test_the_templates_instructions_list_the_declared_and_common_names(admin_client):
    response = admin_client.get(
        reverse("admin:projects_relocationhousehold_import_template")
    )

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    also = {
        row[0]: row[4] or ""
        for row in book["填写说明"].iter_rows(min_row=5, values_only=True)
    }
    assert also["户主姓名"] == "户主"
    assert "公民身份号码" in also["身份证号"]
    assert "手机号码" in also["联系电话"]


def test_a_file_headed_with_a_declared_alias_imports(admin_client, tianbo):
    header, rows = sample_rows()
    data = csv_bytes([["户主" if h == "户主姓名" else h for h in header], *rows])

    preview = upload(admin_client, "projects_relocationhousehold", "台账.csv", data)

    assert "新增 8 条" in page_text(preview)
    confirm(admin_client, "projects_relocationhousehold", preview)
    assert RelocationHousehold.objects.exclude(head_name="").count() == 8
