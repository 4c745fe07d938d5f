from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from devzone.desk import people
from devzone.desk.forms import PersonFindForm
from devzone.desk.reminders import notices_mark_read
from devzone.errors import RecordNotFound
from devzone.models import Notice

NOTICES_PER_PAGE = 50


def desk_context(request, title, **context):
    return {**admin.site.each_context(request), "title": title, **context}


def not_found(request, form=None, status=404):
    """Answer the same whether the person does not exist or lies outside the scope."""
    context = desk_context(
        request, _("找不到"), form=form or PersonFindForm(), not_found=True
    )
    return render(request, "devzone/desk/person_find.html", context, status=status)


@staff_member_required
@require_http_methods(["GET", "POST"])
def person_find(request):
    """Find a person (POST: the number never enters an address) and open the page."""
    if request.method == "GET":
        context = desk_context(request, _("一人一档查询"), form=PersonFindForm())
        return render(request, "devzone/desk/person_find.html", context)
    form = PersonFindForm(request.POST)
    if not form.is_valid():
        context = desk_context(request, _("一人一档查询"), form=form)
        return render(request, "devzone/desk/person_find.html", context, status=400)
    if not people.lookup_allowed(request.user, form.term()):
        form.add_error(
            None,
            _(
                "今天按完整身份证号或姓名、出生日期查找的次数已用完（每天 %(limit)d 次），"
                "请明天再查，或请有权限的同事查找。"
            )
            % {"limit": settings.DEVZONE_PERSONAL_LOOKUPS_PER_DAY},
        )
        context = desk_context(request, _("一人一档查询"), form=form)
        return render(request, "devzone/desk/person_find.html", context, status=429)
    data = form.cleaned_data
    if data["number"]:
        key = people.find_by_number(request.user, data["number"])
        return redirect("desk:person", key=key) if key else not_found(request, form)
    candidates = people.find_by_name_and_birth(
        request.user, data["name"], data["birth_date"]
    )
    if not candidates:
        return not_found(request, form)
    if len(candidates) == 1:
        return redirect("desk:person", key=candidates[0].key)
    context = desk_context(request, _("一人一档查询"), form=form, candidates=candidates)
    return render(request, "devzone/desk/person_find.html", context)


@staff_member_required
def person(request, key):
    """Show one person's file: every record of theirs the user may see."""
    found = people.gather(request.user, key)
    if found is None:
        return not_found(request)
    people.log_view(request.user, found, found.number)
    context = desk_context(
        request, _("一人一档：%(name)s") % {"name": found.name}, person=found
    )
    return render(request, "devzone/desk/person.html", context)


@staff_member_required
def person_from_record(request, label, pk):
    """Open the person page of the person a record names."""
    number = people.number_of_record(request.user, label, pk)
    if not number:
        raise RecordNotFound(request.user)
    return redirect("desk:person", key=people.key_for(number))


@staff_member_required
def notices(request):
    """List the user's notices, unread first marked."""
    rows = Notice.objects.filter(user=request.user)
    page = Paginator(rows, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    context = desk_context(request, _("通知"), page=page, unread=rows.unread().count())
    return render(request, "devzone/desk/notices.html", context)


@staff_member_required
@require_POST
def notices_read(request):
    """Mark one notice (``pk``) or all of the user's notices read."""
    pk = request.POST.get("pk")
    if pk is None:
        notices_mark_read(user=request.user)
    elif pk.isascii() and pk.isdigit() and len(pk) < 19:
        notices_mark_read(user=request.user, pks=[int(pk)])
    return redirect("desk:notices")
