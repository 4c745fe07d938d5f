from django.conf import settings
from django.core.management.base import BaseCommand

from devzone.photos.services import photos_purge


class Command(BaseCommand):
    help = (
        "删除已删除照片的文件（超过保留期 DEVZONE_PHOTO_RETENTION_DAYS 天后）；"
        "照片的删除记录保留在历史中。"
    )

    def handle(self, *args, **options):
        removed = photos_purge()
        self.stdout.write(
            f"已删除 {removed} 个照片文件"
            f"（保留期 {settings.DEVZONE_PHOTO_RETENTION_DAYS} 天）。"
        )
