import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from devzone.accounts.passwords import character_classes
from devzone.accounts.separation import user_duties_validate

PASSWORD_FILE = Path(settings.BASE_DIR) / ".admin-password"


class Command(BaseCommand):
    help = "确保存在超级管理员 admin，并打印登录地址和密码。"

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args, username, url, **options):
        if not settings.DEBUG:
            # A known account with a known name is the first thing guessed: a
            # deployment creates its own, named for the person who holds it.
            raise CommandError(
                "正式环境（DJANGO_DEBUG 关闭）不自动创建 admin 账号。请用 "
                "`python manage.py createsuperuser` 创建以本人命名的超级管理员，"
                "首次登录时绑定手机验证器。"
            )
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "").strip()
        if not password and PASSWORD_FILE.exists():
            password = PASSWORD_FILE.read_text(encoding="utf-8").strip()
        if not password:
            password = secrets.token_urlsafe(12)  # 16 characters
            while character_classes(password) < 3:
                password = secrets.token_urlsafe(12)
        if not os.environ.get("DJANGO_SUPERUSER_PASSWORD"):
            PASSWORD_FILE.write_text(password + "\n", encoding="utf-8")
            PASSWORD_FILE.chmod(0o600)

        User = get_user_model()
        user = User.objects.filter(username=username).first() or User(username=username)
        if user.pk is None or not user.check_password(password):
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(
                    "管理员密码不符合要求：" + " ".join(error.messages)
                ) from error
            user.set_password(password)
        try:
            # The break-glass account holds none of the three administrators'
            # duties (devzone.accounts.separation).
            user_duties_validate(user=user, is_superuser=True)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.is_staff = user.is_superuser = user.is_active = True
        user.save()
        self.stdout.write(f"登录地址：{url}")
        self.stdout.write(f"用户名：{username}")
        self.stdout.write(f"密码：{password}")
        if not settings.DEVZONE_ENFORCE_2FA:
            self.stdout.write(
                "演示模式（DEBUG）：未强制双因素认证，管理员和演示用户仅凭密码即可登录；"
                "正式部署时必须绑定手机验证器。"
            )
