"""Fill the missing language of every text: from the memory first, then the model, batched per run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import Field

from signalbrief.cache import Cache, json_path, json_text
from signalbrief.config import Words
from signalbrief.errors import EXIT_UNTRANSLATED, InvalidInput, Location, SignalbriefError, error
from signalbrief.fields import Strict, read_model
from signalbrief.languages import written_codes
from signalbrief.loader import dotted, load_file
from signalbrief.translate import GLOSSARY_FILE, MEMORY_FILE
from signalbrief.translate.apply import Fills
from signalbrief.translate.engine import ArgosModel
from signalbrief.translate.memory import Memory
from signalbrief.translate.models import model_for
from signalbrief.validate import LoadedBrief

if TYPE_CHECKING:
    from signalbrief.translate.segments import Glossary, Piece


class Engine(Protocol):
    """What filling needs of a model: an id for the memory and a batch translate call."""

    id: str

    def translate(self, sentences: list[str], progress: Callable[[int], None] | None = None) -> list[str]: ...


@dataclass(frozen=True, slots=True)  # one per text lacking a language: no dict each
class Need:
    """One text of one brief that lacks a language (`target_lang`), and the text to translate."""

    brief: LoadedBrief
    path: tuple
    source_lang: str
    target_lang: str
    source: str

    @property
    def direction(self) -> str:
        return f"{self.source_lang}-{self.target_lang}"

    def where(self) -> Location:
        return self.brief.document.locate(self.path)

    def field(self) -> str:
        return dotted((*self.path, self.target_lang))


class Untranslated(SignalbriefError):
    """Texts need a direction that has neither a model nor remembered translations."""

    exit_code = EXIT_UNTRANSLATED

    def __init__(self, missing: list[Need]):
        self.missing = missing
        directions = sorted({need.direction for need in missing})
        self.problems = [
            error(need.where(), need.field(), f"needs {need.source_lang}->{need.target_lang} machine translation")
            for need in missing
        ]
        commands = "; ".join(f"signalbrief models install {d.replace('-', ' ')}" for d in directions)
        lines = [str(p) for p in sorted(self.problems)]
        lines.append(
            f"{len(missing)} text{'s need' if len(missing) != 1 else ' needs'} translation ({', '.join(directions)}) "
            f"with no model installed and nothing remembered. Install a model: {commands} (downloads it), "
            "or signalbrief models install --file X.argosmodel (a package file you have; see "
            "github.com/argosopentech/argospm-index); or build with --allow-untranslated "
            "to show a 'translation pending' notice"
        )
        super().__init__("\n".join(lines))


@dataclass
class Outcome:
    """Translations of a run: the text for each need, and how they were obtained."""

    texts: dict[tuple[str, tuple, str], str] = field(default_factory=dict)  # (id, path, lang) -> text
    missing: list[Need] = field(default_factory=list)
    remembered: int = 0  # sentences found in the memory
    translated: int = 0  # sentences the model translated
    model_calls: int = 0
    texts_remembered: int = 0  # texts filled without the model (from the memory, or the last build)
    left: int = 0  # texts still untranslated in briefs filled as the last build filled them (not in `missing`)


def needs_of(briefs: list[LoadedBrief]) -> list[Need]:
    """Every text lacking a language of the publication, in file order."""
    return [Need(item, *need) for item in briefs for need in item.needs]


class Filler:
    """Translates needs through the memory and, where it must, the installed models."""

    def __init__(
        self,
        root: Path,
        glossary: dict[str, Glossary] | None = None,
        engines: dict[str, Engine] | None = None,
        models_folder: Path | None = None,
    ):
        self.memory = Memory(root / MEMORY_FILE)
        self.glossary = glossary if glossary is not None else load_glossary(root)
        self.models_folder = models_folder
        self._given = engines  # engines chosen by the caller (tests); otherwise the installed models
        self._loaded: dict[str, Engine] = {}

    def engine(self, direction: str) -> Engine | None:
        """The model for a direction; it is loaded only when a sentence is not remembered."""
        if self._given is not None:
            return self._given.get(direction)
        if direction not in self._loaded:
            source, target = direction.split("-")
            info = model_for(source, target, self.models_folder)
            if info is None:
                return None
            self._loaded[direction] = _Loaded(info)
        return self._loaded[direction]

    def fill(self, needs: list[Need], progress: Callable[[int], None] | None = None) -> Outcome:
        outcome = Outcome()
        directions = {need.direction for need in needs}
        if not self.memory.path.exists() and not any(self.engine(direction) for direction in directions):
            outcome.missing = list(needs)  # nothing remembered and no model: no need to cut sentences
            return outcome
        from signalbrief.translate.segments import assemble, pieces  # its patterns: only where sentences are cut

        split = {
            id(need): pieces(need.source, self.glossary.get(need.direction, []), need.source_lang) for need in needs
        }
        for direction in sorted(directions):
            group = [need for need in needs if need.direction == direction]
            sentences = sorted({p.text for need in group for p in split[id(need)] if p.translate})
            remembered, fresh = self._translate(direction, sentences, outcome, progress)
            known = {**remembered, **fresh}
            for need in group:
                parts: list[Piece] = split[id(need)]
                if all(p.text in known for p in parts if p.translate):
                    key = (need.brief.id, need.path, need.target_lang)
                    outcome.texts[key] = assemble(parts, known, need.target_lang)
                    outcome.texts_remembered += all(p.text in remembered for p in parts if p.translate)
                else:
                    outcome.missing.append(need)
        return outcome

    def _translate(
        self, direction: str, sentences: list[str], outcome: Outcome, progress: Callable[[int], None] | None
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The remembered translations of the sentences, and the model's translations of the others."""
        engine = self.engine(direction)
        known = self.memory.recall(direction, sentences, engine.id if engine else None)
        outcome.remembered += len(known)
        todo = [s for s in sentences if s not in known]
        fresh: dict[str, str] = {}
        if todo and engine is not None:
            calls_before = getattr(engine, "calls", 0)
            fresh = dict(zip(todo, engine.translate(todo, progress), strict=True))
            self.memory.remember(engine.id, direction, fresh)
            outcome.translated += len(fresh)
            outcome.model_calls += getattr(engine, "calls", 0) - calls_before
        return known, fresh

    def close(self) -> None:
        self.memory.close()


class _Loaded(ArgosModel):
    @property
    def id(self) -> str:
        return self.info.id


def fills_by_brief(outcome: Outcome) -> dict[str, Fills]:
    """The translations of a run, brief by brief."""
    found: dict[str, Fills] = {}
    for (brief_id, path, lang), value in outcome.texts.items():
        found.setdefault(brief_id, {})[(path, lang)] = value
    return found


FILLED_FILE = Path(".signalbrief") / "filled.json"


class FilledStore:
    """Each brief's machine translations as the last build filled them, by the brief's content hash,
    with the count of its texts that stayed untranslated (no model, no remembered sentence).

    Valid while the glossary, the installed models and the translation memory are unchanged (the
    `context`), so a rebuild does not cut and look up every sentence again: filled as far as it can
    be, a brief is filled no further by the same models and memory. A cache: anything unreadable in
    the file is ignored."""

    def __init__(self, root: Path, context: str):
        self.cache = Cache(root / FILLED_FILE, "filled", context, copies_frames=True)
        self.known = self.cache.load()
        self.kept: dict[str, list] = {}

    def recall(self, item: LoadedBrief) -> tuple[Fills, int] | None:
        """The fills of a brief, and how many of its texts they leave untranslated; None when unknown."""
        found = self.known.get(item.id)
        if found is not None and not _filled_entry(found):
            self.cache.damaged()
            return None
        if found is None or found[0] != item.digest:
            return None
        fills = self.cache.decoded(lambda: _fills(found[1]))
        if fills is not None:
            self.kept[item.id] = found
            return fills, found[2]
        return None

    def keep(self, item: LoadedBrief, fills: Fills, missing: int) -> None:
        filled = [[list(path), lang, text] for (path, lang), text in fills.items()]
        self.kept[item.id] = [item.digest, filled, missing]

    def save(self, context: str) -> None:
        """Write what this build filled, if anything changed."""
        self.cache.context = context
        self.cache.save_all(self.kept)


def _filled_entry(found: object) -> bool:
    """Whether an entry read back has its shape: [content hash, fills, count left untranslated]."""
    if not isinstance(found, list) or len(found) != 3 or not isinstance(found[0], str):
        return False
    return type(found[2]) is int and found[2] >= 0


def _fills(data: list) -> Fills:
    return {(json_path(path), _lang(lang)): json_text(text) for path, lang, text in data}


def _lang(value: object) -> str:
    if value not in written_codes():
        raise ValueError("language")
    return str(value)


class _GlossaryFile(Strict):
    terms: list[Words] = Field(default_factory=list, description="Fixed term translations, one per language.")


def load_glossary(root: Path) -> dict[str, Glossary]:
    """Read glossary.yaml: terms that machine translation must render exactly as given."""
    path = root / GLOSSARY_FILE
    if not path.exists():
        return {}
    document = load_file(path, GLOSSARY_FILE)
    parsed, problems = read_model(_GlossaryFile, document, {})
    if problems:
        raise InvalidInput(problems)
    codes = written_codes()
    terms = [term.labels for term in parsed.terms]
    return {
        f"{source}-{target}": sorted(((t[source], t[target]) for t in terms), key=lambda pair: -len(pair[0]))
        for source in codes
        for target in codes
        if source != target
    }
