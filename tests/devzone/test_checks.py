import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from devzone.checks import resources_use_natural_keys
from devzone.models import Area
from devzone.spreadsheets.resources import ZoneResource


def test_every_resource_in_the_project_uses_a_natural_key():
    assert resources_use_natural_keys(None) == []


def test_a_resource_keyed_on_id_is_refused():
    class AreaByIdResource(ZoneResource):
        class Meta:
            model = Area
            fields = ("id", "name")
            import_id_fields = ("id",)

    try:
        ids = [error.id for error in resources_use_natural_keys(None)]
        assert ids == ["devzone.E001"]
    finally:
        del AreaByIdResource
        import gc

        gc.collect()


BAD_RESOURCE_THEN_CHECK = """
import django
django.setup()
from devzone.spreadsheets.resources import ZoneResource
from devzone.models import Area
class AreaByIdResource(ZoneResource):
    class Meta:
        model = Area
        fields = ("id", "name")
        import_id_fields = ("id",)
from django.core.management import call_command
call_command("check")
"""


def test_the_system_checks_run_with_manage_py_check():
    # In a fresh process that never imports devzone.checks itself: only the app's
    # own registration can make `manage.py check` refuse a Resource keyed on id.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    run = subprocess.run(
        [sys.executable, "-c", BAD_RESOURCE_THEN_CHECK],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=60,
    )
    assert run.returncode != 0
    assert "devzone.E001" in run.stderr


def test_a_report_contribution_to_an_unknown_section_is_refused(monkeypatch):
    from devzone import registry

    monkeypatch.setattr(
        registry,
        "report_contributions",
        [registry.ReportContribution(section="sports", figures=list)],
    )
    with pytest.raises(SystemCheckError, match="devzone.E003"):
        call_command("check")


def test_registering_an_app_twice_changes_nothing():
    from django.apps import apps

    from devzone import registry

    before = (
        dict(registry.datasets),
        list(registry.report_contributions),
        dict(registry.report_sections),
        list(registry.demo_loaders),
    )
    for config in apps.get_app_configs():
        if config.name in {"devzone", "projects", "governance", "welfare"}:
            config.ready()
    after = (
        dict(registry.datasets),
        list(registry.report_contributions),
        dict(registry.report_sections),
        list(registry.demo_loaders),
    )
    assert after == before


def test_a_dataset_label_may_be_a_lazy_translation():
    from django.utils.translation import gettext_lazy as _

    from devzone import registry
    from devzone.filters import AreaFilterSet
    from devzone.resources import AreaResource

    dataset = registry.register_dataset(
        registry.Dataset(
            key="tests.lazy_area",
            label=_("片区"),
            model=Area,
            resource=AreaResource,
            filterset=AreaFilterSet,
        )
    )
    try:
        assert dataset.label == "片区" and type(dataset.label) is str
    finally:
        registry.datasets.pop("tests.lazy_area")
