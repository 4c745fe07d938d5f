"""Every app's demo file generator, run and checked together.

An app registers ``register_app(self, demo_files=generate)``; ``generate(fixtures)``
writes its demo CSVs under ``fixtures/demo/<app>/`` and its sample import files under
``fixtures/samples/``, and returns the paths it wrote.
"""

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from openpyxl import load_workbook

from devzone import registry

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


def generators() -> list[Callable[[Path], list[Path]]]:
    """Return the registered ``generate`` functions, lowest ``order`` first."""
    found = sorted(registry.demo_files.values(), key=lambda f: (f.order, f.app_label))
    return [files.generate for files in found]


def generate_all(fixtures: Path = FIXTURES_DIR) -> list[Path]:
    """Write every app's demo and sample files under fixtures; return their paths."""
    written: list[Path] = []
    for generate in generators():
        written.extend(path.relative_to(fixtures) for path in generate(fixtures))
    return written


def sheets(path: Path) -> list:
    """Return a workbook's sheets as titles with their cells' values and formats."""
    workbook = load_workbook(path)
    return [
        (
            sheet.title,
            [[(cell.value, cell.number_format) for cell in row] for row in sheet],
        )
        for sheet in workbook.worksheets
    ]


def same_contents(first: Path, second: Path) -> bool:
    """Return True if two files hold the same data (XLSX compared cell by cell)."""
    if not (first.exists() and second.exists()):
        return False
    if first.suffix == ".xlsx":
        return sheets(first) == sheets(second)
    return first.read_bytes() == second.read_bytes()


def differences(generated: Path, committed: Path = FIXTURES_DIR) -> list[Path]:
    """Generate every file into generated; return those that differ from committed."""
    return [
        path
        for path in generate_all(generated)
        if not same_contents(generated / path, committed / path)
    ]


def update(fixtures: Path = FIXTURES_DIR) -> list[Path]:
    """Regenerate every file; copy into fixtures those whose data changed."""
    with tempfile.TemporaryDirectory() as folder:
        changed = differences(Path(folder), fixtures)
        for path in changed:
            (fixtures / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(folder) / path, fixtures / path)
    return changed
