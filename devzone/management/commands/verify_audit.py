from django.core.management.base import BaseCommand, CommandError

from devzone.audit_seal import verify_chain


class Command(BaseCommand):
    help = "重新计算日志的哈希链；链断开时以非零状态退出，并指出第一个断开处。"

    def handle(self, *args, **options):
        verdict = verify_chain()
        if verdict.broken:
            raise CommandError(f"日志哈希链断开：{verdict.broken}")
        self.stdout.write(
            f"日志哈希链完好：{verdict.seals} 个封签"
            f"（其中 {verdict.purged} 个的行已过保留期清除）。"
        )
        for table, count in sorted((verdict.unsealed or {}).items()):
            self.stdout.write(f"尚未加封签：{table} {count} 行。")
