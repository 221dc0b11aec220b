"""Documents people upload (YAML, JSON, CSV, plain text), read within bounds.

Every admin upload and every file a `tracker` command imports is read here: a size cap, no NUL byte
anywhere, UTF-8, nesting at most `DEPTH_MAX` deep, whole numbers of at most `DIGITS_MAX` digits, CSV
fields of at most `FIELD_MAX` characters, and no YAML aliases (`*name`: a few bytes of them expand
into millions of values). Each refusal is a `DocumentError` (400) naming the document, the line (and
the column where known) and what was wrong; nothing is half-read.

- `read_file(path, name=, limit=)`, `decoded(data, name=, limit=)`, `checked_text(text, name=, limit=)`:
  the text of a file, of uploaded bytes, of pasted text
- `yaml_document(text, name=)`, `json_document(text, name=, line=)`, `csv_rows(text, name=, ...)`
- `nesting_depth(value)`: how deeply lists and dicts nest in parsed data
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import Node, ScalarNode
from yaml.reader import ReaderError

from tracker.services.errors import Invalid

SIZE_MAX = 256 * 1024    # an uploaded path file, links list or listing page
FILE_MAX = 8 * 1024 * 1024  # a file a `tracker` command imports (a links list, a saved listing page)
DEPTH_MAX = 32           # deeper than any document the tracker reads
DIGITS_MAX = 19          # any 64-bit whole number; no count or bound comes near
FIELD_MAX = 64 * 1024    # characters in one CSV field


class DocumentError(Invalid):
    """A document was refused; the message names it, the line (and column) and the problem."""


def _at(name: str, line: int | None, column: int | None = None) -> str:
    if line is None:
        return f"{name}: "
    return f"{name}: line {line}" + (f", column {column}" if column is not None else "") + ": "


def _position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of the character at `index`."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _size(limit: int) -> str:
    return f"{limit // 1024} KiB" if limit < 1024 * 1024 else f"{limit / 1_048_576:g} MB"


def read_file(path: Path, *, name: str | None = None, limit: int = SIZE_MAX) -> str:
    """The text of a file, read no further than `limit` bytes; DocumentError if it is larger, not UTF-8 or holds NUL."""
    name = name or path.name
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise DocumentError(f"{name}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    return decoded(data, name=name, limit=limit)


def decoded(data: bytes, *, name: str, limit: int = SIZE_MAX) -> str:
    """Uploaded bytes as text: at most `limit` bytes of UTF-8 (a byte-order mark is dropped) without NUL."""
    if len(data) > limit:
        raise DocumentError(f"{name}: larger than the {_size(limit)} accepted at once.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = data.count(b"\n", 0, exc.start) + 1, exc.start - data.rfind(b"\n", 0, exc.start)
        raise DocumentError(f"{name}: not UTF-8 text at line {line}, column {column} (byte {exc.start + 1}).") from None
    return checked_text(text, name=name, limit=limit)


def checked_text(text: str, *, name: str, limit: int = SIZE_MAX) -> str:
    """Text that fits `limit` (counted in UTF-8 bytes) and holds no NUL character; DocumentError otherwise."""
    if len(text) > limit or (len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit):
        raise DocumentError(f"{name}: larger than the {_size(limit)} accepted at once.")
    if (index := text.find("\x00")) >= 0:
        line, column = _position(text, index)
        raise DocumentError(f"{_at(name, line, column)}a NUL character (\\0); text may not hold one.")
    return text


# ---------------------------------------------------------------- YAML

class _OutOfBounds(yaml.MarkedYAMLError):
    """A YAML document past one of the bounds (not a syntax error)."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases, nesting past DEPTH_MAX and whole numbers past DIGITS_MAX digits."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.keys: dict[int, str] = {}

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        event = self.peek_event()
        if self.check_event(AliasEvent):
            raise _OutOfBounds(problem=f"an alias (*{event.anchor}); uploads accept no aliases, write the "
                                               "value out instead", problem_mark=event.start_mark)
        self.depth += 1
        if self.depth > DEPTH_MAX:  # checked before going deeper: the composer recurses once per level
            raise _OutOfBounds(problem=f"nested more than {DEPTH_MAX} levels deep",
                                       problem_mark=event.start_mark)
        try:
            node = Composer.compose_node(self, parent, index)  # type: ignore[arg-type]  # typeshed: index is any key
        finally:
            self.depth -= 1
        if isinstance(node, ScalarNode) and isinstance(index, ScalarNode):
            self.keys[id(node)] = str(index.value)[:40]  # a mapping's value: its key names it in a refusal
        return node

    def construct_scalar(self, node: Node) -> Any:
        value = super().construct_scalar(node)  # type: ignore[arg-type]  # typeshed wants a ScalarNode; any node comes
        if isinstance(value, str) and "\x00" in value:  # written as an escape ("\0", "\x00") in a quoted string
            raise _OutOfBounds(problem="a NUL character (\\0); text may not hold one", problem_mark=node.start_mark)
        return value

    def construct_bounded_int(self, node: ScalarNode) -> int:
        if len(str(node.value).lstrip("+-").replace("_", "")) > DIGITS_MAX:
            key = self.keys.get(id(node))
            raise _OutOfBounds(problem=(f"'{key}' is " if key else "") + f"a whole number of more than {DIGITS_MAX} "
                               "digits", problem_mark=node.start_mark)
        value: int = self.construct_yaml_int(node)
        return value


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_bounded_int)


def yaml_document(text: str, *, name: str, limit: int = SIZE_MAX) -> Any:
    """One YAML document as plain data, within the bounds; DocumentError naming the line and column otherwise."""
    checked_text(text, name=name, limit=limit)
    try:
        loader = _BoundedLoader(text)
    except ReaderError as exc:  # a control character, found before parsing starts
        line, column = _position(text, exc.position)
        raise DocumentError(f"{name}: not valid YAML at line {line}, column {column}: the control character "
                            f"U+{exc.character:04X} is not allowed.") from None
    try:
        return loader.get_single_data()
    except _OutOfBounds as exc:
        mark = exc.problem_mark
        raise DocumentError(f"{_at(name, mark.line + 1, mark.column + 1) if mark else _at(name, None)}"
                            f"{exc.problem}.") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = ", ".join(part for part in (exc.context, exc.problem) if part)
        raise DocumentError(f"{name}: not valid YAML{where}: {problem}.") from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"{name}: not valid YAML ({exc}).") from None
    finally:
        loader.dispose()


# ---------------------------------------------------------------- JSON

def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > DIGITS_MAX:
        raise ValueError(f"a whole number of more than {DIGITS_MAX} digits")
    return int(digits)


def json_document(text: str, *, name: str, line: int | None = None, limit: int = SIZE_MAX) -> Any:
    """One JSON value (the document, or line `line` of a file of JSON lines), within the bounds; DocumentError
    naming the line and column otherwise."""
    checked_text(text, name=name, limit=limit)
    try:
        value = json.loads(text, parse_int=_bounded_int)
    except RecursionError:
        value = None  # the depth check below names where
    except json.JSONDecodeError as exc:
        at_line = exc.lineno if line is None else line + exc.lineno - 1
        raise DocumentError(f"{_at(name, at_line, exc.colno)}not valid JSON: {exc.msg}.") from None
    except ValueError as exc:  # a bounded number
        raise DocumentError(f"{_at(name, line or 1)}{exc}.") from None
    if value is not None and _holds_nul(value):  # written as the escape \u0000
        index = text.find("\\u0000")
        at_line, column = _position(text, max(index, 0))
        raise DocumentError(f"{_at(name, at_line if line is None else line + at_line - 1, column)}"
                            "a NUL character (\\u0000); text may not hold one.")
    if value is None or nesting_depth(value) > DEPTH_MAX:
        index = _too_deep_at(text)
        at_line, column = _position(text, index)
        raise DocumentError(f"{_at(name, at_line if line is None else line + at_line - 1, column)}"
                            f"nested more than {DEPTH_MAX} levels deep.")
    return value


def _too_deep_at(text: str) -> int:
    """Where JSON text first opens a list or object deeper than DEPTH_MAX (0 if nowhere)."""
    depth, in_string, escaped = 0, False, False
    for index, char in enumerate(text):
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > DEPTH_MAX:
                return index
        elif char in "]}":
            depth -= 1
    return 0


def _holds_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def nesting_depth(value: Any) -> int:
    """How deeply lists and dicts nest in `value` (a scalar is 0); iterative, so any depth is measured."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in item)
    return deepest


# ---------------------------------------------------------------- CSV

def csv_rows(text: str, *, name: str, delimiter: str = ",", field_max: int = FIELD_MAX,
             limit: int = SIZE_MAX) -> Iterator[tuple[int, list[str]]]:
    """The rows of CSV text with the line each starts on; DocumentError naming the line for a field longer than
    `field_max` characters or a malformed row. The csv module's own field limit is left as it is."""
    checked_text(text, name=name, limit=limit)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = (f"a field longer than {field_max} characters" if "field limit" in str(exc)
                       else f"not valid CSV ({exc})")
            raise DocumentError(f"{_at(name, start)}{problem}.") from None
        if any(len(field) > field_max for field in row):
            raise DocumentError(f"{_at(name, start)}a field longer than {field_max} characters.")
        yield start, row
