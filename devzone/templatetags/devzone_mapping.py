"""The import preview's mapping step (``devzone.import_mapping``)."""

from django import template

from devzone.import_mapping import mapping_formset

register = template.Library()


@register.inclusion_tag("admin/devzone/import_mapping.html", takes_context=True)
def import_mapping(context, result):
    """Render the form mapping the file's unmatched columns, if it has any."""
    request, opts = context.get("request"), context.get("opts")
    formset = None
    if request is not None and opts is not None and result is not None:
        formset = mapping_formset(result, request.user, opts.label_lower)
    return {
        "formset": formset,
        "dataset": getattr(opts, "label_lower", ""),
        "csrf_token": context.get("csrf_token"),
    }
