"""Spreadsheet formats: CSV in any encoding Excel or WPS saves, XLSX, read with limits."""

# Spreadsheets come from Excel and WPS: CSV in UTF-8, UTF-8 with BOM or GBK, XLSX whose
# numbers are floats. They are read into a dataset with the limits on rows, columns and
# cells checked as the rows stream in; what cannot be read is refused in Chinese. The
# dataset keeps its rows packed and compressed (PackedRows): a file of 100,000 rows
# costs a few MiB once read, and a CSV is decoded a megabyte at a time.

import array
import codecs
import contextlib
import csv
import io
import itertools
import marshal
import pickle
import re
import unicodedata
import zipfile
import zlib
from collections.abc import MutableSequence

import tablib
from django.conf import settings
from django.utils.encoding import force_str
from import_export.formats import base_formats
from tablib.core import Row

from devzone.spreadsheets.results import ImportFileError


def header_key(text):
    """Return a header folded for matching: NFKC, no spaces, lower-case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", force_str(text))).lower()


class FormulaCell(str):
    """An XLSX formula cell whose result the file does not hold, as its formula.

    Excel saves each formula's last result beside it, and that is what is read;
    a file written by a program often saves none, and openpyxl then reads an empty
    cell. Such a cell reaches the widgets as its formula text, and they refuse it
    rather than import a blank.
    """


def is_blank(value):
    return value is None or (isinstance(value, str) and value.strip() == "")


HEADER_SEARCH_ROWS = 10  # the header is looked for within the file's first rows


class EmptyFile(ImportFileError):
    """A file or sheet with no data rows: an extra sheet so is left out, not refused."""


def trimmed(cells):
    """Return a row's cells without its blank cells at the end."""
    cells = list(cells)
    while cells and is_blank(cells[-1]):
        cells.pop()
    return cells


DECODE_CHUNK = 1 << 20  # bytes decoded at a time: a file's text is never held whole


def opened(source):
    """Return a binary stream of an upload: its bytes, or its file (a path) on disk.

    An upload waits on disk (``spreadsheets.uploads``) and is read from there, as
    often as a step needs it (its kind, its encoding, its rows), and never held
    whole: a 200,000-row CSV is 30 MB of bytes.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    if isinstance(source, str):  # CSV text to csv_rows, never a file's name
        raise TypeError("An upload is its bytes or a pathlib.Path, not a str.")
    return open(source, "rb")  # noqa: SIM115 - every caller closes it


def readable(source):
    """Return an upload as zipfile, openpyxl and calamine open it: a path as it is."""
    return io.BytesIO(source) if isinstance(source, bytes) else source


def head_of(source, size):
    """Return the first ``size`` bytes of an upload (bytes or a path)."""
    with opened(source) as stream:
        return stream.read(size)


def chunks_of(source):
    """Yield an upload's bytes (bytes or a path) a chunk at a time."""
    with opened(source) as stream:
        while chunk := stream.read(DECODE_CHUNK):
            yield chunk


def decodes(source, encoding):
    """Return True if an upload is text in the encoding, decoding a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in chunks_of(source):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def text_encoding(source):
    """Return the encoding of a CSV upload saved as UTF-8 (with BOM or not), GBK or UTF-16.

    ``source`` is the upload's bytes or its path.
    """
    head = head_of(source, 4096)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Excel's "Unicode 文本": UTF-16 with a byte order mark, tab-separated.
        if decodes(source, "utf-16"):
            return "utf-16"
        raise ImportFileError(
            "无法读取该 Unicode 文本文件：文件不完整或已损坏，"
            "请在 Excel 或 WPS 中重新另存后上传。"
        )
    if b"\x00" in head:
        raise ImportFileError(
            "文件不是可识别的文本 CSV（可能是 UTF-16 或二进制文件），"
            "请在 Excel 或 WPS 中另存为“CSV（逗号分隔）”后重新上传。"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        if decodes(source, encoding):
            return encoding
    raise ImportFileError(
        "无法识别文件编码：支持 UTF-8 和 GBK（GB18030）编码的 CSV，请另存后重新上传。"
    )


def decode_csv(data):
    """Return the text of a CSV upload saved as UTF-8, UTF-8 with BOM, GBK or UTF-16."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    return data.decode(text_encoding(data))


def import_limit(name):

    return getattr(settings, f"DEVZONE_IMPORT_MAX_{name}")


def shown(value, limit=40):
    """Return a cell's value for a message: a long one is cut, not repeated whole."""
    text = force_str(value)
    return text if len(text) <= limit else text[:limit] + f"…（共 {len(text)} 个字符）"


def build_dataset(rows, rows_before=0):
    """Return a dataset from ``(line, cells)`` pairs, the first being the header row.

    Blank rows are left out (they are neither imported nor counted); the dataset's
    ``row_numbers`` keeps each remaining row's number in the file, so messages still
    name the row a person sees. The limits on rows, columns and cell length are
    checked as the rows stream in, so a hostile file stops at its first excess;
    ``rows_before`` counts the rows of the workbook's sheets read before this one.
    """
    max_rows = import_limit("ROWS")
    max_columns = import_limit("COLUMNS")
    max_chars = import_limit("CELL_CHARS")
    dataset = packed_dataset()
    dataset.row_numbers = line_numbers()
    width = None
    # A ledger's header may sit below a title row (ZoneResource.locate_header finds
    # it): the first rows are read before the width is fixed, so a one-cell title
    # does not make the real header look too wide.
    rows = iter(rows)
    head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    widest = max((len(trimmed(cells)) for _, cells in head), default=0)
    for number, (line, cells) in enumerate(itertools.chain(head, rows), start=1):
        cells = list(cells)
        if len(cells) > max_columns:
            while cells and is_blank(cells[-1]):
                cells.pop()
            if len(cells) > max_columns:
                raise ImportFileError(
                    f"第 {line} 行有 {len(cells)} 列，超过了每个文件最多 {max_columns} "
                    "列的限制：请删去多余的列后重新上传。"
                )
        try:  # a row of text (every CSV row) is measured at once
            too_long = max(map(len, cells), default=0) > max_chars
        except TypeError:  # numbers, dates: only text cells are measured
            too_long = True
        for column, value in enumerate(cells if too_long else (), start=1):
            if isinstance(value, str) and len(value) > max_chars:
                raise ImportFileError(
                    f"第 {line} 行第 {column} 列的单元格有 {len(value)} 个字符，"
                    f"超过了单元格最多 {max_chars} 个字符的限制（Excel 的上限）："
                    "请检查该单元格后重新上传。"
                )
        if width is None:
            while cells and is_blank(cells[-1]):
                cells.pop()
            if not cells:
                raise EmptyFile(
                    "文件的第 1 行是空的：第 1 行应为表头（各列的名称），"
                    "数据从第 2 行开始。"
                )
            # A title (far narrower than the rows below) takes their width; a header
            # keeps its own, so a row with a stray comma is still named.
            width = widest if 2 * len(cells) <= widest else len(cells)
            cells += [None] * (width - len(cells))
            dataset.headers = cells
            dataset.header_line = number
            continue
        if all(is_blank(value) for value in cells):
            continue
        if len(cells) > width:
            extra = cells[width:]
            if any(not is_blank(value) for value in extra):
                raise ImportFileError(
                    f"第 {line} 行有 {len(cells)} 个单元格，而表头只有 {width} 列："
                    "该行可能多了逗号（内容中有逗号时，应把整个内容用英文双引号括起），"
                    "或表头少了列名。请改正后重新上传。"
                )
            cells = cells[:width]
        cells += [None] * (width - len(cells))
        if rows_before + len(dataset.row_numbers) >= max_rows:
            raise ImportFileError(
                f"文件超过了每次最多导入 {max_rows} 行数据的限制：请分成几个文件导入。"
            )
        dataset._data.append_cells(cells)
        dataset.row_numbers.append(number)
    if width is None:
        raise EmptyFile("文件是空的：第 1 行应为表头，数据从第 2 行开始。")
    if not dataset.row_numbers:
        raise EmptyFile(
            "文件只有表头，没有数据行：请从第 2 行起填写要导入的数据后重新上传。"
        )
    return dataset


ROWS_PER_BLOCK = 1000  # rows packed and compressed together


def line_numbers():
    """Return an empty list of rows' line numbers, kept as machine integers.

    A list of 200,000 Python ints held 7 MiB through the import; these hold 1.6.
    """
    return array.array("l")


def pack(cells):
    """Return cells (or rows of them) as bytes: marshal, or pickle for dates and such."""
    try:
        return marshal.dumps(cells)
    except ValueError:  # a date, a time or a FormulaCell: not marshal's types
        return pickle.dumps(cells, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(packed):
    # Only ever bytes that pack() made in this process, never an upload's bytes.
    # Pickle's output starts with its PROTO opcode, which no marshalled list does.
    return pickle.loads(packed) if packed[0] == 0x80 else marshal.loads(packed)


class PackedRows(MutableSequence):
    """A dataset's rows, packed and compressed a thousand at a time, read as needed.

    A 100,000-row file held as lists of cells cost about 100 MiB, a Python object
    per cell; packed and compressed, under a tenth, so that a file twice as long
    costs little more. tablib reads and writes its rows through ``Dataset._data``,
    a list of its ``Row`` objects, which this replaces (``packed_dataset``). The
    rows are read in order (the header search, the engine's one pass, a column);
    the block last read is kept unpacked. A change but an append rebuilds the
    blocks: a file's title rows, footers and unknown columns go once each.
    """

    __slots__ = ("_blocks", "_cached", "_tail")

    def __init__(self, rows=()):
        self._blocks: list[bytes] = []  # compressed, ROWS_PER_BLOCK rows each
        self._tail: list[list] = []  # the rows after them, not yet compressed
        self._cached: tuple[int, list] | None = None
        for cells in rows:
            self.append_cells(cells)

    def append_cells(self, cells):
        """Append a row (a list of cells), of the width the dataset checked."""
        self._tail.append(cells)
        if len(self._tail) == ROWS_PER_BLOCK:
            self._blocks.append(zlib.compress(pack(self._tail), 1))
            self._tail = []

    def __len__(self):
        return len(self._blocks) * ROWS_PER_BLOCK + len(self._tail)

    def block(self, number):
        if self._cached is None or self._cached[0] != number:
            self._cached = (number, unpack(zlib.decompress(self._blocks[number])))
        return self._cached[1]

    def cells(self, index):
        """Return the cells of the row at ``index`` (not to be changed in place)."""
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("row index out of range")
        number, offset = divmod(index, ROWS_PER_BLOCK)
        if number < len(self._blocks):
            return self.block(number)[offset]
        return self._tail[offset]

    def append_rows(self, rows):
        """Append rows (sequences of cells), each of the width the dataset checked."""
        for cells in rows:
            self.append_cells(cells)

    def iter_blocks(self):
        """Yield the rows a block at a time, as lists (not to be changed in place)."""
        for number in range(len(self._blocks)):
            yield unpack(zlib.decompress(self._blocks[number]))
        if self._tail:
            yield self._tail

    def iter_cells(self):
        """Yield each row's cells in order (not to be changed in place)."""
        for block in self.iter_blocks():
            yield from block

    def __iter__(self):
        for cells in self.iter_cells():
            yield Row(cells)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [Row(self.cells(i)) for i in range(len(self))[index]]
        return Row(self.cells(index))

    def rebuild(self, rows):
        rebuilt = PackedRows(rows)
        self._blocks, self._tail, self._cached = rebuilt._blocks, rebuilt._tail, None

    def __setitem__(self, index, row):
        chosen = range(len(self))[index]
        if isinstance(index, slice):
            replaced = dict(zip(chosen, (list(r) for r in row), strict=True))
        else:
            replaced = {chosen: list(row)}
        self.rebuild(
            replaced.get(i, cells) for i, cells in enumerate(self.iter_cells())
        )

    def __delitem__(self, index):
        chosen = range(len(self))[index]
        if isinstance(chosen, range) and chosen.step == 1 and chosen.stop == len(self):
            self.truncate(chosen.start)  # footers: only the blocks from there change
            return
        gone = chosen if isinstance(chosen, range) else range(chosen, chosen + 1)
        self.rebuild(c for i, c in enumerate(self.iter_cells()) if i not in gone)

    def truncate(self, size):
        """Keep the first ``size`` rows."""
        number, offset = divmod(size, ROWS_PER_BLOCK)
        if number < len(self._blocks):
            kept = self.block(number)[:offset]
            self._blocks, self._tail, self._cached = self._blocks[:number], [], None
            for cells in kept:
                self.append_cells(cells)
        else:
            self._tail = self._tail[:offset]

    def insert(self, index, row):
        if getattr(row, "tags", None):
            raise ValueError("Packed rows keep no tags.")
        if index >= len(self):
            self.append_cells(list(row))
            return
        rows = list(self.iter_cells())
        rows.insert(index, list(row))
        self.rebuild(rows)

    def drop_columns(self, positions):
        """Remove the columns at ``positions`` from every row, in one pass."""
        gone = set(positions)
        self.rebuild(
            [c for p, c in enumerate(cells) if p not in gone]
            for cells in self.iter_cells()
        )


def rows_of(dataset):
    """Yield each of a dataset's rows as a sequence of its cells, in order."""
    for block in blocks_of(dataset):
        yield from block


def blocks_of(dataset):
    """Yield a dataset's rows (sequences of cells) in order, in lists of up to
    ``ROWS_PER_BLOCK`` (a packed dataset's blocks as they are stored)."""
    data = dataset._data
    if isinstance(data, PackedRows):
        yield from data.iter_blocks()
        return
    rows = (row._row for row in data)
    while block := list(itertools.islice(rows, ROWS_PER_BLOCK)):
        yield block


def drop_columns(dataset, positions):
    """Remove the columns at ``positions``, headers and cells, in one pass over the rows."""
    if not positions:
        return
    gone = set(positions)
    headers = [h for p, h in enumerate(dataset.headers) if p not in gone]
    if isinstance(dataset._data, PackedRows):
        dataset._data.drop_columns(gone)
        dataset.headers = headers
        return
    for position in sorted(gone, reverse=True):
        del dataset[dataset.headers[position]]


def packed_dataset(headers=None):
    """Return an empty tablib dataset whose rows are kept packed (``PackedRows``)."""
    dataset = tablib.Dataset()
    dataset._data = PackedRows()
    if headers is not None:
        dataset.headers = headers
    return dataset


CSV_REASONS = {
    "unexpected end of data": '引号没有闭合：从这一行起的英文双引号 " 到文件末尾都没有'
    "配对的结束引号",
    "',' expected after '\"'": "引号后面紧跟了其他字符：带引号的内容应整体用英文双引号"
    '括起，内容中的双引号要写成两个（""）',
    "field larger than field limit": "有一个单元格的内容过长",
    "new-line character seen in unquoted field": "有未用引号括起的换行符",
    "line contains NUL": "含有空字符（NUL），可能不是文本文件",
}


def csv_error_reason(error):
    text = str(error)
    for english, chinese in CSV_REASONS.items():
        if text.startswith(english):
            return chinese
    return "无法按 CSV 格式解析这一行"


def delimiter_of(head):
    """Return the separator of a text table: tab, semicolon or comma, by its first lines."""
    counts = {d: head.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # as newline="" cuts


def text_lines(source, encoding):
    """Yield the lines of a CSV upload (bytes or a path, in ``encoding``) or text.

    Lines are cut as newline="" cuts them.
    """
    if isinstance(source, str):
        # Cut from the text as read: io.StringIO held a second copy of it.
        yield from (line.group() for line in LINE.finditer(source.lstrip("\ufeff")))
        return
    # Decoded as read, a chunk at a time: the text of a 100,000-row file cost
    # 25 MiB more held whole. text_encoding has checked it all already.
    with io.TextIOWrapper(opened(source), encoding=encoding, newline="") as text:
        yield from text


def csv_rows(source):
    """Yield ``(line, cells)`` of a CSV upload; a malformed line is named and explained."""
    encoding = None if isinstance(source, str) else text_encoding(source)
    head = "".join(itertools.islice(text_lines(source, encoding), HEADER_SEARCH_ROWS))
    lines = text_lines(source, encoding)
    reader = csv.reader(lines, delimiter=delimiter_of(head), strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(
                f"CSV 文件第 {start} 行格式有误：{csv_error_reason(exc)}。"
                "请在 Excel 或 WPS 中打开该文件检查这一行，改正后重新上传。"
            ) from exc
        yield start, cells
        start = reader.line_num + 1


OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (BIFF8 in OLE2)


def kind_of(source):
    """Return what an upload (bytes or a path) is, read from its bytes: xlsx, ods, xls or text."""
    head = head_of(source, 200)
    if head.startswith(OLE_SIGNATURE):
        return "xls"
    if head[:2] == b"PK":
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head:
            return "ods"
        return "xlsx"
    return "text"


def dataset_from_bytes(data):
    """Return a dataset from an upload (bytes or a path) of any format devzone reads.

    The format is told by the upload's bytes, not by its name.
    """
    kind = kind_of(data)
    if kind == "xlsx":
        check_xlsx_size(data)
        # python-calamine read a 100,000-row sheet in 1.2 s where openpyxl took 19 s;
        # openpyxl stays for a workbook with formulas, to refuse one saved without
        # its result rather than read a blank (FormulaCell).
        try:
            formulas, dimension = has_formulas(data), declared_dimension(data)
        except Exception as exc:  # zipfile and zlib raise many kinds on a broken file
            raise ImportFileError(
                "无法读取该 xlsx 文件：文件已损坏或不是 Excel 工作簿。"
            ) from exc
        if formulas:
            return XLSX().read_workbook(data)
        check_declared_size(*dimension)
        return calamine_dataset(data, "xlsx")
    if kind in ("xls", "ods"):
        return calamine_dataset(data, kind)
    return build_dataset(csv_rows(data))


DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]*[0-9]*:?([A-Z]+)([0-9]+)"')


def column_number(letters):
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def declared_dimension(data):
    """Return (rows, columns) the first worksheet of an XLSX declares, or Nones."""
    with zipfile.ZipFile(readable(data)) as archive:
        sheets = sorted(
            n
            for n in archive.namelist()
            if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)
        )
        if not sheets:
            return None, None
        with archive.open(sheets[0]) as member:
            found = DIMENSION.search(member.read(4096))
    if found is None:
        return None, None
    return int(found.group(2)), column_number(found.group(1))


FORMAT_NAMES = {
    "xlsx": "xlsx",
    "xls": "xls（Excel 97-2003）",
    "ods": "ods（LibreOffice/WPS）",
}


def calamine_dataset(data, kind):
    """Return the sheets of an .xlsx, .xls or .ods workbook, read by python-calamine.

    An .ods is a zip and is bounded by its unpacked size first; an .xls is not
    compressed, so its upload size bounds it. Each sheet's declared size is checked
    before its rows are read, and the rows stream in under the same limits as any
    file, counted over all the sheets (``workbook_dataset``).
    """
    import python_calamine

    name = FORMAT_NAMES[kind]
    if kind == "ods":
        check_xlsx_size(data, name="ods")
    try:
        workbook = python_calamine.CalamineWorkbook.from_object(readable(data))
        try:
            check_sheet_count(len(workbook.sheet_names))

            def sheets():
                for index, sheet_name in enumerate(workbook.sheet_names):
                    sheet = workbook.get_sheet_by_index(index)
                    start = sheet.start[0] + 1 if sheet.start else 1
                    yield (
                        sheet_name,
                        (sheet.total_height, sheet.total_width),
                        calamine_rows(sheet.iter_rows(), start=start),
                    )

            return workbook_dataset(sheets())
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # calamine raises its own errors and ValueError
        raise ImportFileError(
            f"无法读取该 {name} 文件：文件已损坏、设有密码或不是电子表格。"
            "请在 Excel、WPS 或 LibreOffice 中打开后另存为 xlsx 再上传。"
        ) from exc


def calamine_rows(rows, start=1):
    max_rows = import_limit("ROWS")
    for number, row in enumerate(rows, start=start):
        if number > 2 * max_rows + 1:
            raise ImportFileError(
                f"工作表超过了 {2 * max_rows} 行（含空行）：请删去多余的空行后重新上传。"
            )
        yield number, [None if cell == "" else cell for cell in row]


class CSV(base_formats.CSV):
    """CSV read in any encoding Excel or WPS saves, written as UTF-8 with BOM."""

    CONTENT_TYPE = "text/csv; charset=utf-8"

    def get_read_mode(self):
        return "rb"

    def is_binary(self):
        # Uploads are kept as bytes so the encoding is detected, not assumed.
        return True

    def create_dataset(self, in_stream):
        # The format is read from the bytes: a workbook chosen as CSV is read as one.
        if isinstance(in_stream, str):
            return build_dataset(csv_rows(in_stream))
        return dataset_from_bytes(in_stream)

    def export_data(self, dataset, **kwargs):
        return ("\ufeff" + dataset.export("csv")).encode("utf-8")


def check_xlsx_size(data, name="xlsx"):
    """Refuse a workbook whose unpacked size, rows or columns exceed the limits.

    The sizes come from the zip directory and the sheet's declared dimension, read
    before any cell is parsed: a small file cannot make the server unpack or walk
    a million rows.
    """
    try:
        with zipfile.ZipFile(readable(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(
            f"无法读取该 {name} 文件：文件已损坏或不是电子表格。"
        ) from exc
    limit = import_limit("UNPACKED_BYTES")
    if unpacked > limit:
        raise ImportFileError(
            f"该 {name} 文件解压后有 {unpacked / 2**20:.1f} MB，超过了 {limit // 2**20} MB "
            "的限制：请删去多余的工作表、图片或空白格式，或分成几个文件导入。"
        )


def check_declared_size(rows, columns):
    max_rows, max_columns = import_limit("ROWS"), import_limit("COLUMNS")
    if rows is not None and rows > max_rows + 1:
        raise ImportFileError(
            f"工作表声明了 {rows} 行，超过了每次最多导入 {max_rows} 行数据的限制："
            "请删去多余的行（包括只有格式的空行）或分成几个文件导入。"
        )
    if columns is not None and columns > max_columns:
        raise ImportFileError(
            f"工作表声明了 {columns} 列，超过了每个文件最多 {max_columns} 列的限制："
            "请删去多余的列（包括只有格式的空列）后重新上传。"
        )


def xlsx_rows(sheet, formulas=None):
    """Yield ``(row number, values)``, stopping at a row past the limit.

    ``formulas`` is the same sheet read for its formulas: where a formula has no
    saved result, the cell is its ``FormulaCell``.
    """
    max_rows = import_limit("ROWS")
    rows = sheet.iter_rows(values_only=True)
    formula_rows = formulas.iter_rows(values_only=True) if formulas else None
    for number, row in enumerate(rows, start=1):
        if number > 2 * max_rows + 1:
            # Blank rows are not counted as data, but walking millions is refused.
            raise ImportFileError(
                f"工作表超过了 {2 * max_rows} 行（含空行）：请删去多余的空行后重新上传。"
            )
        if formula_rows is not None:
            row = unresolved_formulas(row, next(formula_rows, ()))
        yield number, row


def unresolved_formulas(values, formulas):
    """Return the row's values with each formula lacking a result as a FormulaCell."""
    return tuple(
        FormulaCell(formula)
        if value is None and isinstance(formula, str) and formula.startswith("=")
        else value
        for value, formula in zip(
            values, [*formulas, *[None] * (len(values) - len(formulas))], strict=False
        )
    )


FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[ >/]")


def has_formulas(data):
    """Return True if a worksheet of the workbook holds a formula (read as it streams)."""
    with zipfile.ZipFile(readable(data)) as archive:
        for info in archive.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                continue
            with archive.open(info) as member:
                tail = b""
                while block := member.read(1 << 20):
                    if FORMULA_ELEMENT.search(tail + block):
                        return True
                    tail = block[-16:]
    return False


class XLSX(base_formats.XLSX):
    """XLSX checked for its size before parsing; unreadable files refused."""

    def create_dataset(self, in_stream):
        return dataset_from_bytes(in_stream)

    def read_workbook(self, in_stream):
        import openpyxl

        check_xlsx_size(in_stream)
        try:
            with contextlib.ExitStack() as files:

                def workbook(data_only):
                    # openpyxl tells a path's format by its extension, which an
                    # upload's name lacks: it is given the file, closed after it.
                    book = openpyxl.load_workbook(
                        files.enter_context(opened(in_stream)),
                        read_only=True,
                        data_only=data_only,
                    )
                    files.callback(book.close)
                    return book

                values = workbook(data_only=True)
                sheets = [s for s in values.worksheets if hasattr(s, "iter_rows")]
                if not sheets:
                    raise ImportFileError("该 xlsx 文件中没有可读取的工作表。")
                check_sheet_count(len(sheets))
                formulas = (
                    workbook(data_only=False) if has_formulas(in_stream) else None
                )
                return workbook_dataset(
                    (
                        sheet.title,
                        (sheet.max_row, sheet.max_column),
                        xlsx_rows(sheet, formulas[sheet.title] if formulas else None),
                    )
                    for sheet in sheets
                )
        except ImportFileError:
            raise
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportFileError(
                "无法读取该 xlsx 文件：文件已损坏或不是 Excel 工作簿。"
            ) from exc


FORMATS = [CSV, XLSX]


def detected_encoding(source):
    """Return the encoding an upload (bytes or a path) was saved in, as the import log records it."""
    kind = kind_of(source)
    if kind != "text":
        return kind
    head = head_of(source, 3)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    return "utf-8" if decodes(source, "utf-8") else "gb18030"


def read_dataset(source, file_name):
    """Return a dataset from an upload, its format read from its bytes.

    ``source`` is the upload's path on disk (read as it is parsed, never held
    whole) or its bytes.
    """
    if isinstance(source, bytearray | memoryview):
        source = bytes(source)
    return dataset_from_bytes(source)


# Workbooks of many sheets -------------------------------------------------------------
#
# A ledger often keeps one sheet per community, beside a 说明 or 汇总 sheet. Every sheet
# is read here, under limits counted over them all; which sheets hold the dataset's rows
# is decided by their headers (``spreadsheets.sheets``), which only the Resource knows.


def check_sheet_count(count):
    limit = import_limit("SHEETS")
    if count > limit:
        raise ImportFileError(
            f"工作簿有 {count} 个工作表，超过了每个文件最多 {limit} 个工作表的限制："
            "请删去不需要的工作表，或分成几个文件导入。"
        )


def workbook_dataset(sheets):
    """Return a workbook's first sheet with data, its other sheets in ``sheets``.

    ``sheets`` yields ``(name, (declared rows, declared columns), rows)`` of each
    sheet in order. The returned dataset's ``sheets`` lists ``(name, dataset)`` of
    every sheet read (itself first), ``empty_sheets`` the names of sheets without
    data. Rows and declared sizes are counted over all sheets, so a workbook of
    many sheets holds no more than one sheet may.
    """
    read: list[tuple[str, tablib.Dataset]] = []
    empty: list[str] = []
    first_empty = None
    rows_before = declared = 0
    for name, (height, width), rows in sheets:
        declared += height or 0
        check_declared_size(declared - len(read) - len(empty) or None, width)
        try:
            dataset = build_dataset(rows, rows_before=rows_before)
        except EmptyFile as exc:
            empty.append(name)
            first_empty = first_empty or exc
            continue
        except ImportFileError as exc:
            if read or empty:
                raise ImportFileError(f"“{name}”表：{exc}") from exc
            raise
        rows_before += len(dataset)
        read.append((name, dataset))
    if not read:
        raise first_empty or EmptyFile(
            "文件是空的：第 1 行应为表头，数据从第 2 行开始。"
        )
    dataset = read[0][1]
    dataset.sheets = read
    dataset.empty_sheets = empty
    return dataset
