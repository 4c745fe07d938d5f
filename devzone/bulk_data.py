"""Invented records in bulk, for measuring devzone at the zone's full size.

``manage.py generate_data`` asks each app's registered generator for rows and writes
them here: by ``COPY … FROM STDIN`` on PostgreSQL (a million rows in well under a
minute), by ``bulk_create`` elsewhere. The rows skip ``save()`` and the history
tables: they are test data, not records anyone entered. Every person is invented:
names drawn at random (most of two characters, as in the zone), ID numbers with 丹阳's
region code, a real birth date and a correct check character.
"""

import datetime
import random
import sys
import time

from django.db import connection
from django.utils import timezone

from devzone import sealing
from devzone.sealed_rows import sealed_fields
from devzone.validators import id_check_character

REGION = "321181"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶"
    "黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤眭束殷"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志玉兰海燕晓峰文春生立新红永"
    "雪德胜美玲宏小金凤子涵思远雨桐浩然俊佳怡欣悦荣根宝林东萍琴梅云"
)
BATCH = 5000


class Inventor:
    """Deterministic invented people, dates and sums (one seed, same rows)."""

    def __init__(self, seed=2021):
        self.rng = random.Random(seed)
        self.used_births = {}

    def name(self):
        """Return a name: two characters three times in five, else three."""
        given = 1 if self.rng.random() < 0.6 else 2
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(given)
        )

    def id_number(self, first_year=1940, last_year=2004):
        """Return a valid, never repeated ID number born between the two years."""
        start = datetime.date(first_year, 1, 1)
        days = (datetime.date(last_year, 12, 31) - start).days
        while True:
            birth = start + datetime.timedelta(days=self.rng.randrange(days))
            used = self.used_births.get(birth, 0)
            if used < 999:
                break
        self.used_births[birth] = used + 1
        body = f"{REGION}{birth:%Y%m%d}{used + 1:03d}"
        return body + id_check_character(body)

    def phone(self):
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    def day(self, first, last):
        """Return a date between two dates, both included."""
        return first + datetime.timedelta(
            days=self.rng.randrange((last - first).days + 1)
        )

    def choice(self, values):
        return self.rng.choice(values)

    def amount(self, low, high, step=1):
        return self.rng.randrange(low, high, step)


class Progress:
    """A progress bar on stderr: ``户 [######    ] 600,000/1,000,000 12 s``."""

    def __init__(self, label, total, stream=None):
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.shown = -1

    def add(self, count):
        if count <= 0:
            return
        self.done += count
        tenth = self.done * 40 // max(self.total, 1)
        if tenth != self.shown or self.done >= self.total:
            self.shown = tenth
            bar = "#" * tenth + " " * (40 - tenth)
            seconds = time.monotonic() - self.start
            self.stream.write(
                f"\r{self.label} [{bar}] {self.done:,}/{self.total:,} {seconds:.0f} s"
            )
            if self.done >= self.total:
                self.stream.write("\n")
            self.stream.flush()


def sealed_values(model, row):
    """Return the row with its sealed fields encrypted and their siblings filled.

    COPY writes what it is given: the ciphertext, the digest, the masked copy (and
    birth) that a save would write (``devzone.fields``).
    """
    row = dict(row)
    for field in sealed_fields(model):
        if field.attname not in row:
            continue
        plain = field.plain(row[field.attname])
        row[field.attname] = sealing.seal(plain)
        for kind, name in field.sibling_names().items():
            row[name] = field.derive(kind, plain)
    return row


def write_rows(model, rows, total, label, stream=None):
    """Write ``total`` rows (dicts by attribute name) to the model's table.

    Columns a row leaves out take the field's default; ``created_at`` and
    ``updated_at`` are now.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {f.attname: f.get_default() if f.has_default() else None for f in fields}
    defaults.update(created_at=now, updated_at=now)
    progress = Progress(label, total, stream)
    if connection.vendor == "postgresql":
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for count, row in enumerate(rows, 1):
                values = {**defaults, **sealed_values(model, row)}
                copy.write_row([values[f.attname] for f in fields])
                if count % BATCH == 0:
                    progress.add(BATCH)
        progress.add(total - progress.done)
        with connection.cursor() as cursor:
            # Fresh statistics for the planner and a visibility map for index-only
            # scans: without them the first lists would be planned for an empty table.
            cursor.execute(f"VACUUM ANALYZE {table}")
        return
    batch = []
    for row in rows:
        batch.append(model(**{**defaults, **row}))
        if len(batch) == BATCH:
            model.objects.bulk_create(batch)
            progress.add(len(batch))
            batch = []
    model.objects.bulk_create(batch)
    progress.add(total - progress.done)
