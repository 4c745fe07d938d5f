"""Hostile and malformed filters on the export centre and the report: never a 500."""

import pytest

from tests.spreadsheets import page_text

HOUSEHOLDS = "/reports/exports/projects.relocationhousehold/"


@pytest.mark.parametrize(
    "query",
    [
        {"floor_area_min": "NaN"},
        {"signed_on_after": "2021-02-30"},
        {"project": "999999"},
        {"project": "abc"},
        {"status": "bogus"},
        {"household_size_min": "1e5"},
        {"format": "pdf"},
        {"head_name": "\x00"},
        {"id_number": "'; DROP TABLE x;--"},
    ],
)
def test_malformed_filters_are_refused_with_the_forms_errors(admin_client, query):
    response = admin_client.get(HOUSEHOLDS, query)
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert "符合条件的记录" not in page_text(response)


@pytest.mark.parametrize(
    "query",
    [
        {"floor_area_min": "1e400"},
        {"floor_area_min": "9" * 60},
        {"page": "-1"},
        {"page": "abc"},
    ],
)
def test_extreme_but_well_formed_values_still_answer(admin_client, query):
    response = admin_client.get(HOUSEHOLDS, query)
    assert response.status_code == 200
    assert "符合条件的记录" in page_text(response)


@pytest.mark.parametrize("year", ["99999999999999999999", "-1", "2021.5", "\x00"])
def test_report_refuses_a_year_that_is_not_one(admin_client, year):
    response = admin_client.get("/reports/annual/", {"year": year})
    assert response.status_code == 400
