"""Where each app plugs its datasets and report sections into the zone's frames.

``devzone`` never imports an app: an app registers here from its ``AppConfig.ready()``,
and the export centre and the annual report read what was registered.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import models

from devzone import roles as zone_roles

if TYPE_CHECKING:
    from django.apps import AppConfig
    from django.contrib.auth.models import AnonymousUser, User

datasets: "dict[str, Dataset]" = {}
demo_loaders: "list[DemoLoader]" = []
demo_files: "dict[str, DemoFiles]" = {}
admin_order: dict[str, int] = {}
report_sections: "dict[str, ReportSection]" = {}
report_contributions: "list[ReportContribution]" = []
person_sources: "dict[str, PersonSource]" = {}
todo_sources: "dict[str, TodoSource]" = {}


@dataclass(frozen=True)
class Dataset:
    """A downloadable set of records: its model, Resource and FilterSet.

    ``key`` and ``label`` default to the model's ``app_label.model_name`` and its
    verbose name.
    """

    model: type[models.Model]
    resource: type
    filterset: type
    order: int = 100
    key: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        opts = self.model._meta
        object.__setattr__(self, "key", self.key or opts.label_lower)
        # A lazy label would break the file names built from it.
        object.__setattr__(self, "label", str(self.label or opts.verbose_name))

    @property
    def view_permission(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}.view_{opts.model_name}"

    @property
    def export_permission(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}.export_{opts.model_name}"

    def visible_to(self, user: "User | AnonymousUser") -> bool:
        """Return True if the user may see and download this dataset."""
        return user.has_perms([self.view_permission, self.export_permission])


def register_dataset(dataset: Dataset) -> Dataset:
    """Make a dataset available to the export centre (again: replace it)."""
    datasets[dataset.key] = dataset
    return dataset


@dataclass(frozen=True)
class DemoLoader:
    """A function that loads an app's demo data; ``order`` runs lower numbers first."""

    name: str
    load: Callable[[], dict]
    order: int = 100


@dataclass(frozen=True)
class DemoFiles:
    """An app's writer of demo CSVs and sample files, run by ``generate_demo``.

    ``generate(fixtures)`` writes under ``fixtures/demo/<app>/`` and
    ``fixtures/samples/`` and returns the paths it wrote.
    """

    app_label: str
    generate: Callable[[Path], list[Path]]
    order: int = 100


@dataclass(frozen=True)
class Generator:
    """Invented rows of one model for ``manage.py generate_data --<option> N``."""

    option: str
    label: str
    default: int
    generate: Callable[[int], None]
    order: int = 100


generators: dict[str, Generator] = {}


def register_generator(generator: Generator) -> None:
    """Add an app's bulk data to ``manage.py generate_data``."""
    generators[generator.option] = generator


def replace_or_append(items: list, item: Any, same: Callable[[Any], bool]) -> None:
    """Put item where the one it replaces was (registering twice keeps the order)."""
    for index, existing in enumerate(items):
        if same(existing):
            items[index] = item
            return
    items.append(item)


def register_demo_files(files: DemoFiles) -> None:
    """Add an app's demo file writer to ``manage.py generate_demo``."""
    demo_files[files.app_label] = files


def register_demo(name: str, load: Callable[[], dict], order: int = 100) -> None:
    """Add an app's demo data to ``manage.py seed_demo`` (again: replace it)."""
    replace_or_append(
        demo_loaders, DemoLoader(name, load, order), lambda d: d.name == name
    )


@dataclass(frozen=True)
class ReportSection:
    """A section of the annual report; an app registers the sections it owns."""

    key: str
    title: str
    order: int = 100


def register_section(section: ReportSection) -> ReportSection:
    """Add a section to the annual report (again: replace it)."""
    report_sections[section.key] = section
    return section


def sections_in_order() -> list[ReportSection]:
    """Return the report's sections, lowest ``order`` first."""
    return sorted(report_sections.values(), key=lambda s: (s.order, s.key))


@dataclass(frozen=True)
class Figure:
    """One figure of the annual report and the changelist that shows its rows.

    ``url`` opens the admin changelist filtered to exactly the records behind the
    figure; ``rows`` is how many rows that changelist shows (for a count it equals
    ``value``; for a sum or a distinct count it is the number of records summed).
    ``headline`` puts the figure among the few the report opens with.
    ``zone_wide`` marks a figure no community scope applies to (key projects, deals,
    the zone's indicators): a community worker's report sets it apart under 全区数据.
    """

    key: str
    label: str
    value: object
    unit: str
    url: str = ""
    rows: int | None = None
    decimals: int = 0
    headline: bool = False
    zone_wide: bool = False


@dataclass(frozen=True)
class Chart:
    """A bar chart of labelled values, rendered on the server as SVG.

    ``data`` is a list of ``(label, value)`` pairs, one bar each. ``note`` says why
    its bars add up to another total than the figure beside it; ``zone_wide`` as
    for a Figure.
    """

    key: str
    title: str
    data: list
    unit: str = ""
    note: str = ""
    zone_wide: bool = False


@dataclass
class ReportContribution:
    """Figures (and charts) one app adds to a section of the annual report.

    ``figures(year, scope)`` returns a list of Figure, ``charts(year, scope)`` a list
    of Chart, each counting only the records within the ``devzone.scope.Scope``;
    ``section`` is the key of a registered ReportSection. ``years()`` (optional) returns the
    years the app holds records for, so the report opens on the latest of them.
    ``compare=False`` marks figures that describe the present state rather than a
    year (e.g. a share of communities), which get no year-over-year change.
    ``zone_wide=True`` marks every figure and chart of it as zone-wide (see Figure).
    """

    section: str
    figures: Callable[..., list]
    charts: Callable[..., list] = field(default=lambda year, scope=None: [])
    order: int = 100
    years: Callable[[], Iterable[int]] = field(default=lambda: [])
    compare: bool = True
    zone_wide: bool = False


def register_report(contribution: ReportContribution) -> ReportContribution:
    """Add figures and charts to a section of the annual report (again: replace it).

    The section may be registered by another app, later; a system check
    (``devzone.E003``) refuses a contribution to a section nobody registered.
    """
    replace_or_append(
        report_contributions, contribution, lambda c: c.figures is contribution.figures
    )
    return contribution


@dataclass(frozen=True)
class PersonSource:
    """Records of one model that name a person by resident ID number (一人一档).

    ``id_field`` and ``name_field`` are lookup paths (``recipient__id_number``);
    who sees the number unmasked is ``devzone.personal``'s to say. ``cards(records, on)``
    (optional) turns the person's records, already scoped, into
    ``devzone.desk.people.PersonCard`` sections; without it each record is one line
    linking to its admin page. ``key`` defaults to the model's ``app_label.model_name``.
    """

    model: type[models.Model]
    id_field: str
    name_field: str
    cards: Callable[..., list] | None = None
    order: int = 100
    key: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.key or self.model._meta.label_lower)


@dataclass(frozen=True)
class TodoSource:
    """One kind of item of a worker's to-do (我的待办): rows due on a day.

    ``rows(on)`` returns the rows due on day ``on`` (unscoped: the to-do applies the
    user's ``Scope``); ``changelist_query`` the admin changelist parameters that
    select exactly those rows today, so the item links to its list.
    """

    key: str
    label: str
    model: type[models.Model]
    rows: Callable[..., models.QuerySet]
    changelist_query: dict[str, str]
    order: int = 100


def register_person_source(source: PersonSource) -> PersonSource:
    """Let the person page gather a model's records (again: replace it)."""
    person_sources[source.key] = source
    return source


def register_todo(source: TodoSource) -> TodoSource:
    """Add a kind of item to the workers' to-do (again: replace it)."""
    todo_sources[source.key] = source
    return source


def register_app(
    app_config: "AppConfig",
    *,
    datasets: Iterable[tuple[Any, type]] = (),
    sections: Iterable[ReportSection] = (),
    reports: Iterable[ReportContribution] = (),
    demo: Callable[[], dict] | None = None,
    demo_files: Callable[[Path], list[Path]] | None = None,
    generators: Iterable[Generator] = (),
    roles: Mapping[str, Iterable[str]] | None = None,
    people: Iterable[PersonSource] = (),
    todos: Iterable[TodoSource] = (),
    order: int = 100,
    menu_order: int | None = None,
) -> None:
    """Plug an app into the zone's frames with one call from its ``ready()``.

    ``datasets`` are ``(Resource, FilterSet)`` pairs, in the order the export
    centre lists them; ``sections`` the report sections the app owns; ``reports``
    its ReportContributions; ``demo`` the function loading its demo data, run in
    ``order`` by ``seed_demo``; ``demo_files`` the function writing its demo and
    sample files for ``generate_demo``; ``generators`` its bulk data for
    ``generate_data``; ``roles`` the permissions each role (group) holds on its
    models, ``{role name: ["app_label.codename", …]}`` (see ``devzone.roles.grant``);
    ``menu_order`` its place in the admin's menu (default ``order``); ``people``
    the models whose fields name a person (the person page); ``todos`` its items
    of the workers' to-do. Calling it twice changes nothing.
    """
    admin_order[app_config.label] = order if menu_order is None else menu_order
    for index, (resource, filterset) in enumerate(datasets):
        register_dataset(
            Dataset(
                model=resource._meta.model,
                resource=resource,
                filterset=filterset,
                order=order + index,
            )
        )
    for section in sections:
        register_section(section)
    for contribution in reports:
        register_report(contribution)
    if demo is not None:
        register_demo(str(app_config.verbose_name), demo, order)
    if demo_files is not None:
        register_demo_files(DemoFiles(app_config.label, demo_files, order))
    if roles is not None:
        zone_roles.declare(roles)
    for generator in generators:
        register_generator(generator)
    for source in people:
        register_person_source(source)
    for todo in todos:
        register_todo(todo)
