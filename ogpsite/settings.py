"""What a build is asked to do: folders, base URL, date, cache and workers (the command line's options)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

CACHE_DIR = Path(".cache") / "ogpsite"  # under the project root: the build cache (incremental/cache.py)
PACKAGE_DIR = Path(__file__).resolve().parent  # ogpsite/
CATALOG_DOMAIN = "messages"  # templates/locale/{lang}/LC_MESSAGES/messages.po


def default_theme_dir() -> Path:
    """The packaged default theme: templates, assets/ and locale/. An installed wheel carries the
    repository's templates/ as ogpsite/theme/ (pyproject.toml); a source checkout uses templates/."""
    packaged = PACKAGE_DIR / "theme"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "templates"


def template_chain(site_templates: Path, theme: Path) -> tuple[Path, ...]:
    """Where templates, assets and catalogs are looked up, first match wins: the site's own folder
    (when it exists), then the theme. One folder when they are the same (building in the checkout)."""
    dirs = [site_templates] if site_templates.is_dir() else []
    if not any(d.resolve() == theme.resolve() for d in dirs):
        dirs.append(theme)
    return tuple(dirs)


def overlay_files(dirs: tuple[Path, ...], subfolder: str) -> dict[str, Path]:
    """Every file under `subfolder` of the chain, by its path relative to it; an earlier folder's
    file hides a later one's of the same name (a site's assets/site.css replaces the theme's)."""
    found: dict[str, Path] = {}
    for base in dirs:
        folder = base / subfolder
        if not folder.is_dir():
            continue
        for file in sorted(folder.rglob("*")):
            name = file.relative_to(folder).as_posix()
            if file.is_file() and not file.name.startswith(".") and name not in found:
                found[name] = file
    return dict(sorted(found.items()))


def locale_dir_for(dirs: tuple[Path, ...], lang: str) -> Path:
    """The locale/ folder whose catalog of `lang` comes first in the chain (the theme's if none has one)."""
    for base in dirs:
        if (base / "locale" / lang / "LC_MESSAGES" / f"{CATALOG_DOMAIN}.po").is_file():
            return base / "locale"
    return dirs[-1] / "locale"


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
    theme_dir: Path = field(default_factory=default_theme_dir)  # looked up after templates_dir
    strict: bool = False  # warnings fail the build (`build --strict`)

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        """The site's templates folder, then the theme (see template_chain)."""
        return template_chain(self.templates_dir, self.theme_dir)

    def locale_dir(self, lang: str) -> Path:
        return locale_dir_for(self.template_dirs, lang)

    @property
    def cache_root(self) -> Path:
        return self.project_root / CACHE_DIR

    def settings_key(self) -> str:
        """What a cached state belongs to (the build date and base URL are inputs, not part of this)."""
        paths = (self.project_root, self.content_dir, self.templates_dir, self.theme_dir, self.output_dir)
        return "|".join(str(path.resolve()) for path in paths)
