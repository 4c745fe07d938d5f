"""``devzone`` is the frame: it imports no app and no string in it names one.

An app plugs in through ``devzone.registry.register_app`` from its ``ready()``; so a
new record family never needs an edit under ``devzone/``.
"""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.urls import reverse

CORE = Path(settings.BASE_DIR) / "devzone"
# The project's settings choose the apps (INSTALLED_APPS); nothing else names them.
# The 项目办 department's code happens to spell the projects app's label.
ALLOWED = {
    ("devzone/settings.py", None),
    ("devzone/models.py", 'PROJECTS = "projects", _("项目办")'),
}


def plugged_apps():
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).parent == Path(settings.BASE_DIR)
        and config.label != "devzone"
    ] + [
        config for config in apps.get_app_configs() if config.name.startswith("tests.")
    ]


def app_name_pattern():
    """Return a pattern matching an app's label used as code, or any model's name."""
    words = []
    for config in plugged_apps():
        label = re.escape(config.label)
        # as a module, a dotted key or a quoted name; not the English word in prose
        words += [
            rf"\b(from|import)\s+{label}\b",
            rf"\b{label}\.\w",
            rf"[\"']{label}[\"'_]",
            rf"\b{label}_\w",
        ]
        for model in config.get_models():
            words += [
                rf"\b{re.escape(model.__name__)}\b",
                rf"\b{re.escape(model._meta.model_name)}\b",
            ]
    return re.compile("|".join(words))


def core_files():
    for path in sorted(CORE.rglob("*")):
        relative = path.relative_to(settings.BASE_DIR).as_posix()
        if (
            path.is_file()
            and "/migrations/" not in relative
            and "/locale/" not in relative
            and path.suffix in {".py", ".html", ".txt", ".md", ".js", ".css", ".json"}
        ):
            yield relative, path


def test_no_file_under_devzone_names_an_app_or_its_models():
    pattern = app_name_pattern()
    found = []
    for relative, path in core_files():
        if (relative, None) in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and (relative, line.strip()) not in ALLOWED:
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_the_pattern_finds_what_it_is_for():
    pattern = app_name_pattern()

    assert pattern.search('key="welfare.home_care_share"')
    assert pattern.search("from projects.models import KeyProject")
    assert pattern.search('grant(FULL, "governance.partybranch")')
    assert pattern.search("RelocationHousehold.objects")
    assert not pattern.search("Other records (key projects, deals) are zone-wide.")


def test_the_menu_lists_the_apps_in_the_order_they_registered(admin_client):
    response = admin_client.get(reverse("admin:index"))

    labels = [app["app_label"] for app in response.context["app_list"]]
    # the record families in the review's order, the zone's own records after them
    assert labels.index("governance") < labels.index("projects")
    assert labels.index("projects") < labels.index("welfare")
    assert labels.index("welfare") < labels.index("devzone")
