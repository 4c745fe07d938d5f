"""取消导入: the uploader discards a previewed file; nothing of it is kept."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from devzone.spreadsheets.uploads import UploadError, upload_for, upload_remove


@require_POST
@staff_member_required
def import_cancel(request):
    """Delete the user's own upload waiting for confirmation, then go back."""
    name = request.POST.get("import_file_name", "")
    try:
        upload_for(name, request.user)  # only its uploader may discard it
    except UploadError:
        messages.info(request, _("这个文件已经取消或过期，没有保存任何数据。"))
    else:
        upload_remove(name)
        messages.success(request, _("已取消导入：上传的文件已删除，没有保存任何数据。"))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("admin:index")
    return HttpResponseRedirect(back)
