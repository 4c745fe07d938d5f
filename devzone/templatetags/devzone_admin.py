from django import template

register = template.Library()


@register.simple_tag
def active_filters(changelist):
    """Return the list's filters and search in words, or "" when it shows all rows.

    A report's link may filter by a lookup no sidebar filter shows (a year of a
    date): the sentence names it, so a list never hides why it is filtered.
    """
    describe = getattr(changelist.model_admin, "describe_changelist", None)
    if describe is None:
        return ""
    return describe(changelist)
