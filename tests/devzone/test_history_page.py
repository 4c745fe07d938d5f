"""The history page in staff's words: the person's name, no empty → empty lines."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from devzone.models import Community
from tests.spreadsheets import page_text


def test_the_creation_entry_lists_only_filled_fields_and_names_the_person(
    admin_client, db
):
    # given a village created by 李青, its statistical code left empty
    clerk = get_user_model().objects.create_user("liqing", first_name="李青")
    village = Community(name="胡桥村", kind=Community.Kind.VILLAGE)
    village._history_user = clerk
    village.save()

    # when its history is opened
    response = admin_client.get(
        reverse("admin:devzone_community_history", args=[village.pk])
    )

    # then the entry names 李青, not liqing, and says nothing of empty fields
    text = page_text(response)
    assert "李青" in text and "liqing" not in text
    assert "（空） → （空）" not in text
    assert "胡桥村" in text
    assert "统计用区划代码" not in text
