"""The staff guide (使用说明): docs/使用说明.md and its screenshots, inside the admin."""

import re
from pathlib import Path

import markdown
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from devzone.reports.views import admin_context

DOCS = Path(settings.BASE_DIR) / "docs"
GUIDE = DOCS / "使用说明.md"
SCREENSHOT = re.compile(r"^[a-z0-9-]+\.png$")


@staff_member_required
def guide(request):
    """Show the staff guide."""
    if not GUIDE.exists():
        raise Http404(_("使用说明不存在。"))
    html = markdown.markdown(
        GUIDE.read_text(encoding="utf-8"), extensions=["tables", "toc"]
    )
    # The guide is a file of this repository, written by its developers, never
    # user input: its HTML is shown as written.
    context = admin_context(request, _("使用说明"), guide=mark_safe(html))
    return render(request, "devzone/reports/guide.html", context)


@staff_member_required
def guide_screenshot(request, name):
    """Return one of the guide's screenshots (docs/screenshots/*.png)."""
    path = DOCS / "screenshots" / name
    if not SCREENSHOT.match(name) or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type="image/png")
