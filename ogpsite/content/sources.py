"""Reading content files safely: encoding, size, symlinks, front matter."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ogpsite.errors import Problem

# Limits (documented for editors in CONTRIBUTING.md). A real page is a few kilobytes; far beyond
# these is a mistake or an attack, and is refused before it is read, so it cannot stall a build.
MAX_YAML_BYTES = 1_000_000
MAX_MARKDOWN_BYTES = 500_000  # about 80,000 words; Markdown parsing slows on pathological text


# Characters that have no place in text: C0 and C1 controls (tab and line ends aside), unpaired
# surrogates and the non-characters U+FFFE/U+FFFF. They are invisible in editors, break XML feeds
# and can drive terminals, so they are refused with their line rather than passed on.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CONTROL_HINT = "delete it (it often comes from copying text out of a PDF or word processor)"


@dataclass(frozen=True)
class SourceText:
    path: str  # display path
    text: str


def outside_content(path: Path, content_root: Path) -> bool:
    """Whether a symbolic link (or a link inside its path) leads out of content/ (or in a loop)."""
    try:
        return not path.resolve().is_relative_to(content_root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return True


def read_text(file: Path, display: str, content_root: Path, limit: int) -> tuple[SourceText | None, list[Problem]]:
    """Read a content file as UTF-8 (a BOM is accepted), refusing what could hurt the build."""
    if file.is_symlink() and not file.exists():
        return None, [Problem(display, 0, "is a symbolic link to nothing (or to itself)", "replace the link with the file itself")]
    if file.is_symlink() and outside_content(file, content_root):
        return None, [
            Problem(display, 0, "is a symbolic link to a file outside content/", "copy the file into content/ instead of linking it")
        ]
    try:
        info = file.stat()
        if stat.S_ISDIR(info.st_mode):
            return None, [Problem(display, 0, "is a folder, not a file", f"move its contents elsewhere and create the file {file.name}")]
        if not stat.S_ISREG(info.st_mode):  # a pipe or device would block or never end
            return None, [Problem(display, 0, "is not a regular file", "replace it with a plain text file")]
        if info.st_size > limit:
            return None, [_too_large(display, info.st_size, limit)]
        with file.open("rb") as handle:
            raw = handle.read(limit + 1)  # the file may have grown since stat()
    except OSError as exc:
        return None, [Problem(display, 0, f"cannot be read: {exc.strerror}", "check the file's permissions")]
    if len(raw) > limit:
        return None, [_too_large(display, None, limit)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                display,
                line,
                f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                "save the file with UTF-8 encoding (in most editors: Save with encoding, UTF-8)",
            )
        ]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem(display, line, "contains a NUL character", "save the file as plain UTF-8 text")]
    control = CONTROL_CHARACTERS.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        return None, [Problem(display, line, f"contains an invisible control character (U+{ord(control.group()):04X})", CONTROL_HINT)]
    if not text.strip():
        return None, [Problem(display, 0, "file is empty", "fill it in, or delete it")]
    # Windows (CRLF) and old Mac (CR) line ends read like Unix ones, so line numbers agree everywhere.
    return SourceText(display, text.replace("\r\n", "\n").replace("\r", "\n")), []


def _too_large(display: str, size: int | None, limit: int) -> Problem:
    size_text = f"{size:,} bytes, " if size is not None else ""
    return Problem(
        display,
        0,
        f"file is {size_text}over the limit of {limit:,} bytes",
        "split the text into several records, or move large data out of content/",
    )


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
