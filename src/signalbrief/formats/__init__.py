"""Output formats: each a class that owns its templates and file names, registered through the
`signalbrief_output_formats` hook (signalbrief's own by `signalbrief.formats.builtin`).

A format has up to four parts, each written as steps a later build may reuse: files for one gated
brief in one edition and view (`brief_files`), files for each edition (`edition_files`: lists,
feeds, sitemaps), files for the whole site (`site_files`: the entry page) and files made from an
edition's finished output, in parts made side by side (`finish_files`: the search index's shards).
Each part says what its files are made of (`brief_key`, `edition_key`, `site_key`, `finish_parts`): when
that is unchanged, the step's files are taken from the previous build.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from signalbrief.languages import BI
from signalbrief.plugins import PluginError, hook

if TYPE_CHECKING:
    from signalbrief.config import Config
    from signalbrief.formats.site import Site
    from signalbrief.gating import GatedBrief
    from signalbrief.model import CheckedBrief

Files = Iterable[tuple[str, str | bytes]]  # (path below the output folder, content)


@dataclass(frozen=True)
class BriefView:
    """One gated brief in one edition and view, with what its templates are rendered from."""

    gated: GatedBrief
    edition: str
    view: str
    context: dict[str, Any]

    @property
    def base(self) -> str:
        """The brief's path without an ending: `<edition>/<view>/<id>`."""
        return f"{self.edition}/{self.view}/{self.gated.id}"


@dataclass(frozen=True)
class HeadLink:
    """A `<link rel="alternate">` a format asks every page of a view to carry (a feed)."""

    type: str
    href: str


class Early:
    """What formats started early for one build (`OutputFormat.prepare`): it ends with the build."""

    def __init__(self, stack: ExitStack):
        self.stack = stack
        self.held: dict[str, object] = {}  # format name: what it started

    def settle(self) -> None:
        """Let what was started finish its own threads' work (each `settle()`), before the build
        forks its workers: a process forked while another thread runs may inherit a held lock."""
        for started in self.held.values():
            settle = getattr(started, "settle", None)
            if settle is not None:
                settle()


_builds: list[Early] = []


@contextmanager
def preparing() -> Iterator[Early]:
    """Held for a whole build: what formats start early for it ends with it (killed if it fails)."""
    with ExitStack() as stack:
        _builds.append(Early(stack))
        try:
            yield _builds[-1]
        finally:
            _builds.pop()


def early() -> Early | None:
    """What formats started early for the build under way; None outside `preparing()`."""
    return _builds[-1] if _builds else None


class OutputFormat:
    """One kind of output; override the parts it has. `group` is what `--format` selects it by."""

    name: ClassVar[str] = ""
    group: ClassVar[str] = "html"
    per_brief: ClassVar[bool] = False  # whether `brief_files` writes anything
    opt_in: ClassVar[bool] = False  # built only when `--format` names its group (email)

    def __init__(self, site: Site):
        self.site = site

    @classmethod
    def check(cls, config: Config) -> None:
        """Refuse (with a UsageError) a build this format cannot make with this config; called
        before anything is translated or written."""

    @classmethod
    def prepare(cls, config: Config, work: Path) -> None:
        """Start what the build will need at its end, so that it loads while the build goes on (the
        search index: Pagefind), putting it in `early()`; called once the build knows it renders."""

    def brief_key(self, item: CheckedBrief) -> object:
        """What one brief's files are made of, beside the edition: by default the brief itself,
        its filled translations and the cards it links to."""
        return self.site.brief_inputs(item)

    def brief_files(self, brief: BriefView) -> Files:
        """The files of one gated brief in one edition and view."""
        return ()

    def edition_key(self, edition: str) -> object | None:
        """What an edition's files are made of; None: this format writes none."""
        return None

    def edition_files(self, edition: str) -> Files:
        return ()

    def site_key(self, editions: list[str]) -> object | None:
        """What the files outside every edition are made of; None: this format writes none."""
        return None

    def site_files(self, editions: list[str]) -> Files:
        return ()

    def head_links(self, edition: str, view: str, up: str) -> list[HeadLink]:
        """Links every page of a view carries to this format's files; `up` leads to the edition root."""
        return []

    def finish_parts(self, edition: str, steps: Mapping[str, list[str]]) -> dict[str, object]:
        """What each part of the files made from the edition's finished output is made of (part name:
        its key), given every step's key and files; none: this format makes none."""
        return {}

    def finish_files(self, edition: str, part: str, folder: Path, steps: Mapping[str, list[str]]) -> Files:
        """One part of the files made from an edition's finished output (a search index shard), which
        `folder` holds; they are made after every other step of the build."""
        return ()

    def finishing(self, folder: Path, parts: int) -> AbstractContextManager[object]:
        """Held while the build makes `parts` of this format's `finish_files` side by side from `folder`
        (the search index: its Pagefind processes, shared by every shard)."""
        return nullcontext()


class LanguageFeed(OutputFormat):
    """A feed of every listed brief in each language view (`<edition>/<view>/<file_name>`; the
    bilingual view has none), linked from that view's pages."""

    file_name: ClassVar[str] = ""
    media_type: ClassVar[str] = ""

    def edition_key(self, edition: str) -> object:
        return self.site.listing_key

    def edition_files(self, edition: str) -> Files:
        for view in self.site.views:
            if view != BI:
                yield f"{edition}/{view}/{self.file_name}", self.feed(edition, view)

    def head_links(self, edition: str, view: str, up: str) -> list[HeadLink]:
        return [HeadLink(self.media_type, f"{up}{view}/{self.file_name}")] if view != BI else []

    def feed(self, edition: str, view: str) -> str:
        """The feed of one edition in one language."""
        raise NotImplementedError


def registered() -> list[type[OutputFormat]]:
    """Every registered format class, signalbrief's own first; two with one name are an error."""
    found: dict[str, type[OutputFormat]] = {}
    for added in reversed(hook().signalbrief_output_formats()):  # pluggy calls the last registered first
        for kind in added:
            if kind.name in found and found[kind.name] is not kind:
                both = f"{_where(found[kind.name])}, {_where(kind)}"
                raise PluginError(f"two output formats are named {kind.name!r}: {both}")
            found[kind.name] = kind
    return list(found.values())


def groups() -> tuple[str, ...]:
    """The format groups `--format` accepts, in registration order."""
    return tuple(dict.fromkeys(kind.group for kind in registered()))


def selected(chosen: tuple[str, ...]) -> list[type[OutputFormat]]:
    """The registered formats of the chosen groups (when none is chosen, every one but the opt-in ones)."""
    return [kind for kind in registered() if kind.group in chosen or (not chosen and not kind.opt_in)]


def _where(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"
