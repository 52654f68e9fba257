"""Command line: `python build.py …` and the `ogpsite` console script share this."""

from __future__ import annotations

import datetime as dt
import sys
from enum import IntEnum
from pathlib import Path

import click

from ogpsite import __version__
from ogpsite.build import BuildReport, build, print_problems, progress
from ogpsite.errors import BuildFailed, OutputRefused
from ogpsite.output.writers import write_failure
from ogpsite.settings import BuildSettings, default_theme_dir


class Exit(IntEnum):
    """Exit statuses, documented in README.md ("Exit status"). 2 is click's, for a usage error."""

    OK = 0
    CONTENT = 1  # the content has errors (or, with --strict, warnings); `check` found problems
    USAGE = 2  # a wrong option or argument (click)
    OUTPUT_REFUSED = 3  # the output folder is not one ogpsite made, nor empty; `init` into a non-empty folder
    WRITE_FAILED = 4  # the site could not be written (read-only folder, full disk…)
    INTERRUPTED = 130  # Ctrl-C


def _settings(
    content: str,
    templates: str,
    output: str,
    base_url: str | None,
    date: str | None,
    no_cache: bool = False,
    jobs: int = 0,
    strict: bool = False,
) -> BuildSettings:
    try:
        today = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        raise click.BadParameter(f"'{date}' is not a date; write YYYY-MM-DD", param_hint="--date") from None
    # '~' reaches us unexpanded when quoted ('--output "~/site"'); every stage must see one path.
    output_dir = Path(output).expanduser()
    return BuildSettings(
        Path.cwd(), Path(content), Path(templates), output_dir, base_url, today, use_cache=not no_cache, workers=jobs, strict=strict
    )


def build_options(fn):  # type: ignore[no-untyped-def]
    for option in reversed(
        [
            click.option("--content", default="content", show_default=True, help="Folder with the content records."),
            click.option(
                "--templates",
                default="templates",
                show_default=True,
                help="Folder with the site's own templates, assets and catalogs, looked up before the default theme's.",
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
            click.option(
                "--no-cache", is_flag=True, help="Build everything afresh, ignoring the build cache in .cache/ogpsite/ (then replaced)."
            ),
            click.option(
                "--jobs",
                "-j",
                default=0,
                type=click.IntRange(0, 256),
                help="Processes that load and render in parallel (default 0: one per CPU; 1: no extra processes).",
            ),
        ]
    ):
        fn = option(fn)
    return fn


def run_build(
    content: str,
    templates: str,
    output: str,
    base_url: str | None,
    date: str | None,
    quiet: bool,
    verbose: bool,
    no_cache: bool = False,
    jobs: int = 0,
    summary: Path | None = None,
    strict: bool = False,
) -> None:
    settings = _settings(content, templates, output, base_url, date, no_cache, jobs, strict)
    try:
        report = build(settings, progress=None if quiet else progress.for_terminal())
    except OutputRefused as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(Exit.OUTPUT_REFUSED)
    except BuildFailed as exc:
        print_problems(exc.problems)
        errors = sum(p.is_error for p in exc.problems)
        what = f"{errors} error(s)" if errors else f"{len(exc.problems)} warning(s), which --strict counts as errors"
        click.echo(f"Build failed: {what}. {output}/ was left as it was.", err=True)
        sys.exit(Exit.CONTENT)
    except OSError as exc:  # the output's folder is read-only, the disk is full…: say so, no traceback
        click.echo(f"error: {write_failure(exc, Path(output))} {output}/ was left as it was.", err=True)
        sys.exit(Exit.WRITE_FAILED)
    if strict and (report.warnings or report.translations):  # nothing had changed since a build that had warnings
        print_problems(report.warnings)
        for folder, lang, status in report.translations:
            click.echo(f"{folder}/{lang}.md: the {lang} translation is {status}", err=True)
        count = len(report.warnings) + len(report.translations)
        click.echo(f"Build failed: {count} warning(s), which --strict counts as errors. {output}/ was left as it was.", err=True)
        sys.exit(Exit.CONTENT)
    if summary is not None:
        write_summary(report, output, summary)
    if quiet:
        return
    print_problems(report.warnings)
    missing = report.translations
    if missing:
        click.echo(
            f"Translations: {len(missing)} text(s) shown in the default language or outdated"
            + ("" if verbose else " (use --verbose to list them)")
        )
        if verbose:
            for folder, lang, status in missing:
                click.echo(f"  {folder}: {lang} {status}")
    click.echo(
        f"Built {report.pages} pages in {report.seconds:.2f} s into {output}/ ({report.written} files written, {report.reused} unchanged; "
        + ("nothing had changed)." if report.up_to_date else f"{report.rendered} pages rendered, {report.cached} reused from the cache).")
    )


def write_summary(report: BuildReport, output: str, path: Path) -> None:
    """The Markdown summary of what the build changed (build/summary.py), for a pull request."""
    from ogpsite.build.summary import render_summary, summary_input

    try:
        path.write_text(render_summary(summary_input(report, output)), encoding="utf-8")
    except OSError as exc:
        click.echo(f"error: could not write the summary: {exc.strerror or exc} ({path}). The site was built.", err=True)
        sys.exit(Exit.WRITE_FAILED)


strict_option = click.option("--strict", is_flag=True, help="Fail on warnings too (outdated translations, duplicate titles…).")


@click.group(invoke_without_command=True)
@click.version_option(__version__, "--version", "-V", prog_name="ogpsite")
@click.pass_context
@build_options
@strict_option
def main(ctx: click.Context, **options: object) -> None:
    """ogpsite: build the bilingual open-government site. With no command, builds it."""
    if ctx.invoked_subcommand is None:
        run_build(**options)  # type: ignore[arg-type]


@main.command("build")
@build_options
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a Markdown summary: pages added, changed and removed since the previous build, translations, warnings.",
)
@strict_option
def build_command(**options: object) -> None:
    """Build the site from content/ into site/."""
    run_build(**options)  # type: ignore[arg-type]


# --- editors' and maintainers' commands (logic in check.py, translations.py, scaffold.py,
# schema_export.py and serve.py) --------------------------------------------------------------

content_option = click.option("--content", default="content", show_default=True, help="Folder with the content records.")
templates_option = click.option(
    "--templates", default="templates", show_default=True, help="Folder with the Jinja templates, assets and catalogs."
)


@main.command("check")
@content_option
@templates_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["human", "github"]),
    default="human",
    show_default=True,
    help="'github' prints GitHub Actions annotations, so a pull request shows each problem on its line.",
)
@click.option("--strict", is_flag=True, help="Also fail on warnings (missing or outdated translations, duplicate titles).")
@click.option("--links", is_flag=True, help="Also check that every internal href/src (and #anchor) of the built site resolves.")
@click.option("--output", "-o", default="site", show_default=True, help="The built site that --links checks.")
@click.option(
    "--base-url", default=None, help="Where that site is published, for --links (default: read from the built site's canonical links)."
)
def check_command(content: str, templates: str, output_format: str, strict: bool, links: bool, output: str, base_url: str | None) -> None:
    """Validate the content without writing a site.

    Schema, references, duplicates, links between records in Markdown, placeholders left by
    'ogpsite new' and translation status. With --links, also every internal link and #anchor of
    the site built in --output. Exit status 1 on errors (with --strict, on warnings too).
    """
    from ogpsite.commands.check import CheckOptions, format_github, format_human, run_check, summary

    result = run_check(_settings(content, templates, output, None, None), CheckOptions(strict=strict, links=links, base_url=base_url))
    show = format_github if output_format == "github" else format_human
    for problem in result.problems:
        click.echo(show(problem))
    strict_note = " Warnings fail the check (--strict)." if strict and result.warnings else ""
    click.echo(summary(result) + strict_note)
    sys.exit(1 if result.failed(strict) else 0)


@main.command("translations")
@content_option
def translations_command(content: str) -> None:
    """How many translations are complete, missing or outdated, per record type."""
    from ogpsite.commands.translations import print_status, status_table
    from ogpsite.content.load import load_content
    from ogpsite.model.resolve import build_model

    loaded = load_content(Path(content), Path.cwd())
    model, problems = build_model(loaded)
    errors = [p for p in loaded.problems + problems if p.is_error]
    if model is None or errors:
        print_problems(sorted(errors))
        click.echo("Fix these errors first ('ogpsite check' lists every problem).", err=True)
        sys.exit(1)
    print_status(status_table(model, loaded.records))


@main.command("fingerprint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--write", is_flag=True, help="Write 'translates: …' into each translation (after you have brought it up to date).")
@content_option
def fingerprint_command(paths: tuple[Path, ...], write: bool, content: str) -> None:
    """The 'translates:' line each translation of a record should carry.

    PATHS are record folders or translation files, e.g. content/commitments/ar0090/es.md.
    """
    from ogpsite.commands.translations import stamp_line, stamps_for, write_stamp
    from ogpsite.content.load import load_content

    failed = False
    loaded = load_content(Path(content), Path.cwd())
    for path in paths:
        stamps, problems = stamps_for(path, Path(content), Path.cwd(), loaded)
        print_problems(problems)
        failed |= bool(problems) or not stamps
        for stamp in stamps:
            line = stamp_line(stamp.fingerprint)
            if problems:
                continue  # fix the record first: its text may not be what was read
            if not stamp.path.exists():
                click.echo(f"{stamp.display}: no translation yet; copy the source text there, translate it, then run this again", err=True)
                failed = True
            elif write and write_stamp(stamp.path, stamp.fingerprint):
                click.echo(f"{stamp.display}: wrote '{line}'")
            else:
                state = "up to date" if stamp.current == stamp.fingerprint else ("outdated" if stamp.current else "not stamped yet")
                click.echo(f"{stamp.display}: {line}  ({state})")
    sys.exit(1 if failed else 0)


@main.command("new")
@click.argument("kind", type=click.Choice(["commitment", "theme", "event", "story"]))
@click.argument("name")
@content_option
def new_command(kind: str, name: str, content: str) -> None:
    """Create a record in every language: 'ogpsite new commitment AR0095', 'ogpsite new theme open-data'.

    Every required field is present and explained; never overwrites an existing record.
    """
    from ogpsite.commands.new import scaffold, write_scaffold

    made, problems = scaffold(kind, name, Path(content), Path.cwd())
    if made is None:
        print_problems(problems)
        sys.exit(1)
    try:
        written = write_scaffold(made)
    except FileExistsError:
        click.echo(f"error: {made.folder} appeared meanwhile; nothing was overwritten", err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"created {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    click.echo("Fill in the lines marked TODO: ('ogpsite check' lists those left), then preview with 'make serve'.")


@main.command("schema")
@click.option("--output", "-o", default="schemas", show_default=True, help="Folder to write the JSON Schema files to.")
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if the files differ from the content models.")
def schema_command(output: str, check_only: bool) -> None:
    """Write a JSON Schema per content file kind, for editors' YAML tools (see CONTRIBUTING.md)."""
    from ogpsite.commands.schema_export import outdated_schemas, write_schemas

    folder = Path(output)
    if check_only:
        stale = outdated_schemas(folder)
        for name in stale:
            click.echo(f"{folder / name}: differs from the content models; run 'ogpsite schema'", err=True)
        sys.exit(1 if stale else 0)
    changed, unchanged = write_schemas(folder)
    for path in changed:
        click.echo(f"wrote {path}")
    click.echo(f"{len(changed)} schema file(s) written, {len(unchanged)} unchanged, in {folder}/.")


@main.command("serve")
@build_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; only loopback unless you name another.")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in the default browser.")
def serve_command(host: str, port: int, open_browser: bool, **options: object) -> None:
    """Build, serve on http://127.0.0.1:8000/, rebuild on every change and reload the open pages."""
    from ogpsite.commands.serve import ServeOptions, serve

    keys = ("content", "templates", "output", "base_url", "date", "no_cache")
    settings = _settings(*(options[k] for k in keys))  # type: ignore[arg-type]
    try:
        status = serve(settings, ServeOptions(host, port, open_browser, bool(options["quiet"])))
    except KeyboardInterrupt:  # Ctrl-C before the server installed its own handler
        status = Exit.INTERRUPTED
    sys.exit(status)


@main.command("clean")
@click.option("--output", "-o", default="site", show_default=True, help="The built site to remove with the cache.")
@click.option("--cache-only", is_flag=True, help="Remove the build cache (.cache/ogpsite/) but keep the site.")
def clean_command(output: str, cache_only: bool) -> None:
    """Remove the build cache and the built site, so the next build starts from nothing."""
    from ogpsite.commands.clean import clean

    try:
        removed = clean(Path.cwd(), None if cache_only else Path(output))
    except OutputRefused as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(Exit.OUTPUT_REFUSED)
    click.echo("Removed " + ", ".join(removed) + "." if removed else "Nothing to remove.")


@main.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
def init_command(directory: Path) -> None:
    """Start a new site in DIRECTORY (empty or new): settings, one sample record of each type in
    English and Spanish, and a README for editors. It builds at once: cd DIRECTORY && ogpsite build."""
    from ogpsite.commands.init import NotEmpty, init_site

    try:
        written = init_site(directory)
    except NotEmpty:
        click.echo(f"error: {directory} is not empty; 'ogpsite init' writes only into an empty or new folder", err=True)
        sys.exit(Exit.OUTPUT_REFUSED)
    click.echo(f"Created a site in {directory}/ ({len(written)} files). Next: cd {directory} && ogpsite serve")


@main.command("theme-path")
def theme_path_command() -> None:
    """Print the folder of the default theme (templates, assets/, locale/), to copy a file from it
    into your site's templates/ and change it there."""
    click.echo(str(default_theme_dir()))
