"""What the zone's roles may do with welfare's records (see ``devzone.roles``)."""

from devzone.roles import (
    AUDIT_ADMIN,
    COMMUNITY_STAFF,
    ENTER,
    FULL,
    LEADERS,
    READ,
    READ_EXPORT,
    SOCIAL,
    grant,
)

RECORDS = ("welfare.welfarerecipient", "welfare.assistancerecord")

GRANTS = {
    SOCIAL: [
        *grant(FULL, *RECORDS),
        *grant(("view", "change"), "welfare.visitinterval"),
        "welfare.view_personal_data",
    ],
    COMMUNITY_STAFF: grant(ENTER, *RECORDS),
    LEADERS: grant(READ_EXPORT, *RECORDS),
    # The audit administrator opens each record's history, masked.
    AUDIT_ADMIN: grant(READ, *RECORDS),
}
