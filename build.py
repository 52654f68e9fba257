#!/usr/bin/env python3
"""Build the site: `python build.py` (same commands as the `ogpsite` console script)."""

from ogpsite.commands.cli import main

if __name__ == "__main__":
    main()
