"""The command line: parse options, call one API function, map errors to exit codes."""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
import types
from importlib.machinery import ModuleSpec
from pathlib import Path

import click

from signalbrief import __version__
from signalbrief.discovery import find_publication
from signalbrief.errors import (
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_WRITE,
    InvalidInput,
    SignalbriefError,
    UsageError,
    count_line,
    summary_line,
)

# The command line imports what a command needs when it runs, so `--version`, `--help` and
# `validate` start without loading the renderer, the translator or the preview server.

NO_PUBLICATION = (
    "no publication in {folder} or any folder above it (none holds signalbrief.yaml or briefs/); "
    "start one with `signalbrief init`, or name one with -C DIR"
)


class Settings:
    """Global options shared by every command: the folder it runs in, and how much it says."""

    def __init__(self, verbosity: int):
        self.folders: list[Path] = []  # each -C in order; a relative one goes on from the one before
        self.verbosity = verbosity

    @functools.cached_property
    def base(self) -> Path:
        """The folder the command runs in: the current one, changed by each -C as git does."""
        try:
            here = Path.cwd()
        except OSError:
            raise UsageError("the current folder no longer exists") from None
        return here.joinpath(*self.folders).resolve()

    @functools.cached_property
    def root(self) -> Path:
        """The publication: the nearest folder, the base or one above it, that holds one."""
        if not self.base.is_dir():
            raise UsageError(f"{self.base} is not a folder")
        found = find_publication(self.base)
        if found is None:
            raise UsageError(NO_PUBLICATION.format(folder=self.base))
        return found

    def given(self, paths: tuple[Path, ...]) -> list[Path]:
        """Paths typed on the command line, which mean what they say from the folder the command
        runs in; those inside the publication are passed relative to it, as messages show them."""
        absolute = [Path(os.path.normpath(self.base / path)) for path in paths]
        return [p.relative_to(self.root) if p.is_relative_to(self.root) else p for p in absolute]

    def shown(self, path: Path) -> str:
        """A path as the user sees it from the folder the command runs in."""
        return os.path.relpath(path, self.base)


def _change_folder(ctx: click.Context, _param, folders: tuple[Path, ...]) -> None:
    ctx.find_object(Settings).folders.extend(folders)


def folder_option(command):
    """Accept -C DIR after the command name too (`signalbrief validate -C pub`)."""
    return click.option(
        "-C",
        "folders",
        multiple=True,
        type=click.Path(file_okay=False, path_type=Path),
        expose_value=False,
        callback=_change_folder,
        help="Run as if started in this folder.",
    )(command)


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
        except KeyboardInterrupt:  # click would say "Aborted!" and exit 1, the code of invalid input
            click.echo("\ninterrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "folders",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Run as if started in this folder (before or after the command name).",
)
@click.option("-q", "--quiet", count=True, help="Print only errors.")
@click.option("-v", "--verbose", count=True, help="Print more detail.")
@click.version_option(__version__, prog_name="signalbrief")
@click.pass_context
def cli(ctx: click.Context, folders: tuple[Path, ...], quiet: int, verbose: int) -> None:
    """Publish bilingual signal briefs with gated member editions.

    Every command but `init` and `models` works on the publication in the current folder or the
    nearest one above it that holds signalbrief.yaml or briefs/."""
    ctx.obj = Settings(verbose - quiet)
    ctx.obj.folders.extend(folders)


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@folder_option
@click.pass_obj
@reports_errors
def validate_command(settings: Settings, paths: tuple[Path, ...], strict: bool) -> None:
    """Check briefs (default: briefs/) and print every problem."""
    from signalbrief.validate import validate

    report = validate(settings.root, settings.given(paths), keep=False)  # unchanged files: their remembered outcome
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
        return ()  # the default set: every format but the opt-in ones (email)
    chosen = tuple(part.strip() for part in value.split(",") if part.strip())
    for part in chosen:
        if part not in allowed:
            raise click.BadParameter(f"{part!r} is not one of {', '.join(allowed)}", param_hint=option)
    return chosen


@cli.command("build")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Output folder (default: site/ in the publication folder)."
)
@click.option(
    "--format", "formats", help="Comma-separated: html,md,email or a plugin's format (default all but email)."
)
@click.option("--edition", "editions", help="Comma-separated edition ids (default all).")
@click.option("--lang", "views", help="Comma-separated views: en,zh,bi, zh-hant where published (default all).")
@click.option("--drafts", is_flag=True, help="Include draft briefs.")
@click.option(
    "--allow-untranslated", is_flag=True, help="Show a 'translation pending' notice instead of stopping (exit 3)."
)
@folder_option
@click.pass_obj
@reports_errors
def build_command(settings: Settings, paths, output, formats, editions, views, drafts, allow_untranslated) -> None:
    """Render the editions as HTML and Markdown (default: into site/)."""
    from signalbrief.build import BuildOptions, build
    from signalbrief.formats import groups

    options = BuildOptions(
        output=settings.base / output if output is not None else Path("site"),
        formats=_choices(formats, groups(), "--format") if formats else (),  # (): every group, nothing imported
        editions=tuple(e.strip() for e in (editions or "").split(",") if e.strip()),
        views=tuple(v.strip() for v in (views or "").split(",") if v.strip()),  # checked by the build
        drafts=drafts,
        paths=tuple(settings.given(paths)),
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
            f"built {report.briefs} brief{'s' if report.briefs != 1 else ''} into "
            f"{settings.shown(settings.root / report.output)}: "
            f"{report.files} files in {report.seconds:.2f} s{_translation_note(report)}",
            err=True,
        )
    global _finished
    _finished = True  # the output, its state and every cache are written (see `main`)


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
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option("--edition", default="public", show_default=True, help="Edition the preview opens.")
@click.option("--lang", "view", default="en", show_default=True, help="View it opens (en, zh, bi, ...).")
@click.option("--drafts", is_flag=True, help="Include draft briefs.")
@folder_option
@click.pass_obj
@reports_errors
def serve_command(settings: Settings, port: int, edition: str, view: str, drafts: bool) -> None:
    """Preview the site on 127.0.0.1, rebuilding when briefs, config, glossary or templates change;
    open pages reload themselves."""
    from signalbrief.build import BuildOptions
    from signalbrief.configfile import load_config
    from signalbrief.languages import selected_views
    from signalbrief.serve import Preview

    config = load_config(settings.root)
    editions = config.edition_ids
    if edition not in editions:
        raise UsageError(f"unknown edition {edition!r}; editions: {', '.join(editions)}")
    selected_views(config.languages, (view,))
    # Binds the port first: a busy port is reported before anything is built.
    options = BuildOptions(drafts=drafts, allow_untranslated=True)
    preview = Preview(settings.root, options, port, f"/{edition}/{view}/", _echo_err)
    try:
        preview.start()
        click.echo(f"previewing on {preview.url} (Ctrl+C to stop)", err=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        preview.stop()


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


@cli.command("translate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--write", is_flag=True, help="Write the translations into the brief files as !mt values.")
@folder_option
@click.pass_obj
@reports_errors
def translate_command(settings: Settings, paths: tuple[Path, ...], write: bool) -> None:
    """Fill missing languages by machine translation; without --write, only report."""
    from signalbrief.translate.run import translate_publication

    paths = settings.given(paths)
    if sys.stderr.isatty() and settings.verbosity >= 0:
        with click.progressbar(length=0, label="translating", file=sys.stderr, show_pos=True) as bar:
            report = translate_publication(settings.root, paths, write, progress=_counting(bar))
    else:
        report = translate_publication(settings.root, paths, write)
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


@cli.command("send")
@click.argument("brief_id", metavar="BRIEF_ID")
@click.option(
    "--to", "recipients", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="CSV file with the columns email, tier, language (a header row first).",
)
@click.option("--dry-run", is_flag=True, help="Print who would get which edition and language; send nothing.")
@click.option("--rate", help="At most this many messages: N/s or N/min (default: as fast as the server takes them).")
@folder_option
@click.pass_obj
@reports_errors
def send_command(settings: Settings, brief_id: str, recipients: Path, dry_run: bool, rate: str | None) -> None:
    """Email a brief to members, each the edition of their tier in their language, exactly once:
    a send log in .signalbrief/ skips who already had it when run again. The SMTP password is read
    from SIGNALBRIEF_SMTP_PASSWORD only."""
    from signalbrief.send import SendOptions, send

    path = settings.base / recipients
    options = SendOptions(dry_run=dry_run, rate=_rate(rate), shown=settings.shown(path))
    if sys.stdout.isatty() and not dry_run:
        with click.progressbar(length=_rows(path), label=f"sending {brief_id}") as bar:
            report = send(settings.root, brief_id, path, options, progress=lambda outcome: _sent_bar(bar, outcome))
    else:
        report = send(settings.root, brief_id, path, options, progress=_sent_line)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(_send_summary(report, dry_run), err=True)
    failed = report.count("failed")
    if failed or report.problems:
        sys.exit(EXIT_WRITE if failed else EXIT_INVALID)


def _rate(value: str | None) -> float | None:
    """Messages per second from `N/s`, `N/min` or `N` (per second)."""
    if value is None:
        return None
    number, _, unit = value.strip().partition("/")
    per = {"": 1.0, "s": 1.0, "sec": 1.0, "second": 1.0, "min": 60.0, "minute": 60.0}.get(unit.strip().lower())
    try:
        count = float(number)
    except ValueError:
        count = 0.0
    if per is None or not count > 0 or count == float("inf"):
        raise click.BadParameter(f"{value!r} is not a rate like 10/s or 300/min", param_hint="--rate")
    return count / per


def _rows(path: Path) -> int:
    """About how many recipients a CSV file lists (the progress bar's length)."""
    try:
        return max(1, len(path.read_text(encoding="utf-8-sig").splitlines()) - 1)
    except (OSError, UnicodeDecodeError):
        return 1


def _sent_bar(bar, outcome) -> None:
    bar.update(1)
    if outcome.state == "failed":
        click.echo(f"\n{_outcome_line(outcome)}", err=True)


def _sent_line(outcome) -> None:
    click.echo(_outcome_line(outcome))


def _outcome_line(outcome) -> str:
    """`address: edition/view: state`, as a dry run or a send prints it."""
    who = outcome.recipient
    state = {"planned": "would send", "skipped": "already sent, skipped"}.get(outcome.state, outcome.state)
    detail = f" ({outcome.detail})" if outcome.detail and outcome.state == "failed" else ""
    return f"{who.address}: {who.edition}/{who.view}: {state}{detail}"


def _send_summary(report, dry_run: bool) -> str:
    parts = [f"{report.count('planned')} to send" if dry_run else f"{report.count('sent')} sent"]
    parts.append(f"{report.count('skipped')} already sent")
    if report.count("failed"):
        parts.append(f"{report.count('failed')} failed")
    if report.problems:
        parts.append(f"{len(report.problems)} invalid row{'s' if len(report.problems) != 1 else ''} skipped")
    return ", ".join(parts)


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
    from signalbrief.translate import models

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
    from signalbrief.translate import models

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
    from signalbrief.translate import models

    for info in models.remove(list(selector)):
        click.echo(f"removed {info.name}")


@cli.command("schema")
@folder_option
@click.pass_obj
@reports_errors
def schema_command(settings: Settings) -> None:
    """Print the JSON Schema of the brief format, for editors."""
    from signalbrief.configfile import load_config
    from signalbrief.schema import brief_schema

    schema = brief_schema(load_config(settings.root))
    click.echo(json.dumps(schema, ensure_ascii=False, indent=2))


@cli.command("grade")
@click.argument("score")
@folder_option
@click.pass_obj
@reports_errors
def grade_command(settings: Settings, score: str) -> None:
    """Show the band a confidence score falls in, and the whole table."""
    from signalbrief.configfile import load_config
    from signalbrief.fields import DECIMAL
    from signalbrief.grading import band_for, band_ranges

    if not DECIMAL.match(score) or float(score) > 1.0:
        raise UsageError(f"{score!r} is not a score from 0.00 to 1.00")
    table = load_config(settings.root).grades
    band = band_for(float(score), table)
    click.echo(f"{score}: {band.grade} — {_both(band)}")
    if settings.verbosity >= 0:
        for row, upper in band_ranges(table):
            mark = "*" if row == band else " "
            click.echo(f"{mark} {row.lower:.2f}–{upper:.2f}  {row.grade:<4} {_both(row)}")


def _both(band) -> str:
    """A grade's label in the bilingual view's languages (English / Chinese)."""
    from signalbrief.languages import BILINGUAL

    return " / ".join(band.label(lang) for lang in BILINGUAL)


@cli.command("init")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@folder_option
@click.pass_obj
@reports_errors
def init_command(settings: Settings, folder: Path | None) -> None:
    """Scaffold a publication in FOLDER (default: the current one); refuse inside another one."""
    from signalbrief.scaffold import init_publication

    for path, created in init_publication(settings.base / (folder or ".")):
        state = "created" if created else "exists, left as it is"
        click.echo(f"{settings.shown(path)}: {state}")


@cli.command("new")
@click.argument("brief_id", metavar="ID")
@folder_option
@click.pass_obj
@reports_errors
def new_command(settings: Settings, brief_id: str) -> None:
    """Create briefs/ID.yaml from a commented skeleton."""
    from signalbrief.scaffold import new_brief

    path = new_brief(settings.root, brief_id)
    click.echo(f"created {settings.shown(path)}")


# Set by a command once everything it made is in place, when nothing is left for the interpreter's
# teardown to do but free its objects (for a build of 1,000 briefs some 50 ms: a tenth of an edit's build).
_finished = False


def main() -> None:
    """The `signalbrief` program. It finds installed plugins as it last found them while no package
    was installed or removed (`signalbrief.installed`); after a command that `_finished`, the process
    leaves at once."""
    from signalbrief import collector, plugins

    collector.starting()  # until a build renders much
    plugins.find_installed_with(_remembered_plugins)
    # Pydantic looks for its own plugins (every installed package's entry points) when the first model
    # class is made; signalbrief's models are validated without any.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _pydantic_told_no_plugins()
    try:
        cli(prog_name="signalbrief")
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit as leaving:
        if _finished and leaving.code in (0, None):
            _leave_now()
        raise


# Where pydantic asks for its plugins (a private module: pinned by requirements.lock, and the answer
# only stands in where the setting rules every plugin out).
_PYDANTIC_PLUGIN_LOADER = "pydantic.plugin._loader"


def _pydantic_told_no_plugins() -> None:
    """Where PYDANTIC_DISABLE_PLUGINS rules out every pydantic plugin, give pydantic that answer: its
    loader module imports importlib.metadata (and with it the email parser) before it reads the
    setting, some 15 ms of every build that checks a brief. Nothing is imported until pydantic asks."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") in ("__all__", "1", "true"):
        sys.meta_path.insert(0, _NoPydanticPlugins)


class _NoPydanticPlugins:
    """Finds pydantic's plugin loader, and only it, as a module that finds no plugins."""

    @classmethod
    def find_spec(cls, name: str, path: object = None, target: object = None) -> ModuleSpec | None:
        return ModuleSpec(name, cls) if name == _PYDANTIC_PLUGIN_LOADER else None

    @staticmethod
    def create_module(spec: ModuleSpec) -> None:
        return None  # the default module

    @staticmethod
    def exec_module(module: types.ModuleType) -> None:
        module.get_plugins = tuple  # type: ignore[attr-defined]  # () : no plugins


def _remembered_plugins(group: str) -> list[tuple[str, str]]:
    from signalbrief.installed import remembered  # imported by a command that loads plugins, not by --version

    return remembered(group)


def _leave_now() -> None:
    """Exit 0 without the interpreter's teardown: what was printed is flushed, every file is written."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: started with that stream closed
                stream.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more can be said; let Python report it as usual
        return
    os._exit(0)
