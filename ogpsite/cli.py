"""Command line: `python build.py …` and the `ogpsite` console script share this."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from .errors import BuildFailed, OutputRefused
from .pipeline import BuildSettings, build, print_problems


def _settings(content: str, templates: str, output: str, base_url: str | None, date: str | None) -> BuildSettings:
    try:
        today = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        raise click.BadParameter(f"'{date}' is not a date; write YYYY-MM-DD", param_hint="--date") from None
    return BuildSettings(Path.cwd(), Path(content), Path(templates), Path(output), base_url, today)


def build_options(fn):  # type: ignore[no-untyped-def]
    for option in reversed(
        [
            click.option("--content", default="content", show_default=True, help="Folder with the content records."),
            click.option(
                "--templates", default="templates", show_default=True, help="Folder with the Jinja templates, assets and catalogs."
            ),
            click.option("--output", "-o", default="site", show_default=True, help="Folder to write the site to (replaced as a whole)."),
            click.option(
                "--base-url",
                default=None,
                help="Address the site is published at, e.g. https://example.org/ogp/ or /ogp/ (default: content/site.yaml).",
            ),
            click.option(
                "--date", default=None, metavar="YYYY-MM-DD", help="Build date, which splits upcoming from past events (default: today)."
            ),
            click.option("--quiet", "-q", is_flag=True, help="Print errors only."),
            click.option("--verbose", "-v", is_flag=True, help="Also list every missing or outdated translation."),
        ]
    ):
        fn = option(fn)
    return fn


def run_build(content: str, templates: str, output: str, base_url: str | None, date: str | None, quiet: bool, verbose: bool) -> None:
    settings = _settings(content, templates, output, base_url, date)
    try:
        report = build(settings)
    except OutputRefused as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except BuildFailed as exc:
        print_problems(exc.problems)
        click.echo(f"Build failed: {len(exc.problems)} error(s). {output}/ was left as it was.", err=True)
        sys.exit(1)
    if quiet:
        return
    print_problems(report.warnings)
    missing = report.model.translation_report() if report.model else []
    if missing:
        click.echo(
            f"Translations: {len(missing)} text(s) shown in the default language or outdated"
            + ("" if verbose else " (use --verbose to list them)")
        )
        if verbose:
            for record, lang, status in missing:
                click.echo(f"  {record.folder}: {lang} {status}")
    click.echo(
        f"Built {report.pages} pages in {report.seconds:.2f} s into {output}/ ({report.written} files written, {report.reused} unchanged)."
    )


@click.group(invoke_without_command=True)
@click.pass_context
@build_options
def main(ctx: click.Context, **options: object) -> None:
    """ogpsite: build the bilingual open-government site. With no command, builds it."""
    if ctx.invoked_subcommand is None:
        run_build(**options)  # type: ignore[arg-type]


@main.command("build")
@build_options
def build_command(**options: object) -> None:
    """Build the site from content/ into site/."""
    run_build(**options)  # type: ignore[arg-type]
