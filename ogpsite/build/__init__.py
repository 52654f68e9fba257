"""The build: from content/ to site/ (builder.py reads top to bottom as named phases)."""

from ogpsite.build.builder import Builder, BuildReport, build, check, print_problems
from ogpsite.build.phases import BuildMode

__all__ = ["BuildMode", "BuildReport", "Builder", "build", "check", "print_problems"]
