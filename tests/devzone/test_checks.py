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
