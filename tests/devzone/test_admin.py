import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devzone.models import Community, StaffProfile
from tests.spreadsheets import page_text


def test_login_page_is_chinese_and_names_the_system(client, db):
    text = page_text(client.get(reverse("admin:login")))
    assert "开发区综合管理系统" in text
    assert "用户名" in text and "密码" in text and "登录" in text


def test_index_shows_apps_and_models_in_chinese(admin_client):
    text = page_text(admin_client.get(reverse("admin:index")))
    for name in ["全区基础信息", "村/社区", "片区", "年度指标", "工作人员", "导出记录"]:
        assert name in text


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(reverse("admin:devzone_community_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def queries_for_changelist(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def make_communities(count, start=0):
    Community.objects.bulk_create(
        Community(name=f"测试社区{i:03d}", kind="community")
        for i in range(start, start + count)
    )


@pytest.mark.parametrize(
    "admin_name",
    [
        "devzone_community",
        "devzone_area",
        "devzone_annualindicator",
        "devzone_staffprofile",
    ],
)
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_user_model, admin_name
):
    url = reverse(f"admin:{admin_name}_changelist")

    def add_rows(count, start):
        make_communities(count, start)
        for i in range(start, start + count):
            user = django_user_model.objects.create(username=f"u{i}")
            profile = StaffProfile.objects.create(user=user, department="community")
            profile.communities.set(
                Community.objects.filter(name__in=[f"测试社区{i:03d}"])
            )

    add_rows(10, 0)
    few = queries_for_changelist(admin_client, url)
    add_rows(40, 10)
    many = queries_for_changelist(admin_client, url)
    assert few == many


def test_changelist_shows_staff_count_and_community_filters(
    admin_client, django_user_model
):
    make_communities(3)
    user = django_user_model.objects.create(username="worker")
    StaffProfile.objects.create(user=user, department="community").communities.set(
        Community.objects.filter(name="测试社区001")
    )
    response = admin_client.get(
        reverse("admin:devzone_community_changelist") + "?kind__exact=community"
    )
    assert response.context["cl"].result_count == 3
    assert "工作人员数" in page_text(response)


def test_community_autocomplete_answers_in_json(admin_client):
    make_communities(3)
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "devzone",
            "model_name": "staffprofile",
            "field_name": "communities",
            "term": "002",
        },
    )
    assert [item["text"] for item in response.json()["results"]] == ["测试社区002"]


def test_community_form_refuses_a_bad_code_in_chinese(admin_client):
    response = admin_client.post(
        reverse("admin:devzone_community_add"),
        {
            "name": "胡桥村",
            "kind": "village",
            "subdistrict": "曲阿街道",
            "statistical_code": "1234",
        },
    )
    assert "统计用区划代码应为 12 位数字" in page_text(response)
    assert not Community.objects.exists()


def test_community_form_refuses_a_duplicate_code(admin_client):
    Community.objects.create(
        name="高楼社区", kind="community", statistical_code="321181400100"
    )
    response = admin_client.post(
        reverse("admin:devzone_community_add"),
        {
            "name": "胡桥村",
            "kind": "village",
            "subdistrict": "曲阿街道",
            "statistical_code": "321181400100",
        },
    )
    assert "统计用区划代码已被其他村/社区使用" in page_text(response)
    assert Community.objects.count() == 1


def test_area_form_needs_a_date_once_approved(admin_client):
    response = admin_client.post(
        reverse("admin:devzone_area_add"),
        {"name": "黄荻片区", "plan_status": "approved"},
    )
    assert "已批复的控规必须填写批复日期" in page_text(response)
