"""Delete abandoned uploads: files previewed for an import and never confirmed."""

from django.conf import settings
from django.core.management.base import BaseCommand

from devzone.spreadsheets.uploads import purge_abandoned


class Command(BaseCommand):
    help = (
        "删除上传后超过 DEVZONE_UPLOAD_LIFETIME 秒仍未确认导入的文件（含个人信息）。"
        "由 deploy/devzone-purge-uploads.timer 定时运行。"
    )

    def handle(self, *args, **options):
        deleted = purge_abandoned()
        self.stdout.write(
            f"已删除 {deleted} 个超过 {settings.DEVZONE_UPLOAD_LIFETIME} 秒"
            "未确认的上传文件。"
        )
