"""What the zone's roles may do with projects' records (see ``devzone.roles``)."""

from devzone.roles import (
    AUDIT_ADMIN,
    COMMUNITY_STAFF,
    ENTER,
    FULL,
    LEADERS,
    PROJECTS,
    READ,
    READ_EXPORT,
    grant,
)

RECORDS = (
    "projects.keyproject",
    "projects.investmentdeal",
    "projects.relocationproject",
    "projects.relocationhousehold",
)

GRANTS = {
    PROJECTS: [*grant(FULL, *RECORDS), "projects.view_personal_data"],
    COMMUNITY_STAFF: [
        *grant(ENTER, "projects.relocationhousehold"),
        *grant(READ, "projects.relocationproject"),
    ],
    LEADERS: grant(READ_EXPORT, *RECORDS),
    # The audit administrator opens each record's history, masked.
    AUDIT_ADMIN: grant(READ, *RECORDS),
}
