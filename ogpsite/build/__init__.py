"""The build: from content/ to site/ (builder.py reads top to bottom as named phases)."""

from ogpsite.build.builder import Builder, BuildReport, build, check, print_problems

__all__ = ["BuildReport", "Builder", "build", "check", "print_problems"]
