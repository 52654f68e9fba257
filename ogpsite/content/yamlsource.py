"""Safe YAML with line numbers.

PyYAML's SafeLoader, narrowed for editor-written content:
- no aliases (refused before expansion, so "billion laughs" documents fail fast),
- no tags at all (`!!python/object`, `!!binary`, `!custom`…): content is plain data,
- no nesting deeper than MAX_DEPTH and no numbers longer than MAX_NUMBER_DIGITS,
- no control characters or unpaired surrogates in text (they break HTML, XML feeds and terminals),
- no implicit timestamps (dates stay strings; the schema parses and explains them),
- duplicate keys are an error instead of a silent overwrite,
- every value remembers the line it came from, so schema errors can point at it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from ogpsite.content.sources import CONTROL_CHARACTERS, CONTROL_HINT
from ogpsite.errors import Problem

Location = tuple[str | int, ...]

MAX_DEPTH = 40  # content needs three or four levels; the composer recurses once per level
MAX_NUMBER_DIGITS = 30
TAG_MESSAGE = "YAML tags such as !!python/object are not allowed"
ALIAS_MESSAGE = "anchors and aliases (*name) are not allowed in content"
DEPTH_MESSAGE = f"lists and mappings are nested more than {MAX_DEPTH} levels deep"

YAML_HINT = "check the indentation, and put values containing ': ' or starting with [ { & * ! | > ' \" % @ ` in quotes"


class _ContentLoader(yaml.SafeLoader):
    """SafeLoader without timestamps, refusing aliases, tags, deep nesting and huge numbers."""

    yaml_implicit_resolvers: ClassVar = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, ALIAS_MESSAGE, event.start_mark)
        if getattr(event, "tag", None) is not None:  # refused before any constructor could see it
            raise yaml.composer.ComposerError(None, None, TAG_MESSAGE, event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, DEPTH_MESSAGE, event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        if sum(c.isdigit() for c in node.value) > MAX_NUMBER_DIGITS:
            raise yaml.constructor.ConstructorError(None, None, f"a number longer than {MAX_NUMBER_DIGITS} digits", node.start_mark)
        return yaml.constructor.SafeConstructor.construct_yaml_int(self, node)


_ContentLoader.add_constructor("tag:yaml.org,2002:int", _ContentLoader.construct_yaml_int)

_CLoader: Any = getattr(yaml, "CSafeLoader", None)
if _CLoader is not None:

    class _FastLoader(_CLoader):  # type: ignore[misc, valid-type]
        """libyaml's parser (about 20x faster) with the same resolvers and constructors.

        Its composer cannot refuse tags, aliases or deep nesting, so it is only given text that
        cannot contain them (see _fast_path_safe); it also recurses in C without a limit."""

        yaml_implicit_resolvers: ClassVar = _ContentLoader.yaml_implicit_resolvers
        yaml_constructors: ClassVar = _ContentLoader.yaml_constructors

    _CLoader = _FastLoader

# tags, aliases, and characters the two parsers read differently (found by tests/test_fuzz_loader.py)
_SLOW_PATH_CHARACTERS = ("\t", "\x85", "\u2028", "\u2029", "\ufeff")
# a tag can only start a node (after a space, a line start or a flow indicator); "Yes!" is text
_SLOW_PATH_SYNTAX = re.compile(r"[|>][-+0-9]*#|^\s*%|(?:^|[\s\[{,:])!", re.MULTILINE)
FAST_PATH_MAX_INDICATORS = 2000  # far below where libyaml's recursive composer would overflow the stack


def _fast_path_safe(text: str) -> bool:
    """Whether libyaml may compose `text`: no tags, nothing the parsers read differently, and too
    few collection indicators to nest deeply (each nested list or mapping needs one of them).
    Aliases are found after composing (_fast_result_unsure)."""
    if _CLoader is None or any(c in text for c in _SLOW_PATH_CHARACTERS) or _SLOW_PATH_SYNTAX.search(text):
        return False
    return sum(text.count(c) for c in "[{-:?") <= FAST_PATH_MAX_INDICATORS


def _bad_character(text: str) -> str | None:
    """The first character that has no place in content text (escapes can write them), as U+XXXX."""
    found = CONTROL_CHARACTERS.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def _check_characters(data: Any, loc: Location, doc: YamlDocument, path: str, problems: list[Problem]) -> None:
    if isinstance(data, str):
        bad = _bad_character(data)
        if bad:
            name = ".".join(str(p) for p in loc) or "the document"
            problems.append(
                Problem(
                    path,
                    doc.line_of(loc),
                    f"'{name}' contains an invisible control character ({bad})",
                    CONTROL_HINT,
                )
            )
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and _bad_character(key):
                _check_characters(key, loc, doc, path, problems)
            _check_characters(value, (*loc, key), doc, path, problems)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _check_characters(value, (*loc, i), doc, path, problems)


@dataclass
class YamlDocument:
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)
    first_line: int = 1

    def line_of(self, loc: Location) -> int:
        """The line of the deepest known part of `loc` (a missing key points at its parent)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), self.first_line)


# YAML also breaks lines at U+0085, U+2028 and U+2029; editors and GitHub do not, so the lines
# reported count only \n and \r (these characters never reach the libyaml path)
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")

LineOf = Callable[[yaml.Mark], int]


def _editor_lines(text: str, offset: int) -> LineOf:
    """The 1-based line (plus `offset`) of a mark in `text`, as an editor numbers it."""
    odd = [m.start() for m in _ODD_BREAKS.finditer(text)]
    if not odd:
        return lambda mark: mark.line + 1 + offset
    return lambda mark: mark.line + 1 + offset - bisect.bisect_left(odd, mark.index)


def _index_lines(node: yaml.Node, loc: Location, lines: dict[Location, int], line_of: LineOf, path: str, problems: list[Problem]) -> None:
    lines[loc] = line_of(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            line = line_of(key_node.start_mark)
            if key in seen:
                problems.append(Problem(path, line, f"'{key}' appears twice (first on line {seen[key]})", "keep one of them"))
            seen[key] = line
            lines[(*loc, key)] = line
            _index_lines(value_node, (*loc, key), lines, line_of, path, problems)
            lines[(*loc, key)] = line  # the key's line is the better pointer than its value's
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*loc, i), lines, line_of, path, problems)


def _fast_result_unsure(node: yaml.Node) -> bool:
    """Whether the libyaml tree might differ from the pure-Python loader's: an alias (libyaml
    composes it as the anchored node seen again), nesting too deep, or an empty value whose line
    the parsers place differently. The pure-Python loader then explains the problem."""
    seen: set[int] = set()
    todo = [(node, 1)]
    while todo:
        current, level = todo.pop()
        if level > MAX_DEPTH or id(current) in seen:
            return True
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            todo += [(value, level + 1) for _, value in current.value]
        elif isinstance(current, yaml.SequenceNode):
            for item in current.value:
                if isinstance(item, yaml.ScalarNode) and item.value == "" and not item.style:
                    return True
                todo.append((item, level + 1))
        elif level == 1 and current.value == "" and not current.style:
            return True
    return False


def _document(loader: Any, node: yaml.Node, path: str, line_of: LineOf, first_line: int) -> tuple[YamlDocument | None, list[Problem]]:
    """Lines, values and text check of a composed document (constructor errors propagate)."""
    problems: list[Problem] = []
    lines: dict[Location, int] = {}
    _index_lines(node, (), lines, line_of, path, problems)
    doc = YamlDocument(loader.construct_document(node), lines, first_line)
    bad_text: list[Problem] = []
    _check_characters(doc.data, (), doc, path, bad_text)
    if bad_text:  # validating such text would only repeat the complaint in other words
        return None, problems + bad_text
    return doc, problems


def _load_fast(text: str, path: str, line_offset: int) -> YamlDocument | None:
    """The document parsed by libyaml; None when anything is wrong with it, so that the pure-Python
    loader explains the problem (the same words and lines whichever parser is installed)."""
    try:
        loader = _CLoader(text)
        try:
            node = loader.get_single_node()
            if node is None or _fast_result_unsure(node):
                return None
            doc, problems = _document(loader, node, path, _editor_lines(text, line_offset), line_offset + 1)
        finally:
            loader.dispose()
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        return None
    return None if problems else doc


def load_yaml(text: str, path: str, line_offset: int = 0) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML document. `line_offset` shifts lines when the YAML is front matter."""
    if _fast_path_safe(text):
        fast = _load_fast(text, path, line_offset)
        if fast is not None:
            return fast, []
    try:
        loader = _ContentLoader(text)  # the reader refuses raw control characters here
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1 + line_offset
        return None, [Problem(path, line, f"contains an invisible control character (U+{exc.character:04X})", CONTROL_HINT)]
    line_of = _editor_lines(text, line_offset)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None, {}, line_offset + 1), []
        return _document(loader, node, path, line_of, line_offset + 1)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = line_of(mark) if mark else line_offset + 1
        message = (exc.problem or str(exc)).strip()
        hint = {
            TAG_MESSAGE: "remove the '!…' tag: write plain text, numbers, lists and mappings only",
            ALIAS_MESSAGE: "write the value out in full where it is needed",
            DEPTH_MESSAGE: "content needs only a few levels: check the indentation and brackets",
        }.get(message, YAML_HINT)
        if message.startswith("a number longer"):
            hint = "put it in quotes if it is text"
        return None, [Problem(path, line, f"invalid YAML: {message}", hint)]
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        return None, [Problem(path, line_offset + 1, f"invalid YAML: {exc}", YAML_HINT)]
    finally:
        loader.dispose()
