"""Importing participants from an HR system's CSV export.

The file is read whatever Excel did to it (UTF-8 with or without BOM, UTF-16, cp1252;
comma, semicolon or tab; line breaks inside quoted cells), headers are matched without
regard to case, spaces or punctuation and through common aliases, and every row is checked
exactly like the intake form. People already in the programme are matched by email and
updated; everyone else is added. The whole import is one transaction: a file with an
invalid row imports nothing (unless invalid rows are skipped), and an import killed
half-way leaves the database as it was.

A file is streamed, never held whole: it is read, checked and planned in chunks (the
plan keeps a compact record per row, its checked values packed in one string), then
written in chunks inside the one write transaction, and managers are linked by email in
a few set-based statements once everyone is in.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import marshal
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from pathlib import Path
from typing import Any

from rmtui.collector import collector_paused
from rmtui.csv_export import neutralise
from rmtui.db import ConflictError, Participant, Store, StoreError
from rmtui.db.sqlite import sqlite3
from rmtui.duplicates import Duplicate, DuplicateFinder
from rmtui.error_log import UserError
from rmtui.intake import (
    _EMAIL,
    COMMA_LIST_FIELDS,
    LABELS,
    LIST_FIELDS,
    MAX_LINE,
    MAX_TAGS,
    MAX_TEXT,
    PROFILE_FIELDS,
    TEXT_FIELDS,
    FieldError,
    field_parser,
    programme_levels,
    to_column,
)
from rmtui.text import clean, fold

Progress = Callable[[int, int], None]

# The fields a file can fill: the profile, with the manager named by email.
IMPORT_FIELDS: tuple[str, ...] = tuple(f for f in PROFILE_FIELDS if f != "manager_id") + ("manager_email",)

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("full name", "fullname", "employee name", "participant", "person", "display name"),
    "email": ("e-mail", "email address", "e-mail address", "mail", "work email", "business email"),
    "role": ("programme role", "program role", "mentor or mentee", "participant role", "type"),
    "status": ("participant status", "programme status", "program status"),
    "level": ("grade", "job grade", "band", "job level", "pay grade", "seniority level"),
    "capacity": ("mentee capacity", "max mentees", "mentees"),
    "consent_share": ("consent", "consent to share", "share pairing", "disclosure consent"),
    "job_title": ("title", "job", "position", "job name", "position title"),
    "line_of_business": ("business unit", "lob", "line of business", "function", "division", "business", "bu"),
    "department": ("dept", "department name", "org unit", "organisation unit", "organization unit"),
    "team": ("team name", "squad", "group"),
    "manager_email": ("manager", "manager e-mail", "line manager", "line manager email", "reports to", "supervisor email"),
    "location": ("office", "site", "city", "work location"),
    "timezone": ("time zone", "tz"),
    "joined_on": ("start date", "hire date", "joined", "date joined", "joining date", "employment start", "hired on"),
    "current_role": ("current role statements", "role statements", "responsibilities"),
    "development_goals": ("goals", "development goals", "objectives", "learning goals"),
    "competencies": ("skills", "strengths", "competences"),
    "past_experience": ("experience", "previous experience", "background"),
    "education": ("qualifications", "degree", "studies"),
    "birthplace": ("place of birth", "born in", "home town", "hometown"),
    "hobbies": ("hobby", "pastimes"),
    "interests": ("personal interests", "interest"),
    "attributes": ("objective data", "objective attributes", "programme attributes"),
}

ERROR_PREVIEW = 20


def header_key(text: str) -> str:
    """Return a header reduced to letters and digits, lower case, no accents."""
    return re.sub(r"[^0-9a-z]", "", fold(clean(text)))


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for name in IMPORT_FIELDS:
        table[header_key(name)] = name
        table[header_key(LABELS.get(name, name))] = name
        for alias in ALIASES.get(name, ()):
            table[header_key(alias)] = name
    table[header_key("manager")] = "manager_email"
    return table


FIELD_BY_HEADER = _alias_table()


class ImportFileError(UserError):
    """The file as a whole cannot be imported (unreadable, no header, a required column missing)."""


@dataclass(frozen=True)
class RowError:
    """One problem of one row: the file's line number, the column as headed, the reason."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.column:
            where += f", column “{self.column}”"
        return f"{where}: {self.message}"


@dataclass(slots=True, eq=False)
class ImportRow:
    """One record of the file: where it starts, its checked values and errors, what it will do.

    A 100,000-row file keeps 100,000 of these until the import is written, so they are
    compact: the checked values are packed with those of the rest of their chunk of the file
    (:class:`_Chunk`, unpacked on reading :attr:`values`), or alone in one bytes object
    when set one by one; the manager's email is kept aside, and the file's cells are kept only
    for a row rejected while it was read (the rejects file reads the file again).
    """

    line: int
    cells: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    action: str = ""  # "new", "update", "unchanged" once planned
    participant_id: int | None = None
    version: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)  # stored column values of the changes
    duplicates: list[Duplicate] = field(default_factory=list)  # people it may already be (a new row)
    manager: str | None = None  # the manager's email as given (None: the file has no manager column)
    packed: bytes = b""  # the checked values as column values, when set alone: see _pack
    email: str | None = None  # the checked email (kept aside: managers are linked by it)
    chunk: _Chunk | None = None  # the chunk of the file holding the checked values (see _Chunk)
    index: int = 0  # where in its chunk

    def columns(self) -> tuple[Any, ...]:
        """Return the checked values as packed: (keyset number, *column values)."""
        if self.chunk is not None:
            return self.chunk.rows()[self.index]
        return marshal.loads(self.packed)

    @property
    def values(self) -> dict[str, Any]:
        """The row's checked values (the manager as ``manager_email``), unpacked."""
        values = {name: _from_column(name, value) for name, value in _unpack(self.columns()).items()}
        if self.manager is not None:
            values["manager_email"] = self.manager
        return values

    @values.setter
    def values(self, values: Mapping[str, Any]) -> None:
        values = dict(values)
        manager = values.pop("manager_email", None)
        self.manager = None if manager is None else str(manager)
        self.email = values.get("email")
        self.packed = _pack({name: to_column(name, value) for name, value in values.items() if name in PROFILE_FIELDS})
        self.chunk = None


class _Chunk:
    """The checked values of a chunk of the file's rows, packed together in one bytes object
    (marshal of one list: a tuple (keyset number, *column values) per row). One call packs
    or unpacks a chunk (a call per row cost a second at 100,000 rows), and a value repeated
    in the chunk (a department, a date) is packed once."""

    __slots__ = ("blob",)

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.blob = marshal.dumps(rows)

    def rows(self) -> list[tuple[Any, ...]]:
        """Return the rows' tuples (the chunk unpacked last is kept: rows are read in order)."""
        global _UNPACKED
        chunk, rows = _UNPACKED
        if chunk is not self:
            rows = marshal.loads(self.blob)
            _UNPACKED = (self, rows)
        return rows


_UNPACKED: tuple[_Chunk | None, list[tuple[Any, ...]]] = (None, [])


# The sets of fields rows carry (which fields a row has depends on the file's columns and
# on blank status / capacity cells): a row is packed as (keyset number, *column values).
_KEYSETS: list[tuple[str, ...]] = []
_KEYSET_NUMBER: dict[tuple[str, ...], int] = {}


# json.dumps with any option builds an encoder per call: 700,000 calls at 100,000 rows.
_DUMPS = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(value, ensure_ascii=False)``, the encoder built once."""
_QUOTE = json.encoder.encode_basestring  # one string as _DUMPS writes it: a list of strings is joined by hand


def _keyset(names: tuple[str, ...]) -> int:
    """Return the number of a set of column names (numbered once, in the order first seen)."""
    number = _KEYSET_NUMBER.get(names)
    if number is None:
        number = _KEYSET_NUMBER[names] = len(_KEYSETS)
        _KEYSETS.append(names)
    return number


def _pack(columns: Mapping[str, Any]) -> bytes:
    """Return a row's column values (str, int, None; JSON text for lists) packed in one bytes
    object: marshal's, about the size of the text, and ten times quicker than JSON both ways."""
    return marshal.dumps((_keyset(tuple(columns)), *columns.values()))


def _unpack(packed: tuple[Any, ...]) -> dict[str, Any]:
    """Return the column values of a packed (keyset number, *column values), by column."""
    return dict(zip(_KEYSETS[packed[0]], packed[1:]))


def _from_column(name: str, value: Any) -> Any:
    """Return a field's value from its column value (the inverse of ``to_column``)."""
    if name in Participant.JSON_FIELDS and isinstance(value, str):
        return json.loads(value)
    if name == "consent_share":
        return bool(value)
    return value


@dataclass
class ImportPlan:
    """A parsed, checked file and what importing it would do."""

    path: Path
    encoding: str
    delimiter: str
    headers: list[str]
    columns: dict[int, str]  # column index → field
    ignored: list[str]
    rows: list[ImportRow]
    codec: str = "utf-8"  # how to read the file again (the rejects file copies its cells)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def rejected(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if not row.errors and row.action == action)

    @property
    def likely_duplicates(self) -> list[ImportRow]:
        """The valid rows to be added that look like someone already in the programme."""
        return [row for row in self.rows if not row.errors and row.action == "new" and row.duplicates]


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (or, on a dry run, would do)."""

    created: int
    updated: int
    unchanged: int
    rejected: int
    dry_run: bool
    written: bool
    rejects_path: Path | None = None
    duplicates: int = 0

    def __str__(self) -> str:
        text = f"{self.created:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged, {self.rejected:,} rejected"
        if self.duplicates:
            text += f", {self.duplicates:,} of the new likely already here"
        if self.dry_run:
            text += " (dry run: nothing was saved)"
        elif not self.written:
            text += " (nothing was saved)"
        return text


# -- reading the file ------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name): UTF-8 with or without BOM, UTF-16 with BOM, else cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8 with BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def sniff_delimiter(text: str) -> str:
    """Return the separator of the header line: comma, semicolon or tab (the most used)."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] else ","


def match_columns(headers: list[str], column_map: Mapping[str, str] | None = None) -> tuple[dict[int, str], list[str]]:
    """Return (column index → field, headers not used) for a file's header row.

    ``column_map`` (from ``--map COLUMN=field``) wins over the aliases; a field of "" or
    "-" ignores that column. Raises ImportFileError for a map naming an unknown column or
    field, or two columns filling one field.
    """
    overrides: dict[str, str] = {}
    for column, target in (column_map or {}).items():
        target = target.strip()
        if target not in ("", "-") and target not in IMPORT_FIELDS:
            raise ImportFileError(
                f"--map {column}={target}: “{target}” is not a field; fields are {', '.join(IMPORT_FIELDS)}."
            )
        key = header_key(column)
        if key not in {header_key(h) for h in headers}:
            raise ImportFileError(f"--map {column}={target}: the file has no column “{column}”.")
        overrides[key] = target
    columns: dict[int, str] = {}
    ignored: list[str] = []
    used: dict[str, str] = {}
    for index, header in enumerate(headers):
        key = header_key(header)
        target = overrides[key] if key in overrides else FIELD_BY_HEADER.get(key, "")
        if target in ("", "-"):
            if header.strip():
                ignored.append(clean(header))
            continue
        if target in used:
            raise ImportFileError(
                f"Columns “{used[target]}” and “{clean(header)}” both fill {target}; "
                f"ignore one with --map \"{clean(header)}=-\"."
            )
        used[target] = clean(header)
        columns[index] = target
    for required in ("name", "role"):
        if required not in used:
            raise ImportFileError(
                f"The file has no {LABELS[required].lower()} column; name one “{required}” "
                f"or map it with --map COLUMN={required}."
            )
    return columns, ignored


READ_CHUNK = 2000
"""Rows read, checked and planned together: the stored values of the matched people are
fetched per chunk, and the write pass inserts per chunk."""


def sniff_encoding(path: Path) -> tuple[str, str]:
    """Return (codec, encoding name) of the file at ``path``, reading it in blocks: UTF-8 with
    or without BOM, UTF-16 with BOM, else cp1252 (as :func:`decode` does with the whole text)."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(b"\xef\xbb\xbf"):
            return "utf-8-sig", "UTF-8 with BOM"
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16", "UTF-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252", "Windows-1252"
    return "utf-8", "UTF-8"


@contextmanager
def _open_text(path: Path, codec: str) -> Iterator[tuple[io.TextIOWrapper, io.BufferedReader]]:
    """Yield the file as text (universal newlines left to the csv module) and the byte stream under it."""
    raw = path.open("rb")
    text = io.TextIOWrapper(raw, encoding=codec, errors="replace" if codec == "cp1252" else "strict", newline="")
    try:
        yield text, raw
    finally:
        text.close()


def _records(text: io.TextIOWrapper, delimiter: str, path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line where the record starts, cells) for every non-blank record after the header."""
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(text, delimiter=delimiter)
    line = 1
    try:
        next(reader, None)
        line = reader.line_num + 1
        for cells in reader:
            if cells and cells[0].strip() or "".join(cells).strip():  # some cell is not blank (one join, not a generator per row)
                yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"{path}, line {line}: the CSV is malformed ({error}).") from error


def _open_plan(path: Path, column_map: Mapping[str, str] | None) -> ImportPlan:
    """Return a plan with the file's encoding, separator and columns and no rows yet."""
    try:
        codec, encoding = sniff_encoding(path)
        with _open_text(path, codec) as (text, _raw):
            while not (block := text.read(1 << 16)).strip():
                if not block:
                    raise ImportFileError(f"{path} is empty.")
            text.seek(0)
            delimiter = sniff_delimiter(text.readline())
            text.seek(0)
            try:
                headers = next(csv.reader(text, delimiter=delimiter), [])
            except csv.Error as error:
                raise ImportFileError(f"{path} is not a CSV file: {error}.") from error
    except OSError as error:
        raise ImportFileError(f"{path} cannot be read: {error.strerror or error}.") from error
    columns, ignored = match_columns(headers, column_map)
    return ImportPlan(path, encoding, delimiter, [clean(h) for h in headers], columns, ignored, [], codec=codec)


def read_rows(path: Path, column_map: Mapping[str, str] | None = None) -> ImportPlan:
    """Return the file parsed into rows with their cells (not yet checked); ImportFileError when unreadable."""
    plan = _open_plan(path, column_map)
    with _open_text(path, plan.codec) as (text, _raw):
        plan.rows = [ImportRow(line, cells) for line, cells in _records(text, plan.delimiter, path)]
    return plan


def unneutralise(cell: str) -> str:
    """Return a cell with the apostrophe an export put before a formula-like value removed."""
    if cell.startswith("'") and len(cell) > 1 and neutralise(cell[1:]) == "'" + cell[1:]:
        return cell[1:]
    return cell


# -- checking and planning -------------------------------------------------------------


def _existing(store: Store) -> dict[str, tuple[int, int]]:
    """Return email (case-folded) → (id, version) of everyone with an email.

    The stored values are fetched only for the people a chunk of the file matches
    (:func:`_stored`), so re-importing 100,000 people does not hold 100,000 profiles.
    """
    return {
        email.casefold(): (person_id, version)
        for person_id, email, version in store.query_tuples(
            "SELECT id, email, version FROM participants WHERE email IS NOT NULL"
        )
    }


_STORED_SQL = (
    f"SELECT p.id, {', '.join(f'p.{f}' for f in PROFILE_FIELDS)}, m.email "
    "FROM participants p LEFT JOIN participants m ON m.id = p.manager_id WHERE p.id IN ({})"
)


def _stored(store: Store, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Return id → stored column values (lists as JSON text, the manager by email) of ``ids``.

    Values stay as stored: comparing them to the file's values as column values avoids
    decoding every profile.
    """
    names = [*PROFILE_FIELDS, "manager_email"]
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        for person_id, *values in store.query_tuples(_STORED_SQL.format(", ".join("?" * len(part))), part):
            stored = dict(zip(names, values))
            stored["manager_email"] = stored["manager_email"] or ""
            found[person_id] = stored
    return found


def _tags_column_parser(name: str, parse: Callable[[Any], list[str]], limit: int = 50_000) -> Callable[[str], str]:
    """Return a list field's cell → its JSON text, as ``parse`` (parse_tags) and json.dumps give it.

    A file's cells rarely repeat whole (each person's hobbies are their own mix) but their
    tags do: the JSON of each tag is remembered by the tag as written between separators,
    so a cell of known tags is its parts looked up and joined. Only a cell whose parts are
    all remembered (each printable, not blank, not too long), none twice and not too many,
    takes that way: it is then exactly what ``parse`` keeps, in order. Any other cell goes
    through ``parse`` (its value or its error) and teaches its tags (at most ``limit``)."""
    quote = _QUOTE  # a list field's value is a list of str (parse_tags): joined by hand
    comma = name in COMMA_LIST_FIELDS
    known: dict[str, str] = {}  # a part as written → the JSON of the tag it is

    def run(raw: str) -> str:
        parts = (raw.replace(",", ";") if comma else raw).split(";")
        try:
            quoted = [known[part] for part in parts]
        except KeyError:
            tags = parse(raw)
            if len(known) < limit and raw.isprintable():
                for part in parts:
                    tag = part.strip()
                    if tag and len(tag) <= MAX_LINE:
                        known[part] = quote(tag)
            return "[" + ", ".join(map(quote, tags)) + "]"
        if len(quoted) > MAX_TAGS or len(quoted) > 1 and len(set(quoted)) < len(quoted):
            return "[" + ", ".join(map(quote, parse(raw))) + "]"  # a repeated tag, or too many
        return "[" + ", ".join(quoted) + "]"

    return run


def _column_parser(name: str, levels: tuple[int, int]) -> Callable[[Any], Any]:
    """Return a function from a cell to the field's column value (``to_column`` of
    ``parse_field``: JSON text for lists and attributes, 0/1 for consent); FieldError if wrong."""
    parse = field_parser(name, levels)
    if name in _LIST_FIELDS:
        return _tags_column_parser(name, parse)
    if name in _JSON_FIELDS:
        return lambda raw: _DUMPS(parse(raw))
    if name == "consent_share":
        return lambda raw: int(bool(parse(raw)))
    return parse


_MISSING = object()  # a cell a column's memory has no value for yet
_ABSENT = object()  # a blank status or capacity: the row leaves the field out (keeps the stored value)
_REJECTED = object()  # a cell whose field has an error: the row leaves the field out


class _ColumnCheck:
    """One field's check over a chunk's column of cells, a few passes in C instead of a call
    per cell: :meth:`run` returns the cells' column values (:data:`_ABSENT` for a blank
    status or capacity, :data:`_REJECTED` where the cell is wrong) and position → error.

    Each kind of field has a quick pass that is exact for the cells it accepts (plain one-line
    text, cells seen before) and names the positions it cannot vouch for: those, and every
    cell of a column the quick pass does not apply to, go through the field's own parser
    (``parse``: the form's, as a column value), which gives the value or the error sentence."""

    __slots__ = ("name", "parse", "quick", "cells", "errors", "limit")

    def __init__(self, name: str, levels: tuple[int, int], limit: int = 20_000) -> None:
        self.name = name
        parse = _column_parser(name, levels)
        if name in ("status", "capacity"):  # a blank cell keeps the stored value (or the default)
            given = parse
            parse = lambda raw: _ABSENT if not raw.strip() else given(raw)  # noqa: E731
        self.parse = parse
        self.cells: dict[str, Any] = {}  # remembered cell → value (the repeating fields)
        self.errors: dict[str, str] = {}  # remembered cell → error sentence
        self.limit = limit
        self.quick: Callable[[list[str]], tuple[list[Any], Iterable[int]] | None] | None
        if name in _LIST_FIELDS:
            self.quick = self._tags
        elif name in ("name", "email") or name in _LINE_FIELDS or name in _TEXT_FIELDS:
            self.quick = self._line
        elif name in _REPEATING_FIELDS:
            self.quick = self._remembered
        else:
            self.quick = None

    def run(self, cells: list[str]) -> tuple[list[Any], dict[int, str]]:
        values: list[Any] | None = None
        suspects: Iterable[int] = range(len(cells))
        if self.quick is not None:
            found = self.quick(cells)
            if found is not None:
                values, suspects = found
        if values is None:
            values = [None] * len(cells)
        errors: dict[int, str] = {}
        parse = self.parse
        for position in suspects:
            try:
                values[position] = parse(cells[position])
            except FieldError as error:
                values[position] = _REJECTED
                errors[position] = str(error)
        return values, errors

    def _line(self, cells: list[str]) -> tuple[list[Any], Iterable[int]]:
        """One-line printable cells: each is its value stripped (the only blank a printable
        text holds is the space). Cells with a line break or a control character, over the
        field's limit, and blank names and emails that do not match the pattern go to the parser."""
        values: list[Any] = list(map(str.strip, cells))
        suspects: set[int] = set()
        if not all(map(str.isprintable, cells)):
            suspects.update(i for i, cell in enumerate(cells) if not cell.isprintable())
        limit = MAX_TEXT if self.name in _TEXT_FIELDS else MAX_LINE
        if cells and max(map(len, cells)) > limit:
            suspects.update(i for i, cell in enumerate(cells) if len(cell) > limit)
        if self.name == "email":
            matched = list(map(_EMAIL_MATCH, values))
            if None in matched:
                suspects.update(i for i, match in enumerate(matched) if match is None)
        elif self.name == "name" and "" in values:
            suspects.update(i for i, value in enumerate(values) if not value)
        return values, sorted(suspects)

    def _remembered(self, cells: list[str]) -> tuple[list[Any], Iterable[int]]:
        """Cells seen before take their remembered value (a field whose cells repeat: role,
        level, dates...); the others are parsed and remembered (at most ``limit`` of them)."""
        values = list(map(self.cells.get, cells, repeat(_MISSING)))
        if _MISSING not in values:
            return values, ()
        known, wrong, parse = self.cells, self.errors, self.parse
        missing = [i for i, value in enumerate(values) if value is _MISSING]
        suspects = []
        for position in missing:
            cell = cells[position]
            if cell in wrong:
                suspects.append(position)  # parsed again: the same sentence
                continue
            try:
                value = parse(cell)
            except FieldError as error:
                if len(wrong) < self.limit:
                    wrong[cell] = str(error)
                suspects.append(position)
                continue
            values[position] = value
            if len(known) < self.limit:
                known[cell] = value
        return values, suspects

    def _tags(self, cells: list[str]) -> tuple[list[Any], Iterable[int]] | None:
        """A column of tag lists written ``a; b; c`` (or ``a;b``; commas too for hobbies and
        interests) of one-line printable cells with nothing JSON escapes: each cell's tags are
        its parts between separators, its JSON those parts joined, a few calls for the whole
        column. A cell with a blank or padded tag, a tag twice, too many tags or a tag too
        long goes to the parser (as every cell does when some cell has a line break, a
        control character, a quote or a backslash)."""
        if not all(map(str.isprintable, cells)):
            return None
        text = "".join(cells)
        if '"' in text or "\\" in text:
            return None
        split = list(map(str.replace, cells, repeat(","), repeat(";"))) if self.name in COMMA_LIST_FIELDS else cells
        if "; " in text:
            split = list(map(str.replace, split, repeat("; "), repeat(";")))
        parts = list(map(str.split, split, repeat(";")))
        values: list[Any] = list(map(_JSON_LIST, map('", "'.join, parts)))
        suspects: set[int] = set()
        tags = list(chain.from_iterable(parts))
        blank = split.count("")
        if blank:
            for at, cell in enumerate(split):
                if not cell:
                    values[at] = "[]"
        if tags.count("") != blank or list(map(str.strip, tags)) != tags:
            # a blank or padded tag ("a;;b", "a ;b", "a;  b"): those cells are parsed
            suspects.update(at for at, cell in enumerate(parts) if cell != [""] and ("" in cell or list(map(str.strip, cell)) != cell))
        counts = list(map(len, parts))
        if max(counts, default=0) > MAX_TAGS or counts != list(map(len, map(set, parts))):
            suspects.update(at for at, cell in enumerate(parts) if len(cell) > MAX_TAGS or len(set(cell)) < len(cell))
        if tags and max(map(len, tags)) > MAX_LINE:
            suspects.update(at for at, cell in enumerate(parts) if max(map(len, cell)) > MAX_LINE)
        return values, sorted(suspects)


def _JSON_LIST(joined: str) -> str:
    return '["' + joined + '"]'


_EMAIL_MATCH = _EMAIL.match
_LINE_FIELDS = frozenset(("job_title", "line_of_business", "department", "team", "location", "education", "birthplace"))
_TEXT_FIELDS = frozenset(TEXT_FIELDS)
_REPEATING_FIELDS = frozenset(("role", "status", "level", "capacity", "consent_share", "timezone", "joined_on"))


def _column(rows: list[list[str]], index: int, table: list[tuple[str, ...]] | None) -> list[str]:
    """Return the cells at ``index`` of ``rows`` ("" where a row is too short; ``table``: the
    rows' cells by column, when no row is), with the apostrophe an export put before a
    formula-like value taken off (see :func:`unneutralise`; rare: one search of the column)."""
    cells = list(table[index]) if table is not None else [row[index] if index < len(row) else "" for row in rows]
    if any(map(str.startswith, cells, repeat("'"))):
        cells = [unneutralise(cell) if cell[:1] == "'" else cell for cell in cells]
    return cells


def check_rows(
    store: Store,
    plan: ImportPlan,
    progress: Progress | None = None,
    records: Iterable[tuple[int, list[str]]] | None = None,
    position: Callable[[], tuple[int, int]] | None = None,
) -> ImportPlan:
    """Check every row like the form and decide new / update / unchanged; return the plan.

    ``records`` (line, cells) are read as they come (the file streamed), else the plan's
    rows with their cells. Errors name the line, the column as headed in the file, and the
    reason. An email seen twice in the file is an error on its later lines; a manager must
    be someone in the programme or in the file. ``position`` returns (bytes read, file
    size), from which progress estimates the number of rows while the file is read.

    Rows are checked a chunk at a time, a column at a time (:class:`_ColumnCheck`): each
    row gets check_profile's values and errors, in the form's field order.
    """
    levels = programme_levels(store)
    existing = _existing(store)
    header_of = {target: plan.headers[index] for index, target in plan.columns.items()}
    index_of = {target: index for index, target in plan.columns.items()}
    checks = [(name, index_of[name], _ColumnCheck(name, levels), header_of[name]) for name in PROFILE_FIELDS if name in index_of]
    names = tuple(name for name, *_ in checks)
    everything = _keyset(names)  # the keyset of a row with every column's value
    email_at = names.index("email") if "email" in names else None
    manager_at = index_of.get("manager_email")
    widest = max(index_of.values())
    seen_emails: dict[str, int] = {}
    if records is None:
        records = [(row.line, row.cells) for row in plan.rows]
    plan.rows = []
    records = iter(records)
    while chunk := list(islice(records, READ_CHUNK)):
        rows = [ImportRow(line) for line, _cells in chunk]
        given = [cells for _line, cells in chunk]
        # The cells by column, transposed at once (by a row's index for a file with a short row).
        table = list(zip(*given)) if min(map(len, given)) > widest else None
        columns: list[list[Any]] = []
        partial: set[int] = set()  # rows leaving a field out (an error, a blank status or capacity)
        for name, index, check, header in checks:
            values, errors = check.run(_column(given, index, table))
            columns.append(values)
            for at, message in errors.items():
                rows[at].errors.append(RowError(rows[at].line, header, message))
                partial.add(at)
            if name in ("status", "capacity") and _ABSENT in values:
                partial.update(at for at, value in enumerate(values) if value is _ABSENT)
        packed = list(zip(repeat(everything), *columns))
        for at in partial:
            kept = [(name, value) for name, value in zip(names, packed[at][1:]) if value is not _ABSENT and value is not _REJECTED]
            packed[at] = (_keyset(tuple(name for name, _value in kept)), *(value for _name, value in kept))
        if email_at is not None:
            for at, email in enumerate(columns[email_at]):
                if email is None or email is _REJECTED:
                    continue
                row = rows[at]
                row.email = email
                key = email.casefold()
                if key in seen_emails:
                    row.errors.append(RowError(row.line, header_of["email"], f"{email} is also on line {seen_emails[key]}."))
                else:
                    seen_emails[key] = row.line
        if manager_at is not None:
            managers = _column(given, manager_at, table)
            managers = list(map(str.strip, managers)) if "".join(managers).isprintable() else list(map(clean, managers))
            for row, manager in zip(rows, managers):
                row.manager = manager
        stored = _Chunk(packed)
        for at, row in enumerate(rows):
            row.chunk, row.index = stored, at
            if row.errors:
                row.cells = given[at]  # for the preview; the rejects file reads the file again
        _plan_chunk(store, rows, packed, existing)
        plan.rows += rows
        if progress and len(rows) == READ_CHUNK:  # a last, partial chunk: the end is reported below
            done = len(plan.rows)
            read, size = position() if position else (1, 1)
            progress(done, max(done, round(done * size / read)) if read else done)
    _check_managers(plan.rows, existing, seen_emails, header_of.get("manager_email", ""))
    _find_duplicates(store, plan)
    if progress:
        progress(len(plan.rows), len(plan.rows))
    return plan


def _plan_chunk(
    store: Store, rows: list[ImportRow], packed: list[tuple[Any, ...]], existing: Mapping[str, tuple[int, int]]
) -> None:
    """Decide new / update / unchanged for a chunk of checked rows (``packed``: each row's
    (keyset number, *column values), as :class:`_ColumnCheck` gives them)."""
    matched: dict[int, tuple[ImportRow, tuple[Any, ...]]] = {}
    for row, columns in zip(rows, packed):
        email = row.email
        match = existing.get(email.casefold()) if email and existing else None
        if match is None:
            row.action = "new"
        else:
            row.participant_id, row.version = match
            matched[match[0]] = (row, columns)
    stored = _stored(store, list(matched)) if matched else {}
    for row, packed_row in matched.values():
        before = stored.get(row.participant_id) if row.participant_id is not None else None
        if before is None:  # gone since the emails were read: add them again
            row.action, row.participant_id, row.version = "new", None, None
            continue
        given = _unpack(packed_row)
        values = {name: _from_column(name, column) for name, column in given.items()}
        row.changes = {
            name: value for name, value in values.items() if not _same_column(name, before[name], given[name], value)
        }
        if row.manager is not None and not _same("manager_email", before["manager_email"], row.manager):
            row.changes["manager_email"] = row.manager
        row.before = {name: before[name] for name in row.changes}
        row.action = "update" if row.changes else "unchanged"


FUZZY_BUDGET = 2_000_000
"""Name comparisons (new rows × people) up to which an import also flags names merely alike;
beyond it only the same name or email is flagged, so a 100,000-row file still checks in seconds."""


def _find_duplicates(store: Store, plan: ImportPlan) -> None:
    """Flag each row to be added that looks like someone already in the programme, by the
    form's rule (rmtui.duplicates): the same email, the same or a similar name."""
    new = [row for row in plan.rows if not row.errors and row.action == "new"]
    if not new:
        return
    finder = DuplicateFinder.from_store(store)
    if not finder.rows:  # an empty programme: no one to be alike
        return
    fuzzy = len(new) * len(finder.rows) <= FUZZY_BUDGET
    for row in new:
        values = row.values
        row.duplicates = finder.find(
            values.get("name") or "", values.get("email"), values.get("department") or "", limit=3, fuzzy=fuzzy
        )


def describe_duplicates(plan: ImportPlan, limit: int | None = ERROR_PREVIEW) -> list[str]:
    """Return one line per row that looks like someone already in the programme (``limit``
    of them, then "… and N more"; None: all)."""
    rows = plan.likely_duplicates
    shown = rows if limit is None else rows[:limit]
    lines = []
    for row in shown:
        others = "; ".join(f"#{d.participant_id} {clean(d.name)} ({d.reason})" for d in row.duplicates)
        lines.append(f"line {row.line}: “{clean(str(row.values.get('name') or ''))}” looks like {others}")
    if limit is not None and len(rows) > limit:
        lines.append(f"… and {len(rows) - limit:,} more (--dry-run lists them all).")
    return lines


def _check_managers(
    rows: list[ImportRow], existing: Mapping[str, Any], seen_emails: Mapping[str, int], column: str
) -> None:
    """Reject rows whose manager is neither in the programme nor on a valid row of the file.

    Repeats until stable, since rejecting a manager's row rejects the rows they manage.
    """
    rejected_lines: set[int] = {row.line for row in rows if row.errors}
    checked: set[int] = set()
    changed = True
    while changed:
        changed = False
        for row in rows:
            manager = (row.manager or "").casefold()
            if not manager or row.line in checked or manager in existing:
                continue
            line = seen_emails.get(manager)
            if line is None:
                message = f"No one in the programme or this file has the email {row.manager}."
            elif line in rejected_lines:
                message = f"The manager {row.manager} is on line {line}, which is rejected."
            else:
                continue
            row.errors.append(RowError(row.line, column, message))
            rejected_lines.add(row.line)
            checked.add(row.line)
            changed = True


_JSON_FIELDS = frozenset(Participant.JSON_FIELDS)
_LIST_FIELDS = frozenset(LIST_FIELDS)


def _same_column(name: str, stored: Any, column: Any, value: Any) -> bool:
    """Return whether the stored column value equals the file's (as ``column``, or ``value``)."""
    if name == "email":
        return (stored or "").casefold() == (value or "").casefold()
    if column == stored:
        return True
    return name in _JSON_FIELDS and isinstance(stored, str) and json.loads(stored) == value


def _same(name: str, stored: Any, value: Any) -> bool:
    """Return whether the file's checked ``value`` equals the ``stored`` column value."""
    if name in ("email", "manager_email"):
        return (stored or "").casefold() == (value or "").casefold()
    column = to_column(name, value)
    if column == stored:
        return True
    return name in Participant.JSON_FIELDS and isinstance(stored, str) and json.loads(stored) == value


def plan_import(
    store: Store,
    path: str | Path,
    column_map: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Return the file at ``path`` parsed, checked and planned, without writing anything.

    The file is streamed: read, checked and planned a chunk of rows at a time, all in one
    read snapshot of the programme, keeping only a compact record per row.
    """
    path = Path(path)
    plan = _open_plan(path, column_map)
    try:
        size = path.stat().st_size
        with _open_text(path, plan.codec) as (text, raw), store.snapshot(), collector_paused():
            return check_rows(
                store, plan, progress, _records(text, plan.delimiter, path), position=lambda: (raw.tell(), size)
            )
    except OSError as error:
        raise ImportFileError(f"{path} cannot be read: {error.strerror or error}.") from error


# -- writing ---------------------------------------------------------------------------


def rejects_path(path: Path) -> Path:
    """Return where the rejected rows of ``path`` are written: beside it, ``NAME.rejects.csv``."""
    return path.with_name(f"{path.stem}.rejects.csv")


def write_rejects(plan: ImportPlan) -> Path:
    """Write the rejected rows (original cells plus line and errors) beside the input.

    The cells are read from the file again (the plan keeps them only for rows rejected as
    they were read), so a file of 100,000 rows is not held in memory for a few rejects.
    """
    target = rejects_path(plan.path)
    reasons = {row.line: " ".join(error.message for error in row.errors) for row in plan.rejected}
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=plan.delimiter)
        writer.writerow(["line", "errors", *plan.headers])
        with _open_text(plan.path, plan.codec) as (text, _raw):
            for line, cells in _records(text, plan.delimiter, plan.path):
                if line in reasons:
                    writer.writerow([line, neutralise(reasons[line]), *(neutralise(c) for c in cells)])
    return target


# A new participant's columns before the file's values go in (built once: asdict is slow).
_NEW_ROW = {k: v for k, v in Participant(name="", role="mentee").to_row().items() if k != "id"}


_NEW_COLUMNS = ", ".join(_NEW_ROW)
_STAGED = ("id", "manager_id", "version", "created_at", "updated_at")  # set by the import, never by a file


def _staging_statement(keyset: tuple[str, ...]) -> tuple[str, int] | None:
    """Return the INSERT staging (id, manager_id, version, *``keyset`` columns) and where the
    name is among them; () stages every column after the id; None if ``keyset`` names a staged column."""
    if not keyset:
        return f"INSERT INTO temp.import_people (id, {_NEW_COLUMNS}) VALUES (?{', ?' * len(_NEW_ROW)})", 1 + list(_NEW_ROW).index("name")
    if set(keyset) & set(_STAGED) or "name" not in keyset:
        return None
    names = ("id", "manager_id", "version", *keyset)
    return f"INSERT INTO temp.import_people ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", names.index("name")


def _full_row(keyset: tuple[str, ...], person: tuple[Any, ...], now: str) -> tuple[Any, ...]:
    """Return a staged (id, manager_id, version, *``keyset`` values) as every column after the id."""
    record = dict(_NEW_ROW)
    record.update(zip(keyset, person[3:]))
    record.update(created_at=now, updated_at=now, version=1)
    if person[1] is not None:
        record.update(manager_id=person[1], version=2)
    return (person[0], *record.values())


def _sql_literal(value: Any) -> str:
    """Return ``value`` (None, int, str) as an SQL literal, for a column's DEFAULT."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


_CREATE_AUDIT = (
    "INSERT INTO audit (at, actor, entity, entity_id, action, before, after, label, change_id) "
    "SELECT ?1, ?2, 'participants', id, 'create', NULL, '{\"id\": ' || id || ', \"import\": ' || ?3 || '}', name, ?4 "
    "FROM temp.import_people ORDER BY id"
)
"""Audits each person staged in temp.import_people as added by this import: the short create row
``{"id": 12, "import": "people.csv"}`` (?3 is the file's name as JSON) labelled with the name.
Readers of the audit fill in the values the person was added with (rmtui.db.import_audit):
writing them whole was two thirds of a 100,000-person import's database."""


class ImportRaceError(StoreError):
    """Another coordinator added an email of the file while the import ran: nothing was saved."""


def apply_plan(store: Store, plan: ImportPlan, progress: Progress | None = None, batch: int = 2000) -> None:
    """Write every valid row of ``plan`` in ONE transaction, auditing each person.

    New people are inserted, matched people updated through the version check (a
    ConflictError aborts the whole import), then managers are linked by email in a few
    set-based statements (:func:`_link_managers`). ``progress`` gets (people written,
    people to write + 1 for the linking). If another
    coordinator added one of the file's emails since the plan was made, the transaction is
    rolled back and :class:`ImportRaceError` names who added it.
    """
    try:
        with collector_paused():
            _apply_plan(store, plan, progress, batch)
    except sqlite3.IntegrityError as error:
        if "email" not in str(error):
            raise
        raise _race_error(store, plan) from error


def _race_error(store: Store, plan: ImportPlan) -> StoreError:
    """Return the sentence for an import whose email another coordinator took meanwhile."""
    for row in plan.rows:
        email = row.values.get("email")
        if row.errors or row.action not in ("new", "update") or not email:
            continue
        if row.action == "update" and "email" not in row.changes:
            continue
        found = store.query_tuples(
            "SELECT id, name FROM participants WHERE email = ? COLLATE NOCASE AND id IS NOT ?", (email, row.participant_id)
        )
        if not found:
            continue
        person_id, name = found[0]
        added = store.query_tuples(
            "SELECT actor, at FROM audit WHERE entity = 'participants' AND entity_id = ? ORDER BY id DESC LIMIT 1", (person_id,)
        )
        who = f"{clean(added[0][0])} saved {clean(name)} (#{person_id}) with it at {added[0][1]}" if added else f"{clean(name)} (#{person_id}) has it now"
        return ImportRaceError(
            f"Line {row.line}'s email {clean(email)} was taken while the import ran: {who}; nothing was imported. "
            "Run the import again: that person will be updated instead of added."
        )
    return ImportRaceError(
        "Another coordinator saved one of the file's emails while the import ran; nothing was imported. Run the import again."
    )


IMPORT_CACHE_KIB = 16 * 1024
"""SQLite's page cache while an import writes (2 MiB otherwise): the email and name indexes
take new entries all over, and with the small cache each insert read their pages back and
wrote them out again (a second of CPU at 100,000 rows); 16 MiB keeps them."""


@contextmanager
def _import_cache(writer: Any) -> Iterator[None]:
    """Give the write connection a larger page cache for the import, then its own again."""
    previous = int(writer.execute("PRAGMA cache_size").fetchone()[0])
    writer.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        writer.execute(f"PRAGMA cache_size = {previous}")


def _apply_plan(store: Store, plan: ImportPlan, progress: Progress | None, batch: int) -> None:
    valid = [row for row in plan.rows if not row.errors and row.action in ("new", "update")]
    linking = [
        row
        for row in valid
        if row.manager and (row.action == "new" or "manager_email" in row.changes)
        or row.action == "update" and "manager_email" in row.changes
    ]
    total = len(valid) + (1 if linking else 0)  # the people, then linking managers as one step
    done = 0
    with store.write() as writer, _import_cache(writer):
        now = writer.now
        actor = store.actor
        source = {"import": plan.path.name}
        new_rows = [row for row in valid if row.action == "new"]
        # People are numbered in file order from the highest id + 1 (INTEGER PRIMARY KEY,
        # one writer): when only new people name managers, each is inserted with theirs.
        base_id = int(writer.execute("SELECT coalesce(max(id), 0) FROM participants").fetchone()[0]) + 1
        managers = _new_managers(writer, new_rows, base_id) if linking and all(r.action == "new" for r in linking) else None
        import_name, change_id = _DUMPS(plan.path.name), writer.change_id
        if new_rows:
            # Each chunk is staged in a temporary table (in memory, a chunk at a time), then
            # added with one INSERT … SELECT: SQLite then journals each page a chunk touches
            # once per chunk, not once per person (the insert trigger makes every statement
            # keep a statement journal), and audits the chunk from the staged rows. A row is
            # staged as its id, manager, version and the columns the file gave it (packed as
            # they are): every other column takes its default, a new person's value.
            writer.execute("DROP TABLE IF EXISTS temp.import_people")
            defaults = {**_NEW_ROW, "created_at": now, "updated_at": now}
            columns = ", ".join(f"{name} DEFAULT {_sql_literal(value)}" for name, value in defaults.items())
            writer.execute(f"CREATE TEMP TABLE import_people (id INTEGER PRIMARY KEY, {columns})")  # untyped: values as given
            if managers:  # (person, manager, name) of each manager set as inserted, kept for their audit
                writer.execute("DROP TABLE IF EXISTS temp.import_links")
                writer.execute("CREATE TEMP TABLE import_links (id INTEGER PRIMARY KEY, manager_id, name)")
        statements: dict[int, tuple[str, int] | None] = {}  # keyset → (its staging INSERT, where the name is)
        for start in range(0, len(new_rows), batch):
            chunk = new_rows[start : start + batch]
            staged: dict[int, list[tuple[Any, ...]]] = {}
            person_id = base_id + start
            for row in chunk:
                packed = row.columns()  # (keyset, *the file's column values)
                manager_id = managers.get(row.line) if managers else None
                # As _link_managers leaves a person it links: the manager set, version 2.
                person = (person_id, manager_id, 1 if manager_id is None else 2, *packed[1:])
                if packed[0] not in statements:
                    statements[packed[0]] = _staging_statement(_KEYSETS[packed[0]])
                staged.setdefault(packed[0], []).append(person)
                row.participant_id = person_id
                person_id += 1
            for keyset, people in staged.items():
                statement = statements[keyset]
                if statement is None:  # values not from a file (naming a staged column): every column given
                    people = [_full_row(_KEYSETS[keyset], person, now) for person in people]
                    statement = _staging_statement(())
                assert statement is not None
                writer.conn.executemany(statement[0], people)
            del staged
            writer.execute(f"INSERT INTO participants (id, {_NEW_COLUMNS}) SELECT id, {_NEW_COLUMNS} FROM temp.import_people ORDER BY id")
            # Their audit rows, written by SQLite from the staged rows: see _CREATE_AUDIT.
            writer.execute(_CREATE_AUDIT, (now, actor, import_name, change_id))
            if managers:
                writer.execute(
                    "INSERT INTO temp.import_links SELECT id, manager_id, name FROM temp.import_people WHERE manager_id IS NOT NULL"
                )
            writer.execute("DELETE FROM temp.import_people")
            done += len(chunk)
            if progress:
                progress(done, total)
        if new_rows:
            writer.execute("DROP TABLE temp.import_people")
        updates = [row for row in valid if row.action == "update"]
        for start in range(0, len(updates), batch):
            chunk = updates[start : start + batch]
            _update_rows(writer, chunk, source)
            done += len(chunk)
            if progress:
                progress(done, total)
        if managers:  # (set as inserted: their audit; None: linked after, audited there)
            _audit_new_managers(writer)
        elif managers is None and linking:
            _link_managers(writer, linking)
        if progress:
            progress(total, total)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _nocase(text: str) -> str:
    """Return ``text`` as SQLite's NOCASE collation compares it (only A-Z folded)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _new_managers(writer: Any, new_rows: list[ImportRow], base_id: int) -> dict[int, int]:
    """Return line → manager id of the new people (numbered from ``base_id``) whose manager,
    named by email, is someone already here or new in the file: what :func:`_link_managers`
    would set after inserting them (not themselves; the email compared as the column's NOCASE
    collation does). Foreign keys are checked at commit, as a manager may come later in the file."""
    ids = {_nocase(email): person_id for person_id, email in writer.execute(
        "SELECT id, email FROM participants WHERE email IS NOT NULL")}
    for offset, row in enumerate(new_rows):
        if row.email:
            ids[_nocase(row.email)] = base_id + offset
    found = {}
    for offset, row in enumerate(new_rows):
        if row.manager:
            manager_id = ids.get(_nocase(row.manager))
            if manager_id is not None and manager_id != base_id + offset:
                found[row.line] = manager_id
    if found:
        writer.execute("PRAGMA defer_foreign_keys = ON")  # reset when the transaction ends
    return found


def _audit_new_managers(writer: Any) -> None:
    """Audit each manager set by :func:`_new_managers` as :func:`_link_managers` audits a link:
    ``{"manager_id": null}`` → ``{"manager_id": id}``, labelled with the name as inserted, in
    file order (the people's ids), from temp.import_links (written by SQLite, no row through Python)."""
    writer.execute(
        "INSERT INTO audit (at, actor, entity, entity_id, action, before, after, label, change_id) "
        "SELECT ?, ?, 'participants', id, 'update', '{\"manager_id\": null}', '{\"manager_id\": ' || manager_id || '}', name, ? "
        "FROM temp.import_links ORDER BY id",
        (writer.now, writer.store.actor, writer.change_id),
    )
    writer.execute("DROP TABLE temp.import_links")


LINK_BATCH = 10_000


def _link_managers(writer: Any, rows: list[ImportRow]) -> None:
    """Point each row's person at their manager, named by email, in a few set-based statements.

    The people and managers' emails go into a temporary table; one query finds whose
    manager changes (not themselves, not already theirs), one UPDATE … FROM sets them
    (version + 1, updated_at now) and one INSERT … SELECT audits each, as a one-person
    update would: ``{"manager_id": old}`` → ``{"manager_id": new}``, labelled with the name.
    """
    execute = writer.execute
    execute("DROP TABLE IF EXISTS temp.import_links")
    execute("DROP TABLE IF EXISTS temp.import_link_changes")
    execute("CREATE TEMP TABLE import_links (person_id INTEGER PRIMARY KEY, line INTEGER, manager_email TEXT)")
    writer.conn.executemany(
        "INSERT OR REPLACE INTO temp.import_links VALUES (?, ?, ?)",
        ((row.participant_id, row.line, row.manager or None) for row in rows if row.participant_id is not None),
    )
    execute(
        "CREATE TEMP TABLE import_link_changes "
        "(person_id INTEGER PRIMARY KEY, line INTEGER, old_manager INTEGER, new_manager INTEGER)"
    )
    execute(
        "INSERT INTO temp.import_link_changes "
        "SELECT p.id, l.line, p.manager_id, m.id "
        "FROM temp.import_links l JOIN participants p ON p.id = l.person_id "
        "LEFT JOIN participants m ON m.email = l.manager_email "
        "WHERE p.manager_id IS NOT m.id AND m.id IS NOT p.id"
    )
    # By ranges of 10,000 people: one UPDATE journals every page it changes in memory
    # (this SQLite keeps temporary files in memory), ~100 MB for 78,000 people at once.
    ids = sorted(row.participant_id for row in rows if row.participant_id is not None)
    for start in range(0, len(ids), LINK_BATCH):
        execute(
            "UPDATE participants SET manager_id = c.new_manager, version = participants.version + 1, updated_at = ? "
            "FROM temp.import_link_changes c WHERE participants.id = c.person_id AND c.person_id BETWEEN ? AND ?",
            (writer.now, ids[start], ids[min(start + LINK_BATCH, len(ids)) - 1]),
        )
    execute(
        "INSERT INTO audit (at, actor, entity, entity_id, action, before, after, label, change_id) "
        "SELECT ?, ?, 'participants', c.person_id, 'update', "
        "'{\"manager_id\": ' || coalesce(c.old_manager, 'null') || '}', "
        "'{\"manager_id\": ' || coalesce(c.new_manager, 'null') || '}', p.name, ? "
        "FROM temp.import_link_changes c JOIN participants p ON p.id = c.person_id ORDER BY c.line",
        (writer.now, writer.store.actor, writer.change_id),
    )
    execute("DROP TABLE temp.import_links")
    execute("DROP TABLE temp.import_link_changes")


def _update_rows(writer: Any, rows: list[ImportRow], source: Mapping[str, str]) -> None:
    """Apply the planned changes of matched people, each only if still at the version read.

    Rows changing the same columns share one statement; a row that moved on since the plan
    raises ConflictError, which rolls the whole import back.
    """
    groups: dict[tuple[str, ...], list[ImportRow]] = {}
    for row in rows:
        columns = tuple(name for name in row.changes if name != "manager_email")
        if columns:
            groups.setdefault(columns, []).append(row)
    now = writer.now
    for columns, group in groups.items():
        sets = ", ".join(f"{name} = ?" for name in columns)
        params = [
            (*(to_column(name, row.changes[name]) for name in columns), now, row.participant_id, row.version)
            for row in group
        ]
        writer.execute("SAVEPOINT import_group")
        cursor = writer.conn.executemany(
            f"UPDATE participants SET {sets}, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
            params,
        )
        if cursor.rowcount != len(group):
            # Undo this group's updates so each row shows the version it had: the one not at
            # the version read is the person another coordinator changed.
            writer.execute("ROLLBACK TO import_group")
            _raise_conflict(writer, group)
        writer.execute("RELEASE import_group")
        audits = []
        for row in group:
            row.version = (row.version or 0) + 1
            public = [name for name in columns if name != "attributes"]
            audits.append(
                {
                    "at": now,
                    "actor": writer.store.actor,
                    "entity": "participants",
                    "entity_id": row.participant_id,
                    "action": "update",
                    "before": json.dumps({name: row.before[name] for name in public}, ensure_ascii=False),
                    "after": json.dumps({name: to_column(name, row.changes[name]) for name in public}, ensure_ascii=False),
                    "label": row.values.get("name"),
                    "change_id": writer.change_id,
                }
            )
        writer.insert_many("audit", audits)


def _raise_conflict(writer: Any, rows: list[ImportRow]) -> None:
    """Raise ConflictError for the first of ``rows`` that another coordinator changed meanwhile."""
    for row in rows:
        version = writer.execute("SELECT version FROM participants WHERE id = ?", (row.participant_id,)).fetchone()
        if version is None or version[0] != row.version:
            raise writer.conflict("participants", row.participant_id, row.version)
    raise ConflictError("participants", rows[0].participant_id or 0, rows[0].version or 0, None, None, None)


def import_file(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    column_map: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    plan: ImportPlan | None = None,
    add_duplicates: bool = False,
) -> tuple[ImportPlan, ImportSummary]:
    """Import the participants in ``path``; return the plan and the summary.

    With any invalid row and no ``skip_invalid`` nothing is written (the summary says so
    and the plan's errors say why). With ``skip_invalid`` the valid rows are written and
    the rejects go to ``NAME.rejects.csv`` beside the file. ``dry_run`` writes nothing.
    A row to be added that looks like someone already in the programme (the form's rule)
    stops the import too, as the form asks before saving one, unless ``add_duplicates``.
    """
    if plan is None:
        plan = plan_import(store, path, column_map, progress=progress)
    rejected = len(plan.rejected)
    duplicates = len(plan.likely_duplicates)
    write = not dry_run and (rejected == 0 or skip_invalid) and (duplicates == 0 or add_duplicates)
    rejects = None
    if write:
        apply_plan(store, plan, progress)
        if rejected:
            rejects = write_rejects(plan)
    elif skip_invalid and rejected:
        rejects = rejects_path(plan.path)
    summary = ImportSummary(
        created=plan.count("new"),
        updated=plan.count("update"),
        unchanged=plan.count("unchanged"),
        rejected=rejected,
        dry_run=dry_run,
        written=write,
        rejects_path=rejects,
        duplicates=duplicates,
    )
    return plan, summary


def describe_errors(errors: Iterable[RowError], limit: int = ERROR_PREVIEW) -> list[str]:
    """Return the first ``limit`` errors as lines, plus "… and N more" when there are more."""
    errors = list(errors)
    lines = [str(error) for error in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"… and {len(errors) - limit:,} more.")
    return lines
