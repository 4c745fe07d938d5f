from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class DevzoneAdminSite(admin.AdminSite):
    site_header = _("开发区综合管理系统")
    site_title = _("开发区综合管理系统")
    index_title = _("工作台")
