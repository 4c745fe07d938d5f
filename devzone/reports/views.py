from urllib.parse import urlsplit

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from devzone import personal, registry
from devzone.constraints import YEAR_MAX, YEAR_MIN
from devzone.models import ExportLog, PersonalDataAccess
from devzone.reports import annual, documents, export_centre
from devzone.scope import Scope
from devzone.spreadsheets import cells
from devzone.spreadsheets.export import Export

PREVIEW_ROWS = 25
HISTORY_ROWS = 50


def admin_context(request, title, **context):
    return {**admin.site.each_context(request), "title": title, **context}


def may_open(request, url):
    """Return True if the user may open the admin list at ``url``."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    model_admin = getattr(match.func, "model_admin", None)
    return model_admin is not None and model_admin.has_view_or_change_permission(
        request
    )


class ReportYearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    format = forms.ChoiceField(
        label=_("格式"),
        choices=[("html", "html"), ("xlsx", "xlsx"), ("docx", "docx")],
        required=False,
    )


@staff_member_required
def annual_report(request):
    """Show the annual report of a year, or download it (format=xlsx or docx)."""
    data = request.GET.copy()
    data.setdefault("year", str(annual.default_year()))
    form = ReportYearForm(data)
    if not form.is_valid():
        context = admin_context(
            request, _("年度工作报告"), form=form, years=annual.report_years()
        )
        return render(
            request, "devzone/reports/annual_report.html", context, status=400
        )
    year = form.cleaned_data["year"]
    scope = Scope.of(request.user)
    sections = annual.keep_links(
        annual.build_report(year, scope), lambda url: may_open(request, url)
    )
    file_format = form.cleaned_data["format"]
    if file_format in documents.WRITERS:
        today = timezone.localdate()
        write, content_type = documents.WRITERS[file_format]
        response = FileResponse(
            write(sections, year=year, scope=scope, today=today),
            content_type=content_type,
        )
        return cells.as_download(
            response, f"年度工作报告_{year}_{today:%Y%m%d}.{file_format}"
        )
    years = sorted({year, *annual.report_years()}, reverse=True)
    context = admin_context(
        request,
        _("%(year)s 年度工作报告") % {"year": year},
        form=form,
        year=year,
        years=years,
        sections=sections,
        headlines=annual.headlines(sections),
        scope=scope,
        today=timezone.localdate(),
    )
    return render(request, "devzone/reports/annual_report.html", context)


@staff_member_required
def export_index(request):
    """List the datasets the user may download."""
    context = admin_context(
        request,
        _("数据导出"),
        groups=export_centre.listings_by_app(request.user),
    )
    return render(request, "devzone/reports/export_index.html", context)


def dataset_or_404(request, key):
    dataset = registry.datasets.get(key)
    if dataset is None:
        raise Http404(_("没有这个数据集。"))
    if not dataset.visible_to(request.user):
        raise PermissionDenied
    return dataset


def export_resource(dataset, user):
    """Return the dataset's Resource, unmasked only for holders of its permission."""
    return dataset.resource(
        user=user, unmasked=personal.may_unmask(user, dataset.model)
    )


def ordered(queryset):
    return queryset if queryset.ordered else queryset.order_by("pk")


@staff_member_required
def export_dataset(request, key):
    """Show a dataset's filter, count and preview; download it with format=csv|xlsx."""
    dataset = dataset_or_404(request, key)
    filterset = export_centre.scoped_filterset(
        dataset, request.GET, request.user, request
    )
    errors: list[str | Promise] = []
    unknown = export_centre.unknown_parameters(request.GET, filterset.form)
    if unknown:
        errors.append(
            _("无法识别的参数：%(names)s。请从本页重新选择筛选条件。")
            % {"names": "、".join(unknown)}
        )
    file_format = request.GET.get("format", "")
    if file_format and file_format not in export_centre.FORMATS:
        errors.append(_("不支持的导出格式：%(format)s。") % {"format": file_format})
    try:
        valid = filterset.is_valid() and not errors
    except OverflowError:  # a key too large for the database, checked by a query
        valid = False
        errors.append(_("筛选条件中的编号超出范围，请从本页重新选择筛选条件。"))
    if not valid and not errors:
        errors.append(_("筛选条件有误，请按提示修改。"))
    if valid and not personal_filter_allowed(request, dataset, filterset):
        valid = False
        errors.append(personal.quota_message())
    if valid and file_format:
        return download(request, dataset, filterset, file_format)
    context = admin_context(
        request,
        dataset.label,
        dataset=dataset,
        filterset=filterset,
        errors=errors,
        valid=valid,
        query=query_without(request.GET, "page", "format"),
    )
    if valid:
        resource = export_resource(dataset, request.user)
        queryset = resource.filter_export(ordered(filterset.qs))
        page = Paginator(queryset, PREVIEW_ROWS).get_page(request.GET.get("page"))
        masks = export_centre.personal_masks(filterset, dataset.model)
        description = export_centre.describe_filters(filterset.form, masks)
        rows = export_centre.shown_cells(
            resource, [resource.export_resource(obj) for obj in page.object_list]
        )
        if resource.unmasked and resource.personal_masks:
            personal.record_view(
                request.user,
                model=dataset.model,
                kind=PersonalDataAccess.Kind.PREVIEW,
                target=f"{dataset.label}：{description}（第 {page.number} 页）",
                row_count=len(rows),
                columns=resource.personal_headers(),
            )
        context.update(
            description=description,
            headers=resource.get_export_headers(),
            rows=rows,
            page=page,
        )
    status = 200 if valid else 400
    return render(
        request, "devzone/reports/export_dataset.html", context, status=status
    )


def personal_filter_allowed(request, dataset, filterset):
    """Count a filter by a full number against the day's quota of a masked user."""
    if personal.may_unmask(request.user, dataset.model):
        return True
    masks = export_centre.personal_masks(filterset, dataset.model)
    used = [
        str(value)
        for name, value in filterset.form.cleaned_data.items()
        if name in masks and value not in (None, "")
    ]
    if not used:
        return True
    return personal.lookup(
        request.user,
        model=dataset.model,
        channel=PersonalDataAccess.Channel.FILTER,
        target="；".join(used),
        count=len(used),
    )


def query_without(query, *names):
    query = query.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def download(request, dataset, filterset, file_format):
    """Return the filtered dataset as a streamed CSV or XLSX file, logged first."""
    resource = export_resource(dataset, request.user)
    masks = export_centre.personal_masks(filterset, dataset.model)
    return Export(resource, filterset.qs, file_format).response(
        user=request.user,
        model=dataset.model,
        dataset=dataset.label,
        filters=export_centre.describe_filters(filterset.form, masks),
        filename=export_centre.export_filename(
            dataset, filterset.form, file_format, masks
        ),
    )


@staff_member_required
def export_history(request):
    """List the user's own downloads, latest first."""
    logs = ExportLog.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(logs, HISTORY_ROWS).get_page(request.GET.get("page"))
    context = admin_context(request, _("我的导出记录"), page=page)
    return render(request, "devzone/reports/export_history.html", context)
