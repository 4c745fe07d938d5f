"""The guide's roles table is what the roles declare, never written by hand."""

import io

from django.apps import apps
from django.core.management import call_command

from devzone import roles
from devzone.management.commands import roles_table


def product_roles():
    """Return the roles without the permissions of the apps only the tests install."""
    return {
        name: {
            permission
            for permission in permissions
            if not apps.get_app_config(permission.split(".")[0]).name.startswith(
                "tests."
            )
        }
        for name, permissions in roles.ROLES.items()
    }


def test_the_guide_shows_the_table_the_roles_declare():
    guide = roles_table.GUIDE.read_text(encoding="utf-8")

    assert roles_table.between_markers(guide) == roles_table.render(product_roles()), (
        "docs/使用说明.md 的角色表与声明不一致：运行 manage.py roles_table --write"
    )


def test_the_command_prints_one_row_per_role_and_set_of_actions():
    out = io.StringIO()

    call_command("roles_table", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == roles_table.HEADER
    assert "| 领导 | " in out.getvalue()
    assert any(
        line.startswith("| 社会事业 | ")
        and "帮扶对象" in line
        and line.endswith("| ✓ |")
        for line in lines
    )
    community_staff = [line for line in lines if line.startswith("| 社区工作人员 | ")]
    # community workers never delete
    assert all(
        [cell.strip() for cell in line.strip("|").split("|")][5] == ""
        for line in community_staff
    )
