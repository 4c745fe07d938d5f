"""The zone's roles as data: each group and the model permissions it holds.

``python manage.py setup_roles`` makes the groups in the database hold exactly these
permissions. Permissions are written ``app_label.codename``; a name that does not
exist makes the command fail rather than grant less than declared.

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
"""

FULL = ("view", "add", "change", "delete", "import", "export")
ENTER = ("view", "add", "change", "import", "export")
READ = ("view",)
READ_EXPORT = ("view", "export")

# The departments read the import log and undo a batch of their own records (the
# undo also needs change and delete on the batch's model).
UNDO_IMPORT: tuple[str, ...] = ("devzone.view_importbatch", "devzone.undo_importbatch")

RECORD_MODELS = (
    "devzone.community",
    "devzone.area",
    "devzone.annualindicator",
    "projects.keyproject",
    "projects.investmentdeal",
    "projects.relocationproject",
    "projects.relocationhousehold",
    "governance.partybranch",
    "governance.branchrating",
    "governance.volunteerteam",
    "governance.volunteeractivity",
    "governance.environmentalcase",
    "welfare.welfarerecipient",
    "welfare.assistancerecord",
)


def grant(actions, *models):
    """Return ``app_label.<action>_<model>`` for every action on every model."""
    permissions = []
    for label in models:
        app_label, model = label.split(".")
        permissions += [f"{app_label}.{action}_{model}" for action in actions]
    return permissions


PARTY = "党建办"
PROJECTS = "项目办"
ENVIRONMENT = "环境城管"
SOCIAL = "社会事业"
COMMUNITY_STAFF = "社区工作人员"
LEADERS = "领导"

ROLES: dict[str, frozenset[str]] = {
    PARTY: frozenset(
        [
            *grant(
                FULL,
                "governance.partybranch",
                "governance.branchrating",
                "governance.volunteerteam",
                "governance.volunteeractivity",
            ),
            *grant(READ, "devzone.community"),
            *UNDO_IMPORT,
        ]
    ),
    PROJECTS: frozenset(
        [
            *grant(
                FULL,
                "projects.keyproject",
                "projects.investmentdeal",
                "projects.relocationproject",
                "projects.relocationhousehold",
            ),
            "projects.view_personal_data",
            *grant(READ, "devzone.area", "devzone.community"),
            *UNDO_IMPORT,
        ]
    ),
    ENVIRONMENT: frozenset(
        [
            *grant(FULL, "governance.environmentalcase"),
            *grant(READ, "devzone.community"),
            *UNDO_IMPORT,
        ]
    ),
    SOCIAL: frozenset(
        [
            *grant(FULL, "welfare.welfarerecipient", "welfare.assistancerecord"),
            *grant(("view", "change"), "welfare.visitinterval"),
            "welfare.view_personal_data",
            *grant(READ, "devzone.community"),
            *UNDO_IMPORT,
        ]
    ),
    COMMUNITY_STAFF: frozenset(
        [
            *grant(
                ENTER,
                "projects.relocationhousehold",
                "welfare.welfarerecipient",
                "welfare.assistancerecord",
                "governance.volunteeractivity",
                "governance.environmentalcase",
            ),
            *grant(
                READ,
                "devzone.community",
                "projects.relocationproject",
                "governance.volunteerteam",
                "governance.partybranch",
            ),
        ]
    ),
    LEADERS: frozenset(grant(READ_EXPORT, *RECORD_MODELS)),
}
