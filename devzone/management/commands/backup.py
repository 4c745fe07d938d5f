from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from devzone import backups


class Command(BaseCommand):
    help = (
        "备份数据库（PostgreSQL：pg_dump -Fc；SQLite：一致的副本）和上传的文件，"
        "并写出清单（每张表的行数和校验和）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            help="备份文件夹（默认 DEVZONE_BACKUP_DIR）。",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="备份后立即做恢复检查（同 restore_check），通过后才删除旧备份。",
        )
        parser.add_argument(
            "--keep",
            type=int,
            help="备份后只保留最新的 N 份，删除更早的。",
        )

    def handle(self, *args, dir=None, keep=None, check=False, **options):
        folder = dir or backups.backup_dir()
        if keep is not None and keep < 1:
            raise CommandError("至少保留 1 份备份。--keep must be at least 1.")
        try:
            made = backups.create_backup(folder)
            for path in (made.dump, made.media, made.manifest):
                if path is not None:
                    self.stdout.write(f"已写出 {path}")
            if check:
                result = backups.check_backup(made.dump)
                self.stdout.write(
                    f"恢复检查通过：{result.tables} 张表、{result.rows} 行与清单一致。"
                )
            removed = backups.prune(folder, keep) if keep is not None else []
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        for path in removed:
            self.stdout.write(f"已删除旧备份 {path.name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成。用 manage.py restore_check {made.dump} 检查它能否完整恢复。"
            )
        )
