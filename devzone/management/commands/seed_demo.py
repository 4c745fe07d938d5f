from django.core.management.base import BaseCommand
from django.db import transaction

from devzone import registry


class Command(BaseCommand):
    help = "载入演示数据（可重复执行：按自然键更新，不会重复）。"

    def handle(self, *args, **options):
        with transaction.atomic():
            for loader in sorted(registry.demo_loaders, key=lambda item: item.order):
                counts = loader.load()
                for dataset, total in counts.items():
                    self.stdout.write(
                        f"{loader.name} · {dataset}：新增 {total['new']}，"
                        f"更新 {total['update']}，未变 {total['skip']}"
                    )
        self.stdout.write(self.style.SUCCESS("演示数据已载入。"))
