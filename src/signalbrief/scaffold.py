"""`init` and `new`: start a publication or a brief from commented skeletons."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

from signalbrief.config import CONFIG_FILE
from signalbrief.errors import InvalidInput, Location, UsageError, error
from signalbrief.fields import SLUG
from signalbrief.validate import BRIEFS_DIR
from signalbrief.writer import create_new

TEMPLATES_README = """\
Templates placed here override the built-in theme's templates of the same name.
"""


def skeleton(name: str) -> str:
    return resources.files("signalbrief").joinpath("skeletons", name).read_text(encoding="utf-8")


def init_publication(folder: Path) -> list[tuple[Path, bool]]:
    """Create the files of a new publication; return each file and whether it was created."""
    files = {
        folder / CONFIG_FILE: skeleton(CONFIG_FILE),
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
        shown = f"{BRIEFS_DIR}/{brief_id}.yaml"
        raise InvalidInput([error(Location(shown), "", "already exists; nothing was changed")])
    return path
