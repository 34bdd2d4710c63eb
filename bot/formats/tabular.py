"""Reading and writing spreadsheets: .xlsx (streamed) and .csv (UTF-8, UTF-8 with BOM,
GBK/GB18030 detected). Pure: no Telegram, no database."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from bot.rules.cells import safe_text

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class TableError(Exception):
    """The file cannot be read as a table; `reason` is a stable key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number in the file, cell values)
    encoding: str  # "xlsx" or the text encoding detected


def file_kind(filename: str, head: bytes) -> str:
    """'xlsx' or 'csv' from the name and the first bytes; TableError otherwise."""
    lower = filename.lower()
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if lower.endswith(".xls") or head.startswith(OLE_MAGIC):
        raise TableError("old_excel")
    if lower.endswith((".csv", ".txt")) and b"\x00" not in head[:4096]:
        return "csv"
    raise TableError("unsupported_type", filename)


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig, utf-8 or gb18030 (a superset of GBK), judged from the first bytes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the end is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise TableError("encoding") from None


_BLANKS = " \t\r\n\u3000\xa0"


def _clean(value: Any) -> Any:
    """Cells without surrounding blanks (full-width ones too); empty cells are None."""
    if isinstance(value, str):
        return value.strip(_BLANKS) or None
    return value


def _csv_rows(stream: IO[str]) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    sample = stream.read(65536)
    stream.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(stream, dialect)
    headers: list[str] | None = None
    with _malformed(reader):
        for row in reader:
            if any(cell.strip() for cell in row):
                headers = [str(_clean(c) or "") for c in row]
                break
    if headers is None:
        raise TableError("empty")

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with _malformed(reader):
            for row in reader:
                cleaned = [c.strip(_BLANKS) or None for c in row]
                if any(cleaned):
                    yield reader.line_num, cleaned

    return headers, rows()


@contextmanager
def _malformed(reader: Any, first_line: int = 1) -> Iterator[None]:
    """A CSV the csv module cannot read (a cell over its 128 KiB, a quote never closed, a
    NUL): a TableError naming the line, never a crash."""
    try:
        yield
    except csv.Error as exc:
        raise TableError("malformed", f"line {first_line + reader.line_num - 1}: {exc}") \
            from None


@contextmanager
def open_table(path: Path, filename: str | None = None,
               sheet: str | None = None) -> Iterator[Table]:
    """Open a .csv or .xlsx for streaming; the header row is the first non-empty one."""
    name = filename or path.name
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    kind = file_kind(name, head)
    if kind == "csv":
        encoding = detect_encoding(head)
        with path.open("r", encoding=encoding, newline="") as stream:
            try:
                headers, rows = _csv_rows(stream)
                yield Table(headers, _guard_decoding(rows), encoding)
            except UnicodeDecodeError:
                raise TableError("encoding") from None
        return
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_zip(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise TableError("unreadable", str(exc)) from None
    try:
        if sheet is not None and sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        iterator = worksheet.iter_rows(values_only=True)
        headers_row: list[Any] | None = None
        header_line = 0
        for number, values in enumerate(iterator, start=1):
            if any(v not in (None, "") for v in values):
                headers_row, header_line = list(values), number
                break
        if headers_row is None:
            raise TableError("empty")
        headers = [str(_clean(h) or "") for h in headers_row]

        def sheet_rows() -> Iterator[tuple[int, list[Any]]]:
            for number, values in enumerate(iterator, start=header_line + 1):
                cleaned = [_clean(v) for v in values]
                if any(v is not None for v in cleaned):
                    yield number, cleaned

        yield Table(headers, sheet_rows(), "xlsx")
    finally:
        workbook.close()


# What a real workbook looks like inside: its XML compresses about tenfold; a directory of a
# million targets stays well under these. A "zip bomb" (a small file that expands to
# gigabytes, or shared strings that fill the memory) is refused before anything is parsed.
MAX_RATIO = 100  # expanded / compressed, for any part above RATIO_FROM
RATIO_FROM = 1 << 20
MAX_EXPANDED = 2 << 30  # all parts together
MAX_SHARED_STRINGS = 256 << 20  # loaded whole into memory by openpyxl
MAX_PARTS = 10_000


def expanded_size(path: Path) -> int:
    """What a zip's parts add up to once expanded (its directory's word, binding); 0 for
    a file that is not a zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def check_zip(path: Path, max_expanded: int = MAX_EXPANDED,
              max_shared: int = MAX_SHARED_STRINGS) -> None:
    """Refuse a workbook whose parts expand beyond what a spreadsheet needs (the sizes in
    the zip's directory are binding: reading a part past them fails its check)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError("unreadable", str(exc)) from None
    if len(parts) > MAX_PARTS:
        raise TableError("bomb", f"{len(parts)} parts")
    total = 0
    for part in parts:
        total += part.file_size
        ratio = part.file_size / max(1, part.compress_size)
        if part.file_size > RATIO_FROM and ratio > MAX_RATIO:
            raise TableError("bomb", f"{part.filename}: {part.compress_size} bytes expand to"
                                     f" {part.file_size} ({ratio:.0f}×)")
        if part.filename.lower().endswith("sharedstrings.xml") \
                and part.file_size > max_shared:
            raise TableError("bomb", f"{part.filename}: {part.file_size} bytes")
    if total > max_expanded:
        raise TableError("bomb", f"{total} bytes in all")


MAX_ATTACHMENT = 10 * 1024 * 1024  # one CSV of choices in a form's .zip
MAX_BUNDLE_TEXT = 20 * 1024 * 1024  # all the CSV files of a form's .zip together
MAX_FORM = 20 * 1024 * 1024  # the form's .xlsx inside it, as stored
MAX_FORM_EXPANDED = 64 * 1024 * 1024  # and expanded
MAX_FORM_SHARED = 16 * 1024 * 1024  # its shared strings


def is_bundle(path: Path) -> bool:
    """A .zip holding a form and its files (not itself a workbook, which is a zip too)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" not in names and any(
        n.lower().endswith(".xlsx") for n in names)


def open_bundle(path: Path, scratch: Path) -> tuple[Path, dict[str, str]]:
    """The form of a .zip (written to `scratch`) and its CSV files by name, as text. The
    zip's directory is checked first (check_zip): nothing expands beyond its limits."""
    check_zip(path)
    with zipfile.ZipFile(path) as archive:
        members = [i for i in archive.infolist() if not i.is_dir()
                   and not i.filename.startswith("__MACOSX/")
                   and not Path(i.filename).name.startswith(("~$", "."))]
        forms = [i for i in members if i.filename.lower().endswith(".xlsx")]
        if len(forms) != 1:
            raise TableError("bundle", f"{len(forms)} .xlsx")
        texts = [i for i in members if i.filename.lower().endswith(".csv")]
        if sum(i.file_size for i in texts) > MAX_BUNDLE_TEXT:
            raise TableError("bomb", f"{len(texts)} CSV files,"
                                     f" {sum(i.file_size for i in texts)} bytes")
        if forms[0].file_size > MAX_FORM:
            raise TableError("bomb", f"{forms[0].filename}: {forms[0].file_size} bytes")
        form = scratch / "form.xlsx"
        form.write_bytes(archive.read(forms[0]))
        # The form inside is a workbook too, checked like one before anything reads it,
        # with a form's own limits (a checklist is kilobytes).
        check_zip(form, MAX_FORM_EXPANDED, MAX_FORM_SHARED)
        files: dict[str, str] = {}
        for info in texts:
            if info.file_size > MAX_ATTACHMENT:
                raise TableError("bomb", f"{info.filename}: {info.file_size} bytes")
            data = archive.read(info)
            encoding = detect_encoding(data[:1 << 20])
            try:
                files[Path(info.filename).name] = data.decode(encoding)
            except UnicodeDecodeError:
                raise TableError("encoding") from None
    return form, files


WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
)


def sheet_names(path: Path) -> list[str]:
    """The worksheet names of an .xlsx, read from its workbook part alone (opening it with
    openpyxl would parse the shared strings too); [] when it is not a readable workbook."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = "xl/workbook.xml"
            types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
            for override in types:
                if override.get("ContentType") in WORKBOOK_TYPES:
                    part = str(override.get("PartName", part)).lstrip("/")
            workbook = ElementTree.fromstring(archive.read(part))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ElementTree.ParseError):
        return []
    return [str(sheet.get("name")) for sheet in workbook.iter()
            if sheet.tag.rsplit("}", 1)[-1] == "sheet"]


def _guard_decoding(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from rows
    except UnicodeDecodeError:
        raise TableError("encoding") from None


def cell_text(value: Any) -> str:
    """A cell as text for the report (dates as ISO, floats without .0)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else (
            value.isoformat(sep=" "))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_bytes(headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 with BOM, so that Excel opens Chinese text correctly; text that would start a
    formula is escaped (numbers stay numbers)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_text(h) for h in headers])
    for row in rows:
        writer.writerow([v if isinstance(v, int | float) and not isinstance(v, bool)
                         else safe_text(cell_text(v)) for v in row])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


# --- splitting a large CSV so that two processes can read it at once -----------------------
@dataclass(frozen=True)
class CsvLayout:
    encoding: str
    delimiter: str
    headers: list[str]
    body_start: int  # byte offset of the first line after the header row
    body_line: int  # its line number (1-based)
    size: int


def csv_layout(path: Path) -> CsvLayout:
    """Encoding, delimiter, header row and where the data starts, in bytes."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    encoding = detect_encoding(head)
    text_head = head.decode(encoding, errors="ignore")
    try:
        delimiter = csv.Sniffer().sniff(text_head[:65536], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    with path.open("rb") as fh:
        lines: list[str] = []
        line = 0
        while True:
            raw = fh.readline()
            if not raw:
                raise TableError("empty")
            line += 1
            lines.append(raw.decode(encoding if line == 1 else _plain(encoding)))
            rows = list(csv.reader(lines, delimiter=delimiter))
            if rows and any(cell.strip() for cell in rows[-1]) and not _open_quote(lines):
                headers = [str(_clean(c) or "") for c in rows[-1]]
                return CsvLayout(encoding, delimiter, headers, fh.tell(), line + 1,
                                 path.stat().st_size)
            if rows and not any(cell.strip() for cell in rows[-1]):
                lines = []


def _plain(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _open_quote(lines: list[str]) -> bool:
    return sum(line.count('"') for line in lines) % 2 == 1


def csv_parts(path: Path, layout: CsvLayout, parts: int) -> list[tuple[int, int, int]]:
    """(start, end, first line) of `parts` byte ranges that each begin a record."""
    bounds = [layout.body_start]
    with path.open("rb") as fh:
        for k in range(1, parts):
            target = layout.body_start + (layout.size - layout.body_start) * k // parts
            fh.seek(target)
            fh.readline()  # to the end of the line the target falls in
            position = fh.tell()
            # A boundary inside a quoted field would cut a record: move on until the
            # number of quotes before it is even.
            quotes = _count_bytes(fh, bounds[-1], position, b'"')
            fh.seek(position)
            while quotes % 2 == 1:
                extra = fh.readline()
                if not extra:
                    break
                quotes += extra.count(b'"')
                position = fh.tell()
            if bounds[-1] < position < layout.size:
                bounds.append(position)
    bounds.append(layout.size)
    ranges = []
    line = layout.body_line
    with path.open("rb") as fh:
        for start, end in itertools.pairwise(bounds):
            ranges.append((start, end, line))
            line += _count_bytes(fh, start, end, b"\n")
    return ranges


def _count_bytes(fh: IO[bytes], start: int, end: int, needle: bytes) -> int:
    """Occurrences of a byte between two offsets, read a megabyte at a time."""
    fh.seek(start)
    found, left = 0, end - start
    while left > 0:
        block = fh.read(min(left, 1 << 20))
        if not block:
            break
        found += block.count(needle)
        left -= len(block)
    return found


def iter_csv_range(path: Path, layout: CsvLayout, start: int, end: int,
                   first_line: int) -> Iterator[tuple[int, list[Any]]]:
    """The records of one byte range, numbered by their line in the file."""
    encoding = _plain(layout.encoding)

    def lines() -> Iterator[str]:
        with path.open("rb") as fh:
            fh.seek(start)
            position = start
            while position < end:
                raw = fh.readline()
                if not raw:
                    return
                position += len(raw)
                try:
                    yield raw.decode(encoding)
                except UnicodeDecodeError:
                    raise TableError("encoding") from None

    reader = csv.reader(lines(), delimiter=layout.delimiter)
    with _malformed(reader, first_line):
        for row in reader:
            cleaned = [c.strip(_BLANKS) or None for c in row]
            if any(cleaned):
                yield first_line + reader.line_num - 1, cleaned


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def _xml_text(value: str) -> str:
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


def xlsx_bytes(sheet: str, headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    """A one-sheet .xlsx written directly (inline strings, numbers as numbers): tens of
    times faster than openpyxl for large listings such as the digest's."""
    import zipfile

    def cell(value: Any) -> str:
        if value is None or value == "":
            return "<c/>"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f'<c t="inlineStr"><is><t xml:space="preserve">{_xml_text(cell_text(value))}'\
                   '</t></is></c>'
        return f"<c><v>{value}</v></c>"

    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="'
                'http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://'
                'schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet'
                f' name="{_xml_text(sheet)[:31]}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _XLSX_PARTS.items():
            archive.writestr(name, content)
        archive.writestr("xl/workbook.xml", workbook)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet_xml:  # streamed
            sheet_xml.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                            b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData>')
            chunk: list[str] = []
            for row in itertools.chain([headers], rows):
                chunk.append("<row>" + "".join(cell(v) for v in row) + "</row>")
                if len(chunk) == 2000:
                    sheet_xml.write("".join(chunk).encode())
                    chunk = []
            sheet_xml.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    return out.getvalue()
