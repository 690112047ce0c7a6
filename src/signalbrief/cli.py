"""The command line: parse options, call one API function, map errors to exit codes."""

from __future__ import annotations

import functools
import json
import sys
import threading
import time
from pathlib import Path

import click

from signalbrief import __version__
from signalbrief.build import FORMATS, VIEWS, BuildOptions, build
from signalbrief.config import load_config
from signalbrief.errors import (
    EXIT_INVALID,
    InvalidInput,
    SignalbriefError,
    UsageError,
    count_line,
    summary_line,
)
from signalbrief.fields import DECIMAL
from signalbrief.grading import band_for, band_ranges
from signalbrief.scaffold import init_publication, new_brief
from signalbrief.schema import brief_schema
from signalbrief.serve import Preview
from signalbrief.translate import models
from signalbrief.translate.run import translate_publication
from signalbrief.validate import validate


class Settings:
    """Global options shared by every command."""

    def __init__(self, root: Path, verbosity: int):
        self.root = root
        self.verbosity = verbosity


def reports_errors(command):
    """Turn signalbrief's own errors into messages and exit codes, never tracebacks."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InvalidInput as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(count_line(exc.problems), err=True)
            sys.exit(EXIT_INVALID)
        except SignalbriefError as exc:
            # Errors that carry positioned problems print them as they are; others get a prefix.
            click.echo(str(exc) if getattr(exc, "problems", None) else f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="Run in this publication folder.",
)
@click.option("-q", "--quiet", count=True, help="Print only errors.")
@click.option("-v", "--verbose", count=True, help="Print more detail.")
@click.version_option(__version__, prog_name="signalbrief")
@click.pass_context
def cli(ctx: click.Context, root: Path, quiet: int, verbose: int) -> None:
    """Publish bilingual signal briefs with gated member editions."""
    if not root.is_dir() and ctx.invoked_subcommand != "init":
        raise click.BadParameter(f"{root} is not a folder", param_hint="-C")
    ctx.obj = Settings(root, verbose - quiet)


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.pass_obj
@reports_errors
def validate_command(settings: Settings, paths: tuple[Path, ...], strict: bool) -> None:
    """Check briefs (default: briefs/) and print every problem."""
    report = validate(settings.root, list(paths), keep=False)  # unchanged files: their remembered outcome
    shown = report.problems if settings.verbosity >= 0 else report.errors
    for problem in shown:
        click.echo(str(problem), err=True)
    if settings.verbosity > 0:
        with_problems = {p.location.path for p in report.problems}
        for name in report.files:
            click.echo(f"{name}: {'see above' if name in with_problems else 'ok'}", err=True)
    if settings.verbosity >= 0:
        click.echo(summary_line(report.problems, report.checked), err=True)
    if report.errors or (strict and report.warnings):
        sys.exit(EXIT_INVALID)


def _choices(value: str | None, allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    if not value:
        return allowed
    chosen = tuple(part.strip() for part in value.split(",") if part.strip())
    for part in chosen:
        if part not in allowed:
            raise click.BadParameter(f"{part!r} is not one of {', '.join(allowed)}", param_hint=option)
    return chosen


@cli.command("build")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default="site", help="Output folder.")
@click.option("--format", "formats", help="Comma-separated: html,md (default both).")
@click.option("--edition", "editions", help="Comma-separated edition ids (default all).")
@click.option("--lang", "views", help="Comma-separated: en,zh,bi (default all).")
@click.option("--drafts", is_flag=True, help="Include draft briefs.")
@click.option(
    "--allow-untranslated", is_flag=True, help="Show a 'translation pending' notice instead of stopping (exit 3)."
)
@click.pass_obj
@reports_errors
def build_command(settings: Settings, paths, output, formats, editions, views, drafts, allow_untranslated) -> None:
    """Render the editions as HTML and Markdown (default: into site/)."""
    options = BuildOptions(
        output=output,
        formats=_choices(formats, FORMATS, "--format"),
        editions=tuple(e.strip() for e in (editions or "").split(",") if e.strip()),
        views=_choices(views, VIEWS, "--lang"),
        drafts=drafts,
        paths=tuple(paths),
        allow_untranslated=allow_untranslated,
    )
    if sys.stderr.isatty() and settings.verbosity >= 0:
        bars = _BuildBars()
        try:
            report = build(settings.root, options, progress=bars.rendered, translating=bars.translated)
        finally:
            bars.close()
    else:
        report = build(settings.root, options)
    if settings.verbosity >= 0:
        for problem in report.warnings:
            click.echo(str(problem), err=True)
        click.echo(
            f"built {report.briefs} brief{'s' if report.briefs != 1 else ''} into {report.output}: "
            f"{report.files} files in {report.seconds:.2f} s{_translation_note(report)}",
            err=True,
        )


def _translation_note(report) -> str:
    parts = []
    if report.translated:
        parts.append(f"{report.translated} sentences machine-translated")
    if report.remembered:
        parts.append(f"{report.remembered} texts remembered")
    if report.pending:
        parts.append(f"{report.pending} texts pending translation")
    return f" ({', '.join(parts)})" if parts else ""


def _tick(bar, done: int, total: int) -> None:
    bar.length = total or 1
    bar.update(done - bar.pos)


@cli.command("serve")
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--edition", default="public", show_default=True, help="Edition the preview opens.")
@click.option("--lang", "view", type=click.Choice(VIEWS), default="en", show_default=True, help="View it opens.")
@click.option("--drafts", is_flag=True, help="Include draft briefs.")
@click.pass_obj
@reports_errors
def serve_command(settings: Settings, port: int, edition: str, view: str, drafts: bool) -> None:
    """Preview the site on 127.0.0.1, rebuilding when briefs, config or templates change."""
    editions = load_config(settings.root).edition_ids
    if edition not in editions:
        raise UsageError(f"unknown edition {edition!r}; editions: {', '.join(editions)}")
    try:
        options = BuildOptions(drafts=drafts, allow_untranslated=True)
        preview = Preview(settings.root, options, port, f"/{edition}/{view}/", _echo_err)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    preview.start()
    click.echo(f"previewing on {preview.url} (Ctrl+C to stop)", err=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        preview.stop()


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


@cli.command("translate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--write", is_flag=True, help="Write the translations into the brief files as !mt values.")
@click.pass_obj
@reports_errors
def translate_command(settings: Settings, paths: tuple[Path, ...], write: bool) -> None:
    """Fill missing languages by machine translation; without --write, only report."""
    if sys.stderr.isatty() and settings.verbosity >= 0:
        with click.progressbar(length=0, label="translating", file=sys.stderr, show_pos=True) as bar:
            report = translate_publication(settings.root, list(paths), write, progress=_counting(bar))
    else:
        report = translate_publication(settings.root, list(paths), write)
    for problem in report.edited + report.unwritten:
        click.echo(str(problem), err=True)
    unwritten = {(str(p.location), p.field) for p in report.unwritten}
    for need in report.needs:
        state = "ready" if not write else "not written" if (str(need.where()), need.field()) in unwritten else "written"
        click.echo(f"{need.where()}: {need.field()}: {need.direction} {state}", err=True)
    outcome = report.outcome
    click.echo(
        f"{len(report.needs)} text{'s' if len(report.needs) != 1 else ''} to translate: "
        f"{outcome.translated} sentences by the model, {outcome.remembered} remembered"
        + (f"; wrote {len(report.written)} file{'s' if len(report.written) != 1 else ''}" if write else ""),
        err=True,
    )


class _BuildBars:
    """The progress bars of a build on a terminal: one for sentences being translated, shown only if
    the model runs, then one for rendering."""

    def __init__(self):
        self.bar = None
        self.step = None
        self.rendering = False

    def translated(self, count: int) -> None:
        if self.bar is None:
            self.bar = self._open(length=0, label="translating", show_pos=True)
            self.step = _counting(self.bar)
        self.step(count)

    def rendered(self, done: int, total: int) -> None:
        if not self.rendering:
            self.close()
            self.bar, self.rendering = self._open(length=1, label="rendering"), True
        _tick(self.bar, done, total)

    def _open(self, **options):
        bar = click.progressbar(file=sys.stderr, **options)
        bar.__enter__()
        return bar

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _counting(bar):
    """Advance the bar by translated segments and show segments per second."""
    started = time.perf_counter()

    def step(count: int) -> None:
        bar.length = (bar.length or 0) + count
        bar.update(count)
        rate = bar.pos / max(time.perf_counter() - started, 1e-6)
        bar.label = f"translating ({rate:.0f} segments/s)"

    return step


@cli.group("models")
def models_group() -> None:
    """Manage translation models (Argos Translate packages)."""


@models_group.command("list")
@reports_errors
def models_list() -> None:
    """Show the installed models and where they live."""
    folder = models.models_dir()
    found = models.installed(folder)
    for info in found:
        click.echo(f"{info.source} -> {info.target}  {info.name}  version {info.version}")
    click.echo(f"{len(found)} model{'s' if len(found) != 1 else ''} in {folder}", err=True)


@models_group.command("install")
@click.argument("direction", nargs=-1)
@click.option("--file", "archive", type=click.Path(dir_okay=False, path_type=Path), help="Install a local .argosmodel.")
@reports_errors
def models_install(direction: tuple[str, ...], archive: Path | None) -> None:
    """Install a model: `en zh` downloads one (network), `--file X.argosmodel` installs a local file."""
    if archive is not None:
        if direction:
            raise UsageError("give a direction or --file, not both")
        if not archive.is_file():
            raise UsageError(f"{archive}: no such file")
        info = models.install_file(archive)
    else:
        if len(direction) != 2:
            raise UsageError("name a direction (en zh, or zh en), or give --file X.argosmodel")
        click.echo(f"downloading the {direction[0]}->{direction[1]} model from the Argos package index ...", err=True)
        from signalbrief.translate.download import download

        info = download(direction[0], direction[1])
    click.echo(f"installed {info.name} ({info.source} -> {info.target}, version {info.version}) in {info.path.parent}")


@models_group.command("remove")
@click.argument("selector", nargs=-1, required=True)
@reports_errors
def models_remove(selector: tuple[str, ...]) -> None:
    """Remove a model by name, or by direction (`en zh`)."""
    for info in models.remove(list(selector)):
        click.echo(f"removed {info.name}")


@cli.command("schema")
@click.pass_obj
@reports_errors
def schema_command(settings: Settings) -> None:
    """Print the JSON Schema of the brief format, for editors."""
    schema = brief_schema(load_config(settings.root))
    click.echo(json.dumps(schema, ensure_ascii=False, indent=2))


@cli.command("grade")
@click.argument("score")
@click.pass_obj
@reports_errors
def grade_command(settings: Settings, score: str) -> None:
    """Show the band a confidence score falls in, and the whole table."""
    if not DECIMAL.match(score) or float(score) > 1.0:
        raise UsageError(f"{score!r} is not a score from 0.00 to 1.00")
    table = load_config(settings.root).grades
    band = band_for(float(score), table)
    click.echo(f"{score}: {band.grade} — {band.label_en} / {band.label_zh}")
    if settings.verbosity >= 0:
        for row, upper in band_ranges(table):
            mark = "*" if row == band else " "
            click.echo(f"{mark} {row.lower:.2f}–{upper:.2f}  {row.grade:<4} {row.label_en} / {row.label_zh}")


@cli.command("init")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
@reports_errors
def init_command(settings: Settings, folder: Path | None) -> None:
    """Scaffold a publication in FOLDER (default: the current one)."""
    target = folder if folder is not None and folder.is_absolute() else settings.root / (folder or ".")
    for path, created in init_publication(target):
        state = "created" if created else "exists, left as it is"
        click.echo(f"{path}: {state}")


@cli.command("new")
@click.argument("brief_id", metavar="ID")
@click.pass_obj
@reports_errors
def new_command(settings: Settings, brief_id: str) -> None:
    """Create briefs/ID.yaml from a commented skeleton."""
    path = new_brief(settings.root, brief_id)
    click.echo(f"created {path}")


def main() -> None:
    try:
        cli(prog_name="signalbrief")
    except KeyboardInterrupt:
        sys.exit(130)
