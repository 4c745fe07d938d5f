from django.core.management.base import BaseCommand

from devzone.audit_seal import seal_pending


class Command(BaseCommand):
    help = "为新写入的日志行加封签（HMAC-SM3 哈希链）；以日志表的所有者角色运行。"

    def handle(self, *args, **options):
        seals = seal_pending()
        rows = sum(seal.row_count for seal in seals)
        self.stdout.write(f"新加封签 {len(seals)} 个，覆盖 {rows} 行。")
