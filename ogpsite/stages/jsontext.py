"""JSON text for the open data files, fast, in exactly `json.dumps(value, ensure_ascii=False, indent=2)`'s
bytes.

With `indent` set, the standard library gives up its C encoder for the pure-Python one (generators
per value), which is most of what the open-data stage costs at 10,000 records. The layout of
indented JSON is simple, though: only strings need escaping, and the C function that escapes them
(`json.encoder.encode_basestring`) is there for us to call. `indented_json` lays out dicts and lists
itself and leaves any other kind of value to `json.dumps`, re-indented: an encoded JSON text never
holds a raw newline (a newline inside a string is written `\\n`), so indenting its lines is exact.

Because of that same property, an object's text one level down is its text at the top level with
every newline followed by one more indentation: the open-data stage encodes each record once and
uses the text both for the record's own file and inside its table's list (`json_list_bytes`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from json.encoder import encode_basestring  # the C function where available (ensure_ascii=False)
from typing import Any

INDENT = "  "


def indented_json(value: Any) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=2)`, the same text."""
    return _encode(value, "\n")


def json_list_bytes(items: Iterable[bytes], newline_ended: bool = False, end: bytes = b"") -> bytes:
    """The indented JSON list (UTF-8) of values given as their top-level texts in UTF-8 (from
    `indented_json`): each item one level deeper, that is, every newline followed by `INDENT`.
    `newline_ended`: each item ends with a newline (as a record's own file does), left out here;
    `end` follows the list. Written piece by piece: a table is tens of megabytes at 10,000 records,
    and a list of its re-indented items, then their join, held it twice over."""
    inner = b"\n" + INDENT.encode()
    out = io.BytesIO()
    for item in items:
        out.write(b"," + inner if out.tell() else b"[" + inner)
        part = item.replace(b"\n", inner)
        out.write(memoryview(part)[: len(part) - len(inner)] if newline_ended else part)
    if not out.tell():
        return b"[]" + end
    out.write(b"\n]" + end)
    return out.getvalue()


def _encode(value: Any, newline: str) -> str:
    """`value` as indented JSON, where `newline` is a newline and the current indentation."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is int:
        return int.__repr__(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + INDENT
        parts = []
        for key, item in value.items():
            if not isinstance(key, str):  # json.dumps turns numbers and None into keys its own way
                return _fallback(value, newline)
            parts.append(encode_basestring(key) + ": " + _encode(item, inner))
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = newline + INDENT
        return "[" + inner + ("," + inner).join([_encode(item, inner) for item in value]) + newline + "]"
    return _fallback(value, newline)  # floats, subclasses, anything else: as the standard library writes it


def _fallback(value: Any, newline: str) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", newline)
