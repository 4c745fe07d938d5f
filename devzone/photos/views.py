"""The only way a photo leaves the server: checked, and never cached."""

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from devzone.photos.models import Photo, photo_storage
from devzone.scope import Scope

VARIANTS = {"display", "thumbnail"}


@login_required
def photo(request, model, key, variant):
    """Send one photo to a user who may see its record, in their community scope."""
    if variant not in VARIANTS:
        raise Http404
    try:
        photo_model = apps.get_model(model)
    except (LookupError, ValueError):
        raise Http404 from None
    if not issubclass(photo_model, Photo):
        raise Http404
    instance = get_object_or_404(photo_model.objects, key=key)
    record_opts = photo_model.record_model()._meta
    may_view = request.user.is_staff and (
        request.user.has_perm(f"{record_opts.app_label}.view_{record_opts.model_name}")
        or request.user.has_perm(
            f"{record_opts.app_label}.change_{record_opts.model_name}"
        )
    )
    if not may_view or not Scope.of(request.user).allows(instance):
        raise PermissionDenied(_("您无权查看这张照片。"))
    storage = photo_storage()
    try:
        file = storage.open(instance.file_name(variant), "rb")
    except FileNotFoundError:
        raise Http404(_("照片文件已不存在。")) from None
    response = FileResponse(file, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{instance.key}.jpg"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
