from devzone.checks import resources_use_natural_keys
from devzone.imports import ZoneResource
from devzone.models import Area


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


def test_the_system_checks_run_at_start_up():
    from django.core import checks

    assert resources_use_natural_keys in checks.registry.registry.get_checks()


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
