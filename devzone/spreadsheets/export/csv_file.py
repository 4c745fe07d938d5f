"""CSV: written by the csv module from Python rows, or by PostgreSQL's COPY."""

import csv

import psycopg
from django.db import connections

from devzone.spreadsheets.cells import csv_safe
from devzone.spreadsheets.export.files import CHUNK_BYTES

BOM = "\ufeff".encode()


def csv_line(writer, row):
    # The csv module quotes a cell holding "\r" only when "\r" ends its lines, as
    # COPY does: lines are written with "\r\n" and end with COPY's "\n".
    line = writer.writerow(["" if value is None else csv_safe(value) for value in row])
    return line[:-2] + "\n"


class Lines:
    def write(self, line):
        return line


def csv_chunks(headers, rows):
    """Yield a UTF-8 CSV with BOM (so Excel reads the Chinese), in 64 KiB chunks."""
    writer = csv.writer(Lines(), lineterminator="\r\n")
    chunk = [csv_line(writer, headers)]
    size = 0
    first = True
    for row in rows:
        line = csv_line(writer, row)
        chunk.append(line)
        size += len(line)
        if size >= CHUNK_BYTES // 4:
            data = "".join(chunk).encode()
            yield BOM + data if first else data
            chunk, size, first = [], 0, False
    data = "".join(chunk).encode()
    yield BOM + data if first else data


def copy_chunks(headers, select, using):
    """Yield a UTF-8 CSV with BOM whose rows PostgreSQL writes with COPY."""
    writer = csv.writer(Lines(), lineterminator="\r\n")
    chunk = bytearray(BOM + csv_line(writer, headers).encode())
    # The COPY runs while the response is sent, on the request's connection: in
    # autocommit, or in the request's transaction. A download broken off ends it by
    # closing this generator, which cancels the COPY and leaves the connection clean.
    sql, params = select
    with connections[using].cursor() as cursor:
        raw = cursor.cursor
        # COPY takes no parameters: psycopg binds them into the statement.
        query = psycopg.ClientCursor(raw.connection).mogrify(sql, params)
        with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                chunk += block
                if len(chunk) >= CHUNK_BYTES:
                    yield bytes(chunk)
                    chunk.clear()
    yield bytes(chunk)
