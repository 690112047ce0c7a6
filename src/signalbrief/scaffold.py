"""`init` and `new`: start a publication or a brief from commented skeletons."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

from signalbrief.discovery import BRIEFS_DIR, CONFIG_FILE, find_publication, is_publication
from signalbrief.errors import UsageError
from signalbrief.fields import SLUG
from signalbrief.writer import create_new

TEMPLATES_README = """\
Templates placed here override the built-in theme's templates of the same name.
"""


def skeleton(name: str) -> str:
    return resources.files("signalbrief").joinpath("skeletons", name).read_text(encoding="utf-8")


def init_publication(folder: Path) -> list[tuple[Path, bool]]:
    """Create the files of a new publication; return each file and whether it was created.

    A folder that is a publication already gets only its missing files; a folder inside another
    publication is refused, since every command run there would work on the one above."""
    folder = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    enclosing = find_publication(folder.parent) if not is_publication(folder) else None
    if enclosing is not None:
        raise UsageError(f"{folder} is inside the publication {enclosing}; run init in a folder outside it")
    files = {
        folder / CONFIG_FILE: skeleton(CONFIG_FILE),
        folder / ".gitignore": skeleton("gitignore"),
        folder / BRIEFS_DIR / "first-brief.yaml": brief_skeleton("first-brief", date.today()),
        folder / "templates" / "README.md": TEMPLATES_README,
    }
    return [(path, create_new(path, text)) for path, text in files.items()]


def brief_skeleton(brief_id: str, day: date) -> str:
    return skeleton("brief.yaml").format(id=brief_id, date=day.isoformat())


def new_brief(root: Path, brief_id: str, day: date | None = None) -> Path:
    """Create briefs/ID.yaml from the skeleton; never replace an existing file."""
    if len(brief_id) > 80 or not SLUG.match(brief_id):
        raise UsageError(f"{brief_id!r} is not a valid id: use lowercase letters, digits and single hyphens")
    path = root / BRIEFS_DIR / f"{brief_id}.yaml"
    if not create_new(path, brief_skeleton(brief_id, day or date.today())):
        # A usage error (exit 2): the command was asked for an id that is taken; no input is invalid.
        raise UsageError(f"{BRIEFS_DIR}/{brief_id}.yaml already exists; nothing was changed (choose another id)")
    return path
