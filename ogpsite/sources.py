"""Reading content files safely: encoding, size, symlinks, front matter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import Problem

MAX_YAML_BYTES = 1_000_000
MAX_MARKDOWN_BYTES = 2_000_000  # a generous page; far beyond it is a mistake (or an attack)


@dataclass(frozen=True)
class SourceText:
    path: str  # display path
    text: str


def read_text(file: Path, display: str, content_root: Path, limit: int) -> tuple[SourceText | None, list[Problem]]:
    """Read a content file as UTF-8 (a BOM is accepted), refusing what could hurt the build."""
    if file.is_symlink():
        target = file.resolve()
        if not target.is_relative_to(content_root.resolve()):
            return None, [
                Problem(display, 0, "is a symbolic link to a file outside content/", "copy the file into content/ instead of linking it")
            ]
    try:
        size = file.stat().st_size
        if size > limit:
            return None, [
                Problem(
                    display,
                    0,
                    f"file is {size:,} bytes, over the limit of {limit:,}",
                    "split the text, or move large data out of content/",
                )
            ]
        raw = file.read_bytes()
    except OSError as exc:
        return None, [Problem(display, 0, f"cannot be read: {exc.strerror}", "check the file's permissions")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(display, line, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file with UTF-8 encoding")]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem(display, line, "contains a NUL character", "save the file as plain UTF-8 text")]
    if not text.strip():
        return None, [Problem(display, 0, "file is empty", "fill it in, or delete it")]
    return SourceText(display, text.replace("\r\n", "\n")), []


@dataclass(frozen=True)
class FrontMatter:
    yaml_text: str
    yaml_first_line: int  # line of the first YAML line in the file, 1-based
    body: str
    body_first_line: int


def split_front_matter(source: SourceText) -> tuple[FrontMatter | None, list[Problem]]:
    """`---` / YAML / `---` / Markdown body."""
    lines = source.text.split("\n")
    if lines[0].strip() != "---":
        return None, [
            Problem(source.path, 1, "does not start with front matter", "begin the file with a line '---', then 'title: …', then '---'")
        ]
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return FrontMatter("\n".join(lines[1:i]), 2, "\n".join(lines[i + 1 :]), i + 2), []
    return None, [Problem(source.path, 1, "front matter is not closed", "add a line '---' after the last YAML line")]
