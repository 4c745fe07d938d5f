from django import template
from django.middleware.csrf import get_token

from devzone import registry
from devzone.desk.people import record_link
from devzone.desk.todo import todo_items, todo_total
from devzone.models import Notice
from devzone.scope import Scope

register = template.Library()


@register.inclusion_tag("devzone/desk/todo.html", takes_context=True)
def my_todo(context):
    """Render the user's to-do (我的待办) for the 工作台."""
    user = context["request"].user
    items = todo_items(user)
    return {
        "items": items,
        "total": todo_total(items),
        "scope": Scope.of(user),
    }


@register.simple_tag(takes_context=True)
def unread_notice_count(context):
    """Return how many of the user's notices are unread (the badge)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notice.objects.filter(user=user).unread().count()


@register.simple_tag
def person_url(record):
    """Return the person page address of the person a record names ("" if none)."""
    return record_link(record) if record is not None else ""


@register.inclusion_tag("devzone/desk/person_search.html", takes_context=True)
def person_search(context, model):
    """Render the person search box on the list of a model that names people."""
    # The admin's search form is rendered in a context of its own, without the
    # token of the page's context processors: take it from the request.
    request = getattr(context, "request", None)
    if request is None or model._meta.label_lower not in registry.person_sources:
        return {"shown": False}
    return {"shown": True, "csrf_token": get_token(request)}
