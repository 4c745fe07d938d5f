"""Where each app plugs its datasets and report sections into the zone's frames.

``devzone`` never imports an app: an app registers here from its ``AppConfig.ready()``,
and the export centre and the annual report read what was registered.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

datasets = {}
demo_loaders = []


@dataclass(frozen=True)
class Dataset:
    """A downloadable set of records: its model, Resource and FilterSet."""

    key: str
    label: str
    model: type
    resource: type
    filterset: type
    order: int = 100

    @property
    def view_permission(self):
        opts = self.model._meta
        return f"{opts.app_label}.view_{opts.model_name}"

    @property
    def export_permission(self):
        opts = self.model._meta
        return f"{opts.app_label}.export_{opts.model_name}"

    def visible_to(self, user):
        """Return True if the user may see and download this dataset."""
        return user.has_perms([self.view_permission, self.export_permission])


def register_dataset(dataset):
    """Make a dataset available to the export centre."""
    # A lazy label would break the file names built from it.
    dataset = replace(dataset, label=str(dataset.label))
    datasets[dataset.key] = dataset
    return dataset


@dataclass(frozen=True)
class DemoLoader:
    """A function that loads an app's demo data; ``order`` runs lower numbers first."""

    name: str
    load: Callable[[], dict]
    order: int = 100


@dataclass(frozen=True)
class Generator:
    """Invented rows of one model for ``manage.py generate_data --<option> N``."""

    option: str
    label: str
    default: int
    generate: Callable[[int], None]
    order: int = 100


generators = {}


def register_generator(generator):
    """Add an app's bulk data to ``manage.py generate_data``."""
    generators[generator.option] = generator


def register_demo(name, load, order=100):
    """Add an app's demo data to ``manage.py seed_demo``."""
    if all(loader.name != name for loader in demo_loaders):
        demo_loaders.append(DemoLoader(name, load, order))


SECTIONS = (
    ("party", "党建引领"),
    ("projects", "项目建设"),
    ("environment", "生态环境"),
    ("welfare", "民生福祉"),
    ("development", "发展动能"),
)


@dataclass(frozen=True)
class Figure:
    """One figure of the annual report and the changelist that shows its rows.

    ``url`` opens the admin changelist filtered to exactly the records behind the
    figure; ``rows`` is how many rows that changelist shows (for a count it equals
    ``value``; for a sum or a distinct count it is the number of records summed).
    """

    key: str
    label: str
    value: object
    unit: str
    url: str = ""
    rows: int | None = None
    decimals: int = 0


@dataclass(frozen=True)
class Chart:
    """A bar chart of labelled values, rendered on the server as SVG.

    ``data`` is a list of ``(label, value)`` pairs, one bar each.
    """

    key: str
    title: str
    data: list
    unit: str = ""


@dataclass
class ReportContribution:
    """Figures (and charts) one app adds to a section of the annual report.

    ``figures(year, scope)`` returns a list of Figure, ``charts(year, scope)`` a list
    of Chart, each counting only the records within the ``devzone.scope.Scope``;
    ``section`` is one of the keys of SECTIONS. ``years()`` (optional) returns the
    years the app holds records for, so the report opens on the latest of them.
    ``compare=False`` marks figures that describe the present state rather than a
    year (e.g. a share of communities), which get no year-over-year change.
    """

    section: str
    figures: Callable[..., list]
    charts: Callable[..., list] = field(default=lambda year, scope=None: [])
    order: int = 100
    years: Callable[[], Iterable[int]] = field(default=lambda: [])
    compare: bool = True


report_contributions = []


def register_report(contribution):
    """Add figures and charts to a section of the annual report."""
    if contribution.section not in dict(SECTIONS):
        raise ValueError(f"Unknown report section: {contribution.section!r}")
    report_contributions.append(contribution)
    return contribution
