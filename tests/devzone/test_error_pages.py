"""The 400, 403, 404 and 500 pages in Chinese, as production (DEBUG off) serves them."""

import pytest
from django.test import Client
from django.urls import path, reverse

from tests.spreadsheets import page_text

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_answered_in_chinese_inside_the_admin(staff_client):
    client = staff_client("devzone.view_community")

    response = client.get("/reports/nothing-here/")

    assert response.status_code == 404
    text = page_text(response)
    assert "页面不存在" in text
    assert "您要打开的页面或记录不存在" in text
    assert "开发区综合管理系统" in text
    assert "工作台" in text  # the admin's frame: its breadcrumbs and menu
    assert "Not Found" not in text


def test_a_refused_page_is_answered_in_chinese_inside_the_admin(staff_client):
    client = staff_client("devzone.view_community")

    response = client.get(reverse("admin:welfare_welfarerecipient_changelist"))

    assert response.status_code == 403
    text = page_text(response)
    assert "没有权限" in text
    assert "请联系管理员开通" in text
    assert "工作台" in text
    assert "Forbidden" not in text


def test_a_visitor_who_is_not_signed_in_gets_the_plain_chinese_404():
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    text = page_text(response)
    assert "页面不存在（404）" in text
    assert "返回工作台" in text
    assert "Not Found" not in text


def test_the_500_page_is_chinese_and_renders_without_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出错（500）" in html
    assert "请稍后重试" in html
    assert "/static/" not in html  # nothing that a broken static manifest can fail


def broken_view(request):
    raise RuntimeError("the database went away")


urlpatterns = [path("broken/", broken_view)]


@pytest.mark.urls(__name__)
def test_an_unhandled_error_answers_with_the_chinese_500_page(client):
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    assert "系统出错（500）" in page_text(response)
    assert "Server Error" not in page_text(response)


def test_a_bad_request_is_answered_in_chinese(client):
    response = client.get("/admin/login/", HTTP_HOST="bad host name")

    assert response.status_code == 400
    assert "请求无效（400）" in page_text(response)


def test_a_stale_form_is_answered_in_chinese():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/admin/login/", {"username": "a", "password": "b"})

    assert response.status_code == 403
    assert "页面已过期，请刷新后重新提交" in page_text(response)
    assert "CSRF verification failed" not in page_text(response)
