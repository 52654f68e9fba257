"""The package is layered, and imports point one way (ARCHITECTURE.md).

Every import in ogpsite/ (at the top, inside functions, under `TYPE_CHECKING`) is read from the
source. A module may import from its own package or from a lower layer, never from its own layer's
other packages or from a higher one, and no chain of imports may lead back to where it started.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from .conftest import ROOT

# Lowest first. Packages on one line are peers: neither may import the other.
LAYERS: list[tuple[str, ...]] = [
    ("ogpsite", "ogpsite.errors", "ogpsite.settings"),  # small shared pieces
    ("ogpsite.content", "ogpsite.output"),  # reading the files editors write; writing the site
    ("ogpsite.model",),  # the site model: records resolved, pages, URLs, languages
    ("ogpsite.incremental",),  # read tracking, input scan, cache state, the outdated decision
    ("ogpsite.render", "ogpsite.stages"),  # pages through Jinja; files beside them
    ("ogpsite.build",),  # the build's phases
    ("ogpsite.commands",),  # the command line, preview server, editor commands
]


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    path: Path
    line: int
    target: str  # the imported module

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.module} imports {self.target}"


def module_name(file: Path, root: Path) -> str:
    parts = list(file.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(package: Path) -> list[Import]:
    """Every import of one of the package's own modules, with its line."""
    root = package.parent
    modules = {module_name(file, root): file for file in package.rglob("*.py")}
    found = []
    for name, file in sorted(modules.items()):
        is_package = file.name == "__init__.py"
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from package import module` imports that module
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            for target in dict.fromkeys(targets):
                if target in modules and target != name:
                    found.append(Import(name, file.relative_to(root), node.lineno, target))
    return found


def layer_of(module: str) -> tuple[int, str]:
    """(layer number, package) of a module: the longest package prefix named in LAYERS."""
    best = (-1, "")
    for number, packages in enumerate(LAYERS):
        for package in packages:
            if (module == package or module.startswith(package + ".")) and len(package) > len(best[1]):
                best = (number, package)
    return best


def layering_problems(found: list[Import]) -> list[str]:
    problems = []
    for imp in found:
        (low, own), (high, other) = layer_of(imp.target), layer_of(imp.module)
        if own == "" or other == "":
            problems.append(f"{imp}: a package no layer names (add it to LAYERS and ARCHITECTURE.md)")
        elif own != other and low >= high:
            problems.append(f"{imp}: {'a peer' if low == high else 'a higher layer'} ({own} is layer {low}, {other} is layer {high})")
    return problems


def cycles(found: list[Import]) -> list[list[Import]]:
    """Each import cycle once, as the chain of imports that closes it."""
    graph: dict[str, list[Import]] = {}
    for imp in found:
        graph.setdefault(imp.module, []).append(imp)
    seen: set[frozenset[str]] = set()
    out = []

    def walk(start: str, here: str, chain: list[Import], visited: set[str]) -> None:
        for imp in graph.get(here, []):
            if imp.target == start:
                members = frozenset(i.module for i in [*chain, imp])
                if members not in seen:
                    seen.add(members)
                    out.append([*chain, imp])
            elif imp.target not in visited and imp.target > start:  # each cycle from its smallest module
                walk(start, imp.target, [*chain, imp], visited | {imp.target})

    for module in sorted(graph):
        walk(module, module, [], {module})
    return out


def test_imports_point_down_the_layers() -> None:
    problems = layering_problems(imports_of(ROOT / "ogpsite"))
    assert not problems, "\n".join(problems)


def test_no_import_cycles() -> None:
    found = cycles(imports_of(ROOT / "ogpsite"))
    assert not found, "\n\n".join("\n".join(str(imp) for imp in chain) for chain in found)


def test_the_check_finds_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    """The two tests above would fail: on a made-up package with one upward import and one cycle
    (under TYPE_CHECKING, relative), they name each offending line."""
    package = tmp_path / "ogpsite"
    for folder in ("model", "build", "commands"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "model" / "site.py").write_text("import os\n\nfrom ogpsite.build.builder import Builder\n", encoding="utf-8")
    (package / "build" / "builder.py").write_text("from ..model import site\nfrom . import steps\n", encoding="utf-8")
    (package / "build" / "steps.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .builder import Builder\n", encoding="utf-8"
    )
    (package / "commands" / "cli.py").write_text("from ogpsite.build import builder\n", encoding="utf-8")
    found = imports_of(package)
    assert layering_problems(found) == [
        "ogpsite/model/site.py:3: ogpsite.model.site imports ogpsite.build.builder: a higher layer"
        " (ogpsite.build is layer 5, ogpsite.model is layer 2)"
    ]
    chains = [[str(imp) for imp in chain] for chain in cycles(found)]
    assert sorted(chains) == [
        ["ogpsite/build/builder.py:1: ogpsite.build.builder imports ogpsite.model.site",
         "ogpsite/model/site.py:3: ogpsite.model.site imports ogpsite.build.builder"],
        ["ogpsite/build/builder.py:2: ogpsite.build.builder imports ogpsite.build.steps",
         "ogpsite/build/steps.py:4: ogpsite.build.steps imports ogpsite.build.builder"],
    ]  # fmt: skip
