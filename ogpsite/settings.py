"""What a build is asked to do: folders, base URL, date, cache and workers (the command line's options)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

CACHE_DIR = Path(".cache") / "ogpsite"  # under the project root: the build cache (incremental/cache.py)


@dataclass(frozen=True)
class BuildSettings:
    project_root: Path
    content_dir: Path
    templates_dir: Path
    output_dir: Path
    base_url: str | None = None  # overrides content/site.yaml
    today: dt.date = field(default_factory=dt.date.today)
    use_cache: bool = True  # False (--no-cache): start from nothing; the cache is then replaced
    workers: int = 0  # processes for loading and rendering; 0: one per CPU, 1: this process only

    @property
    def cache_root(self) -> Path:
        return self.project_root / CACHE_DIR

    def settings_key(self) -> str:
        """What a cached state belongs to (the build date and base URL are inputs, not part of this)."""
        paths = (self.project_root, self.content_dir, self.templates_dir, self.output_dir)
        return "|".join(str(path.resolve()) for path in paths)
