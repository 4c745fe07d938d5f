"""The zone's roles as data: each group and the model permissions it holds.

``python manage.py setup_roles`` makes the groups in the database hold exactly these
permissions; ``python manage.py roles_table`` prints them as the table in
``docs/使用说明.md``. Permissions are written ``app_label.codename``; a name that
does not exist makes ``setup_roles`` fail rather than grant less than declared.

The role names are the zone's departments and live here. What each role may do with
an app's records is declared by the app: ``register_app(self, roles={...})`` from its
``AppConfig.ready()`` (see ``<app>/roles.py``), merged into ``ROLES`` by ``declare``.
The grants below are the zone's own records.

Decisions recorded here:
- Community workers (社区工作人员) do not see personal data: they meet the residents
  and can ask them; the lists show masked numbers and an exact number is still
  searchable. Which communities they see comes from ``StaffProfile.communities``.
- Leaders (领导) read and export every record family and the annual indicators, and
  change nothing. Personal data, staff profiles and the import/export logs stay with
  the departments and the administrator.
- The annual report and the export centre need no permission of their own: the
  report is open to staff, the export centre lists the datasets a user may export.
- A user needs ``is_staff`` to enter the admin at all; a group does not give it.
- 三员分立 (GB/T 22239-2019 8.1.5): the system administrator (系统管理员) keeps the
  accounts — adds, changes, deactivates users and resets their passwords — and
  gives no role; the security administrator (安全管理员) keeps the roles (groups,
  their permissions and members) and the communities of staff profiles, and no
  account; the audit administrator (审计管理员) reads every log and changes
  nothing, and reads the records masked so that their histories open. None of the
  three sees personal data unmasked, and none is a superuser: the superuser is the
  break-glass account, whose every request is logged (devzone.accounts.separation).
"""

from collections.abc import Iterable, Mapping

FULL = ("view", "add", "change", "delete", "import", "export")
ENTER = ("view", "add", "change", "import", "export")
READ = ("view",)
READ_EXPORT = ("view", "export")

# The departments read the import log and undo a batch of their own records (the
# undo also needs change and delete on the batch's model).
UNDO_IMPORT: tuple[str, ...] = ("devzone.view_importbatch", "devzone.undo_importbatch")

PARTY = "党建办"
PROJECTS = "项目办"
ENVIRONMENT = "环境城管"
SOCIAL = "社会事业"
COMMUNITY_STAFF = "社区工作人员"
LEADERS = "领导"
SYSTEM_ADMIN = "系统管理员"
SECURITY_ADMIN = "安全管理员"
AUDIT_ADMIN = "审计管理员"
# Roles whose members work only in the communities their staff profile names; a
# member whose profile names none sees nothing (devzone.scope).
SCOPED_ROLES = (COMMUNITY_STAFF,)


def grant(actions: Iterable[str], *models) -> list[str]:
    """Return ``app_label.<action>_<model>`` for every action on every model.

    A model is a class or its ``"app_label.modelname"``.
    """
    permissions = []
    for model in models:
        label = model if isinstance(model, str) else model._meta.label_lower
        app_label, name = label.split(".")
        permissions += [f"{app_label}.{action}_{name}" for action in actions]
    return permissions


# The zone's own records: every department picks communities; the projects office
# also picks areas; leaders read and export the zone's record families.
ZONE_GRANTS: dict[str, list[str]] = {
    PARTY: [*grant(READ, "devzone.community"), *UNDO_IMPORT],
    PROJECTS: [*grant(READ, "devzone.area", "devzone.community"), *UNDO_IMPORT],
    ENVIRONMENT: [*grant(READ, "devzone.community"), *UNDO_IMPORT],
    SOCIAL: [*grant(READ, "devzone.community"), *UNDO_IMPORT],
    COMMUNITY_STAFF: grant(READ, "devzone.community"),
    LEADERS: grant(
        READ_EXPORT, "devzone.community", "devzone.area", "devzone.annualindicator"
    ),
    SYSTEM_ADMIN: grant(("view", "add", "change"), "auth.user"),
    SECURITY_ADMIN: [
        *grant(("view", "add", "change", "delete"), "auth.group"),
        *grant(READ, "devzone.community"),
        *grant(("view", "change"), "devzone.staffprofile"),
    ],
    AUDIT_ADMIN: [
        *grant(
            READ,
            "devzone.personaldataaccess",
            "devzone.exportlog",
            "devzone.importbatch",
            "devzone.auditevent",
            "axes.accessattempt",
            "axes.accesslog",
            "axes.accessfailurelog",
        ),
        *grant(
            READ,
            "devzone.community",
            "devzone.area",
            "devzone.annualindicator",
            "devzone.staffprofile",
        ),
    ],
}

ROLES: dict[str, frozenset[str]] = {}


def declare(grants: Mapping[str, Iterable[str]]) -> None:
    """Add permissions to roles (a new name makes a new role); again: no change."""
    for name, permissions in grants.items():
        ROLES[name] = ROLES.get(name, frozenset()) | frozenset(permissions)


def record_models() -> list[str]:
    """Return ``app_label.model`` of every record family the leaders read."""
    return sorted(
        {p.split(".")[0] + "." + p.split("_", 1)[1] for p in ROLES.get(LEADERS, ())}
    )


declare(ZONE_GRANTS)
