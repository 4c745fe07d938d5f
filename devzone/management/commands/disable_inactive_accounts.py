import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone


class Command(BaseCommand):
    help = "停用超过规定天数（DEVZONE_ACCOUNT_INACTIVE_DAYS，默认 90）未登录的账号。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="只列出将被停用的账号，不停用。"
        )

    def handle(self, *args, dry_run=False, **options):
        days = settings.DEVZONE_ACCOUNT_INACTIVE_DAYS
        before = timezone.now() - datetime.timedelta(days=days)
        # Superusers are the break-glass accounts, unused by design: they are kept,
        # and listed so that someone looks at them.
        idle = get_user_model().objects.filter(
            Q(last_login__lt=before)
            | Q(last_login__isnull=True, date_joined__lt=before),
            is_active=True,
        )
        for user in idle.filter(is_superuser=True):
            self.stdout.write(
                f"超级管理员 {user.get_username()} 已超过 {days} 天未登录（未停用）。"
            )
        names = list(idle.filter(is_superuser=False).values_list("username", flat=True))
        if not dry_run:
            idle.filter(is_superuser=False).update(is_active=False)
        verb = "将停用" if dry_run else "已停用"
        self.stdout.write(
            f"{verb} {len(names)} 个超过 {days} 天未登录的账号"
            + ("：" + "、".join(names) if names else "。")
        )
