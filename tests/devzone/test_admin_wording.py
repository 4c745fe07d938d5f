"""The admin's own strings in staff's words: no English, no stock phrasing."""

from django.urls import reverse

from tests.spreadsheets import page_text
from tests.welfare.factories import WelfareRecipientFactory


def test_index_and_lists_read_in_plain_chinese(admin_client, db):
    WelfareRecipientFactory()

    index = admin_client.get(reverse("admin:index")).content.decode()
    listing = admin_client.get(reverse("admin:welfare_welfarerecipient_changelist"))

    for english in ("Model name", "Add link", "Change or view list link"):
        assert english not in index
    text = page_text(listing)
    assert "来修改" not in text
    assert "以 帮扶类别" not in text and "按帮扶类别" in text
    assert "无可选的" not in page_text(admin_client.get(reverse("admin:index")))


def test_an_empty_filter_option_reads_not_filled(admin_client, db):
    from tests.governance.factories import EnvironmentalCaseFactory

    EnvironmentalCaseFactory(community=None)
    EnvironmentalCaseFactory()  # one with a community: the filter is shown

    response = admin_client.get(
        reverse("admin:governance_environmentalcase_changelist")
    )

    html = response.content.decode()
    assert ">未填写</a>" in html
    assert ">-</a>" not in html
