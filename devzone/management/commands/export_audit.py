import datetime
import json
import logging.handlers
import os
from pathlib import Path

from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from devzone.append_only import log_tables


def day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"日期应写作 2026-01-31：{text}") from exc


def day_lines(date: datetime.date):
    """Yield one JSON line for each log row of the day (local time), table by table."""
    start = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    for log in log_tables():
        rows = log.model._base_manager.filter(
            **{f"{log.time_field}__gte": start, f"{log.time_field}__lt": end}
        ).order_by("pk")
        for row in serializers.serialize("python", rows.iterator(chunk_size=2000)):
            line = {"table": log.table, "id": row["pk"], "row": row["fields"]}
            yield json.dumps(line, cls=DjangoJSONEncoder, ensure_ascii=False)


class Command(BaseCommand):
    help = (
        "把日志（含哈希链封签）按天导出为 JSON Lines 文件 devzone-audit-<日期>.jsonl，"
        "已有的文件不覆盖；或发往 syslog。默认导出昨天。"
    )

    def add_arguments(self, parser):
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        parser.add_argument("--since", type=day, default=yesterday)
        parser.add_argument("--until", type=day, default=yesterday, help="含当天")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--to", type=Path, help="导出到的文件夹")
        target.add_argument(
            "--syslog", metavar="ADDRESS", help="syslog 地址，如 /dev/log"
        )

    def handle(self, *args, since, until, to, syslog, **options):
        if until < since or until >= timezone.localdate():
            raise CommandError(
                "只导出已经过完的日子：--until 应不早于 --since、早于今天。"
            )
        date = since
        while date <= until:
            if to is not None:
                self.write_file(to, date)
            else:
                self.send_syslog(syslog, date)
            date += datetime.timedelta(days=1)

    def write_file(self, folder: Path, date: datetime.date) -> None:
        path = folder / f"devzone-audit-{date.isoformat()}.jsonl"
        try:
            # "x": a day exported once is never written over, by this or anyone.
            with open(path, "x", encoding="utf-8") as file:
                count = 0
                for line in day_lines(date):
                    file.write(line + "\n")
                    count += 1
        except FileExistsError as exc:
            raise CommandError(f"{path} 已存在，不覆盖。") from exc
        os.chmod(path, 0o440)
        self.stdout.write(f"{path}：{count} 行。")

    def send_syslog(self, address: str, date: datetime.date) -> None:
        handler = logging.handlers.SysLogHandler(
            address=address,
            facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV,
        )
        logger = logging.getLogger("devzone.audit_export")
        logger.addHandler(handler)
        logger.propagate = False
        try:
            count = 0
            for line in day_lines(date):
                logger.warning("%s", line)
                count += 1
        finally:
            logger.removeHandler(handler)
            handler.close()
        self.stdout.write(f"{date}：{count} 行发往 syslog {address}。")
