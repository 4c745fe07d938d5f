from collections.abc import Iterable, Mapping
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devzone.roles import ROLES

GUIDE = Path(settings.BASE_DIR) / "docs" / "使用说明.md"
BEGIN = "<!-- roles_table: begin (manage.py roles_table --write) -->"
END = "<!-- roles_table: end -->"
COLUMNS = ("view", "add", "change", "delete", "import", "export")
HEADER = "| 角色 | 记录 | 查 | 增 | 改 | 删 | 入 | 出 | 个 |"
OTHER_ACTIONS = {"undo": "撤销"}


def render(roles: Mapping[str, Iterable[str]] = ROLES) -> str:
    """Return the roles as the guide's table: one row per role and set of actions."""
    lines = [HEADER, "| " + " | ".join(["---"] * 9) + " |"]
    for role, permissions in roles.items():
        actions: dict[str, set[str]] = {}
        personal = set()
        for permission in permissions:
            app_label, codename = permission.split(".")
            if codename == "view_personal_data":
                personal.add(app_label)
                continue
            action, _, model_name = codename.partition("_")
            actions.setdefault(f"{app_label}.{model_name}", set()).add(action)
        # One row per set of actions, and whether the role sees the app's personal
        # data unmasked (which the role holds per app).
        rows: dict[tuple, list] = {}
        for label, on_model in actions.items():
            unmasked = label.split(".")[0] in personal and "view" in on_model
            rows.setdefault((tuple(sorted(on_model)), unmasked), []).append(label)
        ordered = sorted(
            rows.items(),
            key=lambda row: (-len(row[0][0]), not row[0][1], sorted(row[1])),
        )
        for (held, unmasked), labels in ordered:
            models = [apps.get_model(label) for label in sorted(labels)]
            names = "、".join(str(model._meta.verbose_name) for model in models)
            extra = [OTHER_ACTIONS.get(a, a) for a in held if a not in COLUMNS]
            if extra:
                names += "（可" + "、".join(extra) + "）"
            cells = ["✓" if action in held else "" for action in COLUMNS]
            cells.append("✓" if unmasked else "")
            lines.append(f"| {role} | {names} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def between_markers(text: str) -> str:
    """Return the part of text between the table's markers."""
    if BEGIN not in text or END not in text:
        raise CommandError(f"{GUIDE.name} 中没有角色表的标记 {BEGIN}")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"


class Command(BaseCommand):
    help = "按 devzone/roles.py 与各应用声明的角色权限，打印使用说明中的角色表。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--write",
            action="store_true",
            help="把表写进 docs/使用说明.md 的标记之间，而不是打印。",
        )

    def handle(self, *args, write=False, **options):
        table = render()
        if not write:
            self.stdout.write(table, ending="")
            return
        text = GUIDE.read_text(encoding="utf-8")
        between_markers(text)
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        GUIDE.write_text(f"{head}{BEGIN}\n{table}{END}{tail}", encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"已更新 {GUIDE.name} 的角色表。"))
