from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from devzone import backups


class Command(BaseCommand):
    help = (
        "把备份恢复到临时数据库，与清单逐表核对行数和校验和，运行 migrate --check，"
        "然后删除临时数据库。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="manage.py backup 写出的备份文件")

    def handle(self, *args, file, **options):
        try:
            result = backups.check_backup(file)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复检查通过：{result.tables} 张表、{result.rows} 行与清单一致，"
                f"{result.media_files} 个上传文件完好，迁移齐全。"
            )
        )
