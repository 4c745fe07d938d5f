import pytest

from devzone import registry
from devzone.spreadsheets.export import Export

pytestmark = pytest.mark.usefixtures("demo_data")


def slow_rows(resource, queryset, native):
    """The library's own way: a model instance per row."""
    queryset = resource.filter_export(queryset)
    return [resource.get_export_headers()] + [
        resource.export_resource(obj, force_native_type=native)
        for obj in queryset.iterator(chunk_size=500)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("native", [False, True], ids=["csv", "xlsx"])
@pytest.mark.parametrize("unmasked", [False, True], ids=["masked", "unmasked"])
@pytest.mark.parametrize("key", sorted(registry.datasets))
def test_streamed_rows_equal_the_librarys_rows_for_every_dataset(key, unmasked, native):
    dataset = registry.datasets[key]
    resource = dataset.resource(unmasked=unmasked)
    queryset = dataset.model._default_manager.order_by("pk")

    export = Export(resource, queryset, "xlsx" if native else "csv")
    streamed = [export.headers, *export.rows()]

    assert len(streamed) == queryset.count() + 1
    assert streamed == slow_rows(resource, queryset, native)


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("key", sorted(registry.datasets))
def test_every_export_imports_back_unchanged_in_a_fixed_number_of_queries(
    key, file_format
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from devzone.spreadsheets.formats import read_dataset
    from devzone.spreadsheets.results import ImportFileError, import_counts

    dataset = registry.datasets[key]
    queryset = dataset.model._default_manager.all()
    export = Export(dataset.resource(unmasked=True), queryset, file_format)
    data = b"".join(export.chunks())
    if not queryset.exists():
        # An empty table's export is a header-only file, which an import refuses.
        with pytest.raises(ImportFileError, match="只有表头"):
            read_dataset(data, f"export.{file_format}")
        return

    with CaptureQueriesContext(connection) as ctx:
        result = dataset.resource(unmasked=True).import_data(
            read_dataset(data, f"export.{file_format}"), dry_run=True
        )

    assert not result.has_errors() and not result.has_validation_errors()
    assert import_counts(result) == {"new": 0, "update": 0, "skip": queryset.count()}
    assert len(ctx) < 40, f"{len(ctx)} queries for {queryset.count()} rows"
