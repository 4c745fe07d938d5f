"""The system from the configured networks only (DEVZONE_ADMIN_ALLOWED_NETWORKS)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from devzone.checks import admin_networks_are_networks

PASSWORD = "Network-check-2024"


@pytest.fixture
def office_only(settings):
    settings.DEVZONE_ADMIN_ALLOWED_NETWORKS = ["10.20.0.0/16", "192.168.1.7"]


@pytest.mark.parametrize("address", ["10.20.3.4", "192.168.1.7"])
def test_the_office_networks_reach_the_login(client, db, office_only, address):
    response = client.get(reverse("admin:login"), REMOTE_ADDR=address)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/login/",
        "/reports/export/",
        "/desk/notices/",
        "/account/two-factor/",
    ],
)
def test_other_addresses_are_refused_in_chinese_before_anything_else(
    client, db, office_only, path
):
    response = client.get(path, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 403
    assert "只能从单位内网或指定的地址访问" in response.content.decode()


def test_a_logged_in_user_from_outside_is_refused_too_and_cannot_post(
    client, db, office_only
):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)

    page = client.get("/admin/", REMOTE_ADDR="192.168.1.8")
    post = client.post(
        reverse("admin:auth_group_add"), {"name": "外部"}, REMOTE_ADDR="192.168.1.8"
    )

    assert page.status_code == post.status_code == 403
    assert not get_user_model().objects.filter(groups__name="外部").exists()


def test_a_forged_forwarded_header_does_not_let_an_outsider_in(client, db, office_only):
    response = client.get(
        "/admin/login/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.20.0.1"
    )

    assert response.status_code == 403


def test_behind_the_trusted_proxy_the_client_address_counts(
    client, db, office_only, settings
):
    settings.DEVZONE_TRUSTED_PROXY_COUNT = 1

    inside = client.get(
        "/admin/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="10.20.9.9"
    )
    outside = client.get(
        "/admin/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )

    assert inside.status_code == 200
    assert outside.status_code == 403


def test_the_load_balancer_health_check_is_open_from_anywhere(client, db, office_only):
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_without_networks_any_address_may_log_in(client, db, settings):
    settings.DEVZONE_ADMIN_ALLOWED_NETWORKS = []

    assert client.get("/admin/login/", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_a_mistyped_range_stops_the_start(settings):
    settings.DEVZONE_ADMIN_ALLOWED_NETWORKS = ["10.0.0.0/8", "10.0.0.300/24", "office"]

    errors = admin_networks_are_networks(None)

    assert [error.id for error in errors] == ["devzone.E013", "devzone.E013"]
