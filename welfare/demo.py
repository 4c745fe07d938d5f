"""The welfare demo data: recipients and assistance records of 2021, via the import path."""

from devzone.demo import DEMO_DIR, import_file
from welfare.resources import AssistanceRecordResource, WelfareRecipientResource

WELFARE_DIR = DEMO_DIR / "welfare"


def load():
    """Load the demo recipients, then their assistance records."""
    return {
        "帮扶对象": import_file(
            WelfareRecipientResource, WELFARE_DIR / "recipients.csv"
        ),
        "帮扶记录": import_file(
            AssistanceRecordResource, WELFARE_DIR / "assistance_records.csv"
        ),
    }
