from django.core.management.base import BaseCommand

from devzone.append_only import grant_sql


class Command(BaseCommand):
    help = (
        "输出 SQL：让应用的数据库角色对每张日志表只有 SELECT 和 INSERT 权限"
        "（以表的所有者执行，见 deploy/README.md）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="应用连接数据库所用的角色，如 devzone_app")

    def handle(self, *args, role, **options):
        for statement in grant_sql(role):
            self.stdout.write(f"{statement};")
