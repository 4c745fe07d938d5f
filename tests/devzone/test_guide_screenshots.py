"""The staff guide's pictures: each one it names exists and is one `make screenshots`
still takes, so none is left from an older page."""

import re
from pathlib import Path

from django.conf import settings

DOCS = Path(settings.BASE_DIR) / "docs"
NAMED = re.compile(r"\(screenshots/([a-z0-9-]+\.png)\)")


def named_in(path):
    return set(NAMED.findall(path.read_text(encoding="utf-8")))


def test_every_screenshot_the_guide_and_readme_name_exists_and_is_taken():
    script = (DOCS / "take_screenshots.py").read_text(encoding="utf-8")
    names = named_in(DOCS / "使用说明.md") | {
        name
        for name in re.findall(
            r"docs/screenshots/([a-z0-9-]+\.png)",
            (DOCS.parent / "README.md").read_text(encoding="utf-8"),
        )
    }

    assert names
    missing = sorted(n for n in names if not (DOCS / "screenshots" / n).is_file())
    untaken = sorted(n for n in names if f'"{n.removesuffix(".png")}' not in script)
    assert missing == [] and untaken == []


def test_the_guide_has_a_table_of_contents_and_no_empty_login_picture():
    guide = (DOCS / "使用说明.md").read_text(encoding="utf-8")

    assert "[TOC]" in guide
    assert "login.png" not in guide
