"""The one shape of an admin action that changes many records: ``SelectionAction``."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from devzone.admin import CommunityAdmin
from devzone.admin_actions import SelectionAction
from devzone.models import Community
from devzone.services import records_change_all_or_none
from tests.factories import CommunityFactory
from tests.spreadsheets import page_text

pytestmark = pytest.mark.django_db


class SubdistrictForm(forms.Form):
    subdistrict = forms.CharField(label="所属街道")


def communities_move(*, communities, subdistrict):
    def move(community):
        if community.name == "不动村":
            return f"{community.name} 不能调整"
        community.subdistrict = subdistrict
        return None

    return records_change_all_or_none(communities, change=move, fields=["subdistrict"])


class MovingCommunityAdmin(CommunityAdmin):
    actions = ["move"]

    move = SelectionAction(
        description="调整所属街道",
        service=communities_move,
        records="communities",
        form_class=SubdistrictForm,
        select=lambda communities: communities.order_by("name"),
        title="调整所属街道",
        intro="以下 %(count)d 个村/社区将调整所属街道：",
        submit="确认调整",
        done="已调整 %(count)d 个村/社区。",
        describe=lambda community: f"{community.name}（{community.subdistrict}）",
    )


@pytest.fixture
def model_admin():
    return MovingCommunityAdmin(Community, admin.site)


def post(user, data=None):
    request = RequestFactory().post("/", data or {})
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def subdistricts():
    return dict(Community.objects.values_list("name", "subdistrict"))


def test_first_post_lists_what_will_change_and_changes_nothing(model_admin, admin_user):
    # given
    CommunityFactory(name="2号村", subdistrict="云阳街道")
    CommunityFactory(name="1号村", subdistrict="云阳街道")
    before = subdistricts()

    # when
    response = model_admin.move(
        model_admin, post(admin_user), Community.objects.all()
    ).render()

    # then
    text = page_text(response)
    assert "以下 2 个村/社区将调整所属街道：" in text
    assert text.index("1号村（云阳街道）") < text.index("2号村（云阳街道）")
    assert "所属街道:" in text
    html = response.content.decode()
    assert 'value="确认调整"' in html and 'name="action" value="move"' in html
    assert subdistricts() == before


def test_confirming_changes_every_record_and_says_how_many(model_admin, admin_user):
    CommunityFactory(name="甲村", subdistrict="云阳街道")
    CommunityFactory(name="乙村", subdistrict="云阳街道")
    request = post(admin_user, {"apply": "1", "subdistrict": "开发区街道"})

    response = model_admin.move(model_admin, request, Community.objects.all())

    assert response is None
    assert subdistricts() == {"甲村": "开发区街道", "乙村": "开发区街道"}
    assert [str(m) for m in get_messages(request)] == ["已调整 2 个村/社区。"]


def test_one_refused_record_leaves_every_record_unchanged(model_admin, admin_user):
    CommunityFactory(name="甲村", subdistrict="云阳街道")
    CommunityFactory(name="不动村", subdistrict="云阳街道")
    before = subdistricts()
    request = post(admin_user, {"apply": "1", "subdistrict": "开发区街道"})

    model_admin.move(model_admin, request, Community.objects.all())

    assert subdistricts() == before
    (message,) = get_messages(request)
    assert message.level_tag == "error"
    assert str(message) == "未作任何修改：不动村 不能调整。"


def test_an_invalid_form_asks_again_and_changes_nothing(model_admin, admin_user):
    CommunityFactory(name="甲村", subdistrict="云阳街道")

    response = model_admin.move(
        model_admin, post(admin_user, {"apply": "1"}), Community.objects.all()
    )

    assert response.context_data["form"].errors["subdistrict"]
    assert subdistricts() == {"甲村": "云阳街道"}


def test_the_action_is_offered_by_name_only_to_users_who_may_change(
    model_admin, admin_user, make_staff
):
    viewer = make_staff("devzone.view_community")

    actions = model_admin.get_actions(post(admin_user))

    assert actions["move"][1:] == ("move", "调整所属街道")
    assert "move" not in model_admin.get_actions(post(viewer))
    assert model_admin.check() == []
