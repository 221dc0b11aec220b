"""Files to save, for pages and the API alike: personal downloads no cache keeps, and CSV no spreadsheet runs."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from flask import Response, stream_with_context

# Spreadsheets run cells starting with these as formulas; such cells get a leading apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV document with a header line; every cell made `spreadsheet_safe`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return buffer.getvalue()


def download(body: str | bytes, *, filename: str, mimetype: str) -> Response:
    """`body` as a file to save under `filename` (a name made of safe characters), kept by no cache."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                      "Cache-Control": "no-store"})


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """A CSV document a line at a time, header first; every cell made `spreadsheet_safe`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet_safe(value) for value in row])
        yield buffer.getvalue()


def jsonl_lines(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """JSON Lines: one object per line (json escapes line breaks and control characters inside values)."""
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def streamed_download(lines: Iterable[str], *, filename: str, mimetype: str) -> Response:
    """`lines` sent as they are made, as a file to save under `filename`, kept by no cache. The request's
    context (its database session) stays open until the last line is sent."""
    return Response(stream_with_context(iter(lines)), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
