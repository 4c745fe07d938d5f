"""What governance adds to the workers' to-do: cases overdue or due soon."""

from governance.models import EnvironmentalCase


def overdue_cases(on):
    """Return the open cases past their deadline on a day."""
    return EnvironmentalCase.objects.overdue(today=on)


def cases_due_soon(on):
    """Return the open cases whose deadline falls within 3 days of a day."""
    return EnvironmentalCase.objects.due_soon(today=on)
