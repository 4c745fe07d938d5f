"""The README starts people well: short, and every pointer in the docs resolves."""

import re
from pathlib import Path

import pytest
from django.conf import settings

import devzone

ROOT = Path(settings.BASE_DIR)
DOCS = [
    ROOT / "README.md",
    ROOT / "docs" / "使用说明.md",
    ROOT / "docs" / "architecture.md",
    ROOT / "deploy" / "README.md",
    ROOT / "benchmarks" / "README.md",
]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
TOP = "devzone|docs|deploy|benchmarks|tests|fixtures|projects|governance|welfare"
PATH = re.compile(rf"`((?:{TOP}|\.ci)/[^`\s<>*…]*)`")


def slug(heading):
    """Return a heading's anchor as GitHub writes it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    return {
        slug(line.lstrip("#"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }


def test_the_readme_is_short_and_gives_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")

    assert len(text.splitlines()) <= 150
    assert "make run" in text
    assert "make test" in text


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_and_path_in_the_docs_resolves(doc):
    text = doc.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists() or anchor and anchor not in anchors(path):
            broken.append(target)
    for name in PATH.findall(text):
        if not (ROOT / name).exists():
            broken.append(name)
    assert broken == []


def test_the_slug_is_githubs():
    assert slug(" 七、角色和权限") == "七角色和权限"
    assert slug(" Backups (备份)") == "backups-备份"


def test_the_package_docstring_points_to_the_architecture():
    assert "docs/architecture.md" in devzone.__doc__
    assert len(devzone.__doc__.splitlines()) <= 15


def test_every_test_the_dengbao_table_names_exists():
    import re
    from pathlib import Path

    table = Path("docs/等保对照.md").read_text(encoding="utf-8")
    missing = []
    current = None
    for match in re.finditer(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", table):
        path, name = match.groups()
        current = path or current
        if current is None or not Path(current).exists():
            missing.append(match.group(0))
        elif name and not re.search(
            rf"^def {name}\(", Path(current).read_text(encoding="utf-8"), re.M
        ):
            missing.append(f"{current}::{name}")
    assert missing == []
