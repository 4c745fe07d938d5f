"""What the zone's roles may do with governance's records (see ``devzone.roles``)."""

from devzone.roles import (
    AUDIT_ADMIN,
    COMMUNITY_STAFF,
    ENTER,
    ENVIRONMENT,
    FULL,
    LEADERS,
    PARTY,
    READ,
    READ_EXPORT,
    grant,
)

GRANTS = {
    PARTY: grant(
        FULL,
        "governance.partybranch",
        "governance.branchrating",
        "governance.volunteerteam",
        "governance.volunteeractivity",
    ),
    ENVIRONMENT: grant(FULL, "governance.environmentalcase"),
    # The audit administrator opens each record's history, masked.
    AUDIT_ADMIN: grant(
        READ,
        "governance.partybranch",
        "governance.branchrating",
        "governance.volunteerteam",
        "governance.volunteeractivity",
        "governance.environmentalcase",
    ),
    COMMUNITY_STAFF: [
        *grant(ENTER, "governance.volunteeractivity", "governance.environmentalcase"),
        *grant(READ, "governance.volunteerteam", "governance.partybranch"),
    ],
    LEADERS: grant(
        READ_EXPORT,
        "governance.partybranch",
        "governance.branchrating",
        "governance.volunteerteam",
        "governance.volunteeractivity",
        "governance.environmentalcase",
    ),
}
