"""Safe YAML with line numbers.

PyYAML's SafeLoader, narrowed for editor-written content:
- no aliases (refused before expansion, so "billion laughs" documents fail fast),
- no implicit timestamps (dates stay strings; the schema parses and explains them),
- duplicate keys are an error instead of a silent overwrite,
- every value remembers the line it came from, so schema errors can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from .errors import Problem

Location = tuple[str | int, ...]

YAML_HINT = "check the indentation, and put values containing ': ' or starting with [ { & * ! | > ' \" % @ ` in quotes"


class _ContentLoader(yaml.SafeLoader):
    """SafeLoader without timestamps, refusing aliases."""

    yaml_implicit_resolvers: ClassVar = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "anchors and aliases (*name) are not allowed in content", event.start_mark)
        return super().compose_node(parent, index)


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


def _index_lines(node: yaml.Node, loc: Location, lines: dict[Location, int], offset: int, path: str, problems: list[Problem]) -> None:
    lines[loc] = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            line = key_node.start_mark.line + 1 + offset
            if key in seen:
                problems.append(Problem(path, line, f"'{key}' appears twice (first on line {seen[key]})", "keep one of them"))
            seen[key] = line
            lines[(*loc, key)] = line
            _index_lines(value_node, (*loc, key), lines, offset, path, problems)
            lines[(*loc, key)] = line  # the key's line is the better pointer than its value's
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*loc, i), lines, offset, path, problems)


def load_yaml(text: str, path: str, line_offset: int = 0) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML document. `line_offset` shifts lines when the YAML is front matter."""
    problems: list[Problem] = []
    loader = _ContentLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None, {}, line_offset + 1), problems
        lines: dict[Location, int] = {}
        _index_lines(node, (), lines, line_offset, path, problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else line_offset + 1
        message = (exc.problem or str(exc)).strip()
        hint = YAML_HINT
        if "could not determine a constructor" in message or "tag" in message:
            message = "YAML tags such as !!python/object are not allowed"
            hint = "write plain text, numbers, lists and mappings only"
        elif "aliases" in message:
            hint = "write the value out in full where it is needed"
        return None, [Problem(path, line, f"invalid YAML: {message}", hint)]
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        return None, [Problem(path, line_offset + 1, f"invalid YAML: {exc}", YAML_HINT)]
    finally:
        loader.dispose()
    return YamlDocument(data, lines, line_offset + 1), problems
