import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from devzone.append_only import log_tables
from devzone.models import AuditSeal


class Command(BaseCommand):
    help = (
        "删除超过保留期（DEVZONE_AUDIT_RETENTION_DAYS 天，不少于 180 天）的日志行；"
        "只有日志表的所有者角色能删除，应用的角色不能。封签保留。"
    )

    def handle(self, *args, **options):
        days = settings.DEVZONE_AUDIT_RETENTION_DAYS
        cutoff = timezone.now() - datetime.timedelta(days=days)
        total = 0
        for log in log_tables():
            if log.model is AuditSeal:
                continue
            with transaction.atomic():
                # Raw deletes: the rows are gone, nothing else is (no cascade).
                old = log.model._base_manager.filter(
                    **{f"{log.time_field}__lt": cutoff}
                )
                total += old._raw_delete(old.db)
        self.stdout.write(f"已删除 {total} 行超过 {days} 天的日志。")
