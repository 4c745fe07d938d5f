from django.core.management.base import BaseCommand

from devzone import registry
from devzone.demo import load_zone
from devzone.models import Community


class Command(BaseCommand):
    help = (
        "生成大批虚构数据（测量用）：有效的身份证号、全区的村/社区、常见姓名、"
        "日期和金额。在 PostgreSQL 上用 COPY 写入。"
    )

    def add_arguments(self, parser):
        for generator in registry.generators.values():
            parser.add_argument(
                f"--{generator.option}",
                type=int,
                default=generator.default,
                help=f"{generator.label}条数（默认 {generator.default:,}）",
            )

    def handle(self, *args, **options):
        if not Community.objects.exists():
            load_zone()
        for generator in sorted(
            registry.generators.values(), key=lambda item: item.order
        ):
            count = options[generator.option.replace("-", "_")]
            if count > 0:
                generator.generate(count)
                self.stdout.write(f"{generator.label}：已生成 {count:,} 条")
        self.stdout.write(self.style.SUCCESS("虚构数据已生成。"))
