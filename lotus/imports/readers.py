"""Rows out of the files officers have: CSV, XLSX and KoboToolbox/ODK JSON exports.

CSV and JSON are read as streams, so memory stays flat whatever the size of the file. An XLSX
sheet is read by calamine (all of the sheet at once, as the format requires) and handed on
row by row. Each reader gives the header and then (row number, cells) pairs, the row number
being the one the officer sees in Excel (the header is row 1 when it is the first line).
"""

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from lotus.imports.columns import recognise
from lotus.imports.legacy import decode_line, repair_bytes

# Title lines ("DANH SÁCH HỘI VIÊN …") may stand above the header; look this far for it.
HEADER_SEARCH_ROWS = 20
_CSV_DELIMITERS = (",", ";", "\t", "|")
_CHUNK = 1 << 16
# Lines after which a CSV's legacy reading, if it alone has won so far, is kept for the rest.
LEGACY_LOCK = 200


class UnreadableFileError(ValueError):
    """The file is not a CSV, XLSX or JSON export we can read."""


def detect_format(name: str, head: bytes) -> str:
    """The format of a file ("csv", "xlsx" or "json"): from its first bytes, then its name."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return "json"
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".json":
        return "json"
    return "csv"


def _header_index(rows: list[list]) -> int:
    """Index of the first row naming at least two known columns (0 if none does)."""
    for index, row in enumerate(rows):
        known = sum(1 for cell in row if cell not in (None, "") and recognise(str(cell)))
        if known >= 2:
            return index
    return 0


class SourceReader:
    """Common shape of the readers: headers, rows(), progress and what was learned."""

    format = ""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.encoding = ""
        self.headers: list[str] = []
        self.done_fraction = 0.0
        # Cells read from TCVN3 or VNI while decoding (CSV lines that are not UTF-8).
        self.legacy_cells = 0

    def rows(self) -> Iterator[tuple[int, list]]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        """Release the file."""


class CsvReader(SourceReader):
    """CSV in UTF-8 (with or without BOM) or Windows-1258, lines of both mixed allowed.

    Each line is read as UTF-8 when it is valid UTF-8, and otherwise byte by byte: its cells
    go through `repair_bytes` (Windows-1258, or TCVN3/VNI when that reads better).
    """

    format = "csv"

    def __init__(self, path):
        super().__init__(path)
        self._file = self.path.open("rb")
        head = self._file.read(_CHUNK)
        self._file.seek(0)
        self._bom = head.startswith(b"\xef\xbb\xbf")
        if self._bom:
            self._file.read(3)
        self._utf8_lines = 0
        self._byte_lines = 0
        self._kinds: dict[str, int] = {}
        self._preferred = ""
        self._locked = ""
        sample = head.decode("latin-1")
        lines = [line for line in sample.splitlines() if line.strip()][:HEADER_SEARCH_ROWS]
        # The header row has the most separators; a title line above it may have a stray one.
        self.delimiter = max(
            _CSV_DELIMITERS, key=lambda d: max((line.count(d) for line in lines), default=0)
        )
        self._line_iter = self._lines()
        self._csv = csv.reader(self._line_iter, delimiter=self.delimiter)
        self._records = self._read_records()
        lookahead = []
        for _ in range(HEADER_SEARCH_ROWS):
            record = next(self._records, None)
            if record is None:
                break
            lookahead.append(record)
        index = _header_index([cells for _, cells in lookahead])
        self.headers = [str(c).strip() for c in lookahead[index][1]] if lookahead else []
        self._pending = lookahead[index + 1 :]

    def _lines(self) -> Iterator[str]:
        for raw in self._file:
            try:
                line = raw.decode("utf-8")
                self._utf8_lines += 1
            except UnicodeDecodeError:
                line = self._decode_legacy(raw)
                self._byte_lines += 1
            yield line

    def _decode_legacy(self, raw: bytes) -> str:
        """A line that is not UTF-8: Windows-1258, or TCVN3/VNI if that reads better.

        The whole line is judged (a short cell says too little), ties keep the reading the
        file has used so far, and once one reading has won LEGACY_LOCK lines alone it is used
        for the rest of the file without judging.
        """
        if self._locked:
            kind = self._locked
            text = decode_line(raw, kind)
        else:
            text, kind = repair_bytes(raw, prefer=self._preferred)
            self._kinds[kind] = self._kinds.get(kind, 0) + 1
            self._preferred = max(self._kinds, key=self._kinds.get)
            if len(self._kinds) == 1 and self._kinds[kind] >= LEGACY_LOCK:
                self._locked = kind or "cp1258"
        if kind in ("tcvn3", "vni"):
            self.legacy_cells += sum(1 for cell in text.split(self.delimiter) if not cell.isascii())
        return text

    def _read_records(self) -> Iterator[tuple[int, list]]:
        reader = self._csv
        for cells in reader:
            yield reader.line_num, cells

    def _take_pending(self) -> list[tuple[int, list]]:
        """The rows read ahead to find the header, blank lines left out; handed out once."""
        pending, self._pending = self._pending, []
        return [(line_num, cells) for line_num, cells in pending if any(cells)]

    def rows(self) -> Iterator[tuple[int, list]]:
        yield from self._take_pending()
        size = self.size or 1
        for count, (line_num, cells) in enumerate(self._records, start=1):
            if count % 4096 == 0:
                self.done_fraction = min(self._file.tell() / size, 1.0)
            if any(cells):
                yield line_num, cells
        self.done_fraction = 1.0

    def blocks(self, lines: int) -> Iterator["list[tuple[int, list]] | CsvBlock"]:
        """The rows still to read, as blocks of about `lines` lines for workers to parse.

        Instead of rows(), when a worker pool validates: parsing a million rows and pickling
        their cells cost the importing process more than reading the lines, and it has the
        rows to store. A block ends between records only: a line holding a quote goes through
        csv's own parser, which reads on to the end of its record. The rows read ahead to
        find the header come first, as rows.
        """
        pending = self._take_pending()
        if pending:
            yield pending
        size = self.size or 1
        line_num = self._csv.line_num
        block: list[str] = []
        for line in self._line_iter:
            if '"' in line:
                record = [line]
                records = csv.reader(
                    _recorded(line, self._line_iter, record), delimiter=self.delimiter
                )
                next(records, None)
                block.extend(record)
            else:
                block.append(line)
            if len(block) >= lines:
                self.done_fraction = min(self._file.tell() / size, 1.0)
                yield CsvBlock(line_num + 1, "".join(block), self.delimiter, len(block))
                line_num += len(block)
                block = []
        if block:
            yield CsvBlock(line_num + 1, "".join(block), self.delimiter, len(block))
        self.done_fraction = 1.0

    @property
    def encoding_label(self) -> str:
        legacy = {"": "windows-1258", "cp1258": "windows-1258", "tcvn3": "TCVN3", "vni": "VNI"}
        found = sorted(
            {legacy[kind] for kind in self._kinds}
            | ({legacy[self._locked]} if self._locked else set())
        )
        if self._byte_lines and self._utf8_lines > 1:
            return " + ".join(["utf-8", *found])
        if self._byte_lines:
            return " + ".join(found)
        return "utf-8-sig" if self._bom else "utf-8"

    def close(self) -> None:
        self._file.close()


def _recorded(first: str, lines: Iterator[str], record: list[str]) -> Iterator[str]:
    """`first`, then the next of `lines`, each kept in `record` as it is handed out."""
    yield first
    for line in lines:
        record.append(line)
        yield line


@dataclass(frozen=True, slots=True)
class CsvBlock:
    """Whole records of a CSV file, as text, for a worker process to parse."""

    first_line: int  # the file's number of the block's first line
    text: str
    delimiter: str
    lines: int

    def __len__(self) -> int:
        return self.lines

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number, cells) of the block's records, as CsvReader.rows() gives them."""
        reader = csv.reader(io.StringIO(self.text), delimiter=self.delimiter)
        offset = self.first_line - 1
        for cells in reader:
            if any(cells):
                yield offset + reader.line_num, cells


class XlsxReader(SourceReader):
    """The first sheet of a workbook, read by calamine."""

    format = "xlsx"

    def __init__(self, path):
        super().__init__(path)
        try:
            workbook = python_calamine.load_workbook(str(self.path))
            self._sheet = workbook.get_sheet_by_index(0)
        except python_calamine.CalamineError as exc:
            raise UnreadableFileError(str(exc)) from exc
        self._total = max(self._sheet.height, 1)
        self._first_row = self._sheet.start[0] if self._sheet.start else 0
        self._iter = iter(self._sheet.iter_rows())
        lookahead = []
        for _ in range(HEADER_SEARCH_ROWS):
            row = next(self._iter, None)
            if row is None:
                break
            lookahead.append(row)
        index = _header_index(lookahead)
        self.headers = [_header_text(c) for c in lookahead[index]] if lookahead else []
        self._pending = lookahead[index + 1 :]
        self._offset = index + 1
        self.encoding = "xlsx"

    def rows(self) -> Iterator[tuple[int, list]]:
        number = self._first_row + self._offset
        pending, self._pending = self._pending, []
        for cells in pending:
            number += 1
            if any(c not in ("", None) for c in cells):
                yield number, cells
        for cells in self._iter:
            number += 1
            if number % 4096 == 0:
                self.done_fraction = min(number / self._total, 1.0)
            if any(c not in ("", None) for c in cells):
                yield number, cells
        self.done_fraction = 1.0

    @property
    def encoding_label(self) -> str:
        return "xlsx"


def _header_text(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell if cell is not None else "").strip()


# Keys under which KoboToolbox (results) and ODK Central (value) put the submissions.
_SUBMISSION_KEYS = ("results", "value", "data", "submissions")
_WHITESPACE = " \t\r\n"


class _JsonStream:
    """Submissions of a JSON export, one at a time, without loading the whole file."""

    def __init__(self, file: io.TextIOBase):
        self._file = file
        self._buffer = ""
        self._decoder = json.JSONDecoder()
        self.bytes_hint = 0

    def _fill(self) -> bool:
        chunk = self._file.read(_CHUNK)
        self._buffer += chunk
        self.bytes_hint += len(chunk)
        return bool(chunk)

    def _skip(self, chars: str) -> str:
        """Skip white space and `chars`; return the next significant character ("" at end)."""
        while True:
            stripped = self._buffer.lstrip(_WHITESPACE + chars)
            if stripped:
                self._buffer = stripped
                return stripped[0]
            self._buffer = ""
            if not self._fill():
                return ""

    def _value(self):
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer)
            except json.JSONDecodeError:
                if not self._fill():
                    raise
                continue
            # A number may end exactly at the buffer's edge: make sure it is complete.
            if end == len(self._buffer) and self._fill():
                continue
            self._buffer = self._buffer[end:]
            return value

    def _array(self) -> Iterator[dict]:
        self._buffer = self._buffer[1:]
        while True:
            char = self._skip(",")
            if char in ("]", ""):
                self._buffer = self._buffer[1:]
                return
            value = self._value()
            if isinstance(value, dict):
                yield value

    def submissions(self) -> Iterator[dict]:
        char = self._skip("")
        if char == "[":
            yield from self._array()
            return
        if char != "{":
            raise UnreadableFileError("not a JSON list or object")
        self._buffer = self._buffer[1:]
        while True:
            char = self._skip(",")
            if char in ("}", ""):
                return
            key = self._value()
            self._skip(":")
            if self._skip("") == "[" and key in _SUBMISSION_KEYS:
                yield from self._array()
            else:
                self._value()


def _flatten(record: dict, prefix: str = "") -> dict[str, object]:
    """ODK Central nests groups as objects; KoboToolbox writes "group/field" keys: one shape."""
    flat: dict[str, object] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}/"))
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                flat[name] = " ".join(str(v) for v in value)
        else:
            flat[name] = value
    return flat


class JsonReader(SourceReader):
    """A KoboToolbox/ODK export: a list of submissions, bare or under "results"/"value".

    The file is read twice, streaming both times: once to learn every key (KoboToolbox leaves
    unanswered questions out of a submission), once for the rows.
    """

    format = "json"

    def __init__(self, path):
        super().__init__(path)
        keys: dict[str, None] = {}
        try:
            with self.path.open(encoding="utf-8-sig") as file:
                for record in _JsonStream(file).submissions():
                    for key in _flatten(record):
                        keys.setdefault(key, None)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UnreadableFileError(str(exc)) from exc
        self.headers = list(keys)
        self.encoding = "utf-8"

    def rows(self) -> Iterator[tuple[int, list]]:
        size = self.size or 1
        with self.path.open(encoding="utf-8-sig") as file:
            stream = _JsonStream(file)
            for number, record in enumerate(stream.submissions(), start=1):
                if number % 4096 == 0:
                    self.done_fraction = min(stream.bytes_hint / size, 1.0)
                flat = _flatten(record)
                yield number, [_json_cell(flat.get(key)) for key in self.headers]
        self.done_fraction = 1.0

    @property
    def encoding_label(self) -> str:
        return "json"


def _json_cell(value):
    return value


def open_source(path: str | os.PathLike, *, name: str = "") -> SourceReader:
    """The reader for a file, chosen from its first bytes and its name.

    Raises:
        UnreadableFileError: the file cannot be read as CSV, XLSX or JSON.
    """
    with Path(path).open("rb") as file:
        head = file.read(512)
    kind = detect_format(name or str(path), head)
    reader_class = {"csv": CsvReader, "xlsx": XlsxReader, "json": JsonReader}[kind]
    return reader_class(path)
