"""The guide's and the README's screenshots exist, are current and show their role.

`make screenshots` (docs/take_screenshots.py) writes docs/screenshots/manifest.json:
each picture's role, address and a fingerprint of the files that draw it. A picture
whose files changed since is out of date: retake it with `make screenshots`.
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
SHOTS = ROOT / "docs" / "screenshots"
GUIDE = ROOT / "docs" / "使用说明.md"
README = ROOT / "README.md"
NAMED = re.compile(r"screenshots/([a-z0-9-]+\.png)")

# Who each of the guide's pictures shows, as the guide describes it.
ROLE_IN_GUIDE = {
    "index.png": "项目办",
    "changelist-filtered.png": "项目办",
    "import-form.png": "项目办",
    "import-errors.png": "项目办",
    "import-preview.png": "环境城管",
    "admin-export.png": "项目办",
    "export-centre.png": "项目办",
    "report.png": "领导",
    "report-print.png": "领导",
    "report-phone.png": "领导",
    "changelist-phone.png": "社会事业",
    "photos-phone-upload.png": "社区工作人员",
    "photos-phone-before.png": "社区工作人员",
    "photos-phone-refused.png": "社区工作人员",
    "photos-phone-closed.png": "社区工作人员",
    "desk-todo.png": "社区工作人员",
    "desk-due-visits.png": "社区工作人员",
    "desk-person.png": "社区工作人员",
    "desk-person-phone.png": "社区工作人员",
    "desk-notices.png": "社区工作人员",
}
# The downloaded files, printed: no page and no role.
FILES = {"report-xlsx.png", "report-docx.png", "export-xlsx.png"}


def load_script():
    spec = importlib.util.spec_from_file_location(
        "take_screenshots", ROOT / "docs" / "take_screenshots.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = load_script()
manifest = json.loads(script.MANIFEST.read_text(encoding="utf-8"))


def named_in(doc):
    return set(NAMED.findall(doc.read_text(encoding="utf-8")))


@pytest.mark.parametrize("doc", [GUIDE, README], ids=["guide", "README"])
def test_every_named_screenshot_exists_and_was_taken_by_the_script(doc):
    names = named_in(doc)

    assert names
    assert sorted(name for name in names if not (SHOTS / name).is_file()) == []
    assert sorted(names - set(manifest)) == []


@pytest.mark.parametrize("name", sorted(script.SOURCES))
def test_each_screenshot_is_current(name):
    # given the fingerprint of the files that drew the picture when it was taken
    taken = manifest[name]

    # then the files are unchanged since, and the picture is as the script names it
    assert taken["sources"] == script.SOURCES[name]
    assert taken["fingerprint"] == script.fingerprint(name), (
        f"{name} is out of date: a page it shows changed since it was taken "
        "(retake with `make screenshots`)"
    )


def test_every_picture_has_its_sources_and_every_source_pattern_matches():
    assert set(script.SOURCES) == set(manifest)
    empty = [
        (name, glob)
        for name, globs in script.SOURCES.items()
        for glob in globs
        if not any(ROOT.glob(glob))
    ]
    assert empty == []


@pytest.mark.parametrize("name", sorted(named_in(GUIDE) - FILES))
def test_each_guide_picture_is_taken_as_the_role_the_guide_describes(name):
    taken = manifest[name]

    assert taken["role"] == ROLE_IN_GUIDE[name]
    assert taken["user"] in script.ROLE_OF
    assert taken["url"] and "/login/" not in taken["url"]


def test_the_downloaded_files_are_pictured_from_the_whole_zone():
    assert {name: manifest[name]["url"] for name in FILES} == dict.fromkeys(FILES, "")


def test_the_readme_shows_the_phone_views():
    phone = {
        name
        for name, taken in manifest.items()
        if taken["width"] == 390 and not name.startswith("photos-")
    }

    assert phone >= {"report-phone.png", "changelist-phone.png"}
    assert sorted(phone - named_in(README)) == []


def test_a_changed_page_makes_its_picture_out_of_date(tmp_path, monkeypatch):
    # given a copy of one picture's source files, fingerprinted
    page = tmp_path / "devzone" / "templates" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_text("<p>工作台</p>", encoding="utf-8")
    monkeypatch.setattr(script, "ROOT", tmp_path)
    monkeypatch.setitem(script.SOURCES, "x.png", ["devzone/templates/*.html"])
    before = script.fingerprint("x.png")

    # when the page changes, then its fingerprint does
    page.write_text("<p>我的工作台</p>", encoding="utf-8")
    assert script.fingerprint("x.png") != before


def test_the_guide_has_a_table_of_contents_and_no_empty_login_picture(staff_client):
    guide = GUIDE.read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", guide, flags=re.MULTILINE)

    html = staff_client().get(reverse("reports:guide")).content.decode()

    assert "[TOC]" in guide
    toc = html.split('<div class="toc">', 1)[1].split("</div>", 1)[0]
    assert all(f">{section}</a>" in toc for section in sections), sections
    assert "login" not in " ".join(named_in(GUIDE))
    assert all("/login/" not in taken["url"] for taken in manifest.values())
