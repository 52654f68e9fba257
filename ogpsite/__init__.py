"""ogpsite: a bilingual static site generator for open-government content."""

__version__ = "0.1.0"
