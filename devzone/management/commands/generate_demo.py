import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from devzone.demo.generators import FIXTURES_DIR, differences, update


class Command(BaseCommand):
    help = "重新生成 fixtures/ 中的演示数据和导入样例文件。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="写到临时文件夹并与 fixtures/ 比较，列出不一致的文件，不改动 fixtures/。",
        )

    def handle(self, *args, check=False, **options):
        if not check:
            # A file whose data is unchanged keeps its bytes (XLSX its timestamps).
            for path in update(FIXTURES_DIR):
                self.stdout.write(f"已更新 fixtures/{path.as_posix()}")
            self.stdout.write(self.style.SUCCESS("演示数据已重新生成。"))
            return
        with tempfile.TemporaryDirectory() as folder:
            differing = differences(Path(folder), FIXTURES_DIR)
        if differing:
            raise CommandError(
                "以下文件与生成器的结果不一致（运行 manage.py generate_demo 重新生成）：\n"
                + "\n".join(f"fixtures/{path.as_posix()}" for path in differing)
            )
        self.stdout.write(self.style.SUCCESS("演示数据与生成器一致。"))
