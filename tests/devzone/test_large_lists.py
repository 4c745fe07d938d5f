"""Lists at a million rows: counts that stop, two-character search, the health check."""

import pytest
from django.urls import reverse

from devzone import changelist
from tests.projects.factories import (
    RelocationHouseholdFactory,
    RelocationProjectFactory,
)

HOUSEHOLDS = "admin:projects_relocationhousehold_changelist"


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(changelist, "COUNT_CAP", 5)


def test_a_list_longer_than_the_cap_says_more_than(admin_client, small_cap):
    # given more households than the list counts
    project = RelocationProjectFactory()
    RelocationHouseholdFactory.create_batch(8, project=project, status="pending")
    # when a filtered list is shown
    page = admin_client.get(reverse(HOUSEHOLDS) + "?status__exact=pending")
    # then it says "more than", not a number it did not count
    html = page.content.decode()
    assert "超过 5 条 搬迁户" in html
    assert "8 搬迁户" not in html


def test_a_list_within_the_cap_shows_its_exact_count(admin_client, small_cap):
    RelocationHouseholdFactory.create_batch(3, project=RelocationProjectFactory())
    html = admin_client.get(reverse(HOUSEHOLDS)).content.decode()
    assert "3 搬迁户" in html
    assert "超过" not in html and "约 " not in html


def test_two_character_name_search_finds_only_that_name(admin_client):
    project = RelocationProjectFactory()
    RelocationHouseholdFactory(project=project, head_name="张伟")
    RelocationHouseholdFactory(project=project, head_name="张伟明")
    RelocationHouseholdFactory(project=project, head_name="王伟张")
    html = admin_client.get(reverse(HOUSEHOLDS) + "?q=张伟").content.decode()
    assert "张伟明" in html and ">张伟<" in html
    assert "王伟张" not in html


def test_healthz_answers_ok_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
