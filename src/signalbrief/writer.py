"""The one place that writes files: atomically, and never outside the folder it is given."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import stat
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from signalbrief.cores import usable_cores
from signalbrief.errors import OutputError


class AtomicFile:
    """A file written in pieces and put in place whole by `commit`: readers see the old content or
    the new, never part of it; `discard` (or any failure) leaves the old one as it was. A `durable`
    file is on the disk before it is put in place; one that is not (a cache, which a crash may leave
    empty or torn, and whose reader then ignores it and does the work again) saves a sync of the disk."""

    def __init__(self, path: Path, durable: bool = True):
        self.path, self.durable = path, durable
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, self._temp = new_file(str(path.parent), f".{path.name}.", ".tmp")
        except OSError as exc:
            raise self._failed(exc) from None
        self._out = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        try:
            self._out.write(data)
        except OSError as exc:
            self.discard()
            raise self._failed(exc) from None

    def commit(self) -> None:
        try:
            self._out.flush()
            if self.durable:
                os.fsync(self._out.fileno())
            self._out.close()
            os.replace(self._temp, self.path)
        except OSError as exc:
            self.discard()
            raise self._failed(exc) from None

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._out.close()
        Path(self._temp).unlink(missing_ok=True)

    def _failed(self, exc: OSError) -> OutputError:
        return OutputError(f"{self.path}: cannot write: {exc.strerror or exc}")


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write a file atomically (see `AtomicFile`); `data` may come in pieces, so a large file is
    never held in memory whole."""
    out = AtomicFile(path)
    try:
        for piece in [data] if isinstance(data, bytes) else data:
            out.write(piece)
        out.commit()
    except BaseException:
        out.discard()
        raise


def create_new(path: Path, text: str) -> bool:
    """Write a new file atomically; leave an existing one untouched and return False."""
    if path.exists():
        return False
    write_atomic(path, text.encode("utf-8"))
    return True


MARKER = ".signalbrief-output"
_MARKER_TEXT = b"This folder is written by signalbrief build and replaced whole by the next build.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass
class Tree:
    """An output folder as a build left it: the files of each rendering step, each file's size and
    modification time, each folder's modification time (so files added to it later are noticed)."""

    steps: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)  # path -> stamp_of(its stat)
    folders: dict[str, int] = field(default_factory=dict)


class SpareCheck:
    """Which of the spare's files and folders differ from the stamps its tree recorded (a hand-edited
    output file the spare shares by hard link, files added by hand). A build starts it early and asks
    for the answer when it opens the spare: in between, a forked process makes the stat of each of
    the spare's files and folders (some 30 a brief) on another core while the build validates. Where
    no process can be forked, or threads run, the stats are made here when the answer is asked for."""

    def __init__(self, folder: Path, tree: Tree):
        self.folder, self.tree = folder, tree
        self.pid, self.pipe = 0, -1
        self.found: tuple[set[str], set[str]] | None = None

    def start(self) -> None:
        if not self.tree.files or not _may_fork():
            return
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: it answers through the pipe and leaves without any cleanup
            code = 1
            try:
                os.close(read)
                _answer(write, _differences(str(self.folder), self.tree))
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.pipe = read

    def differences(self) -> tuple[set[str], set[str]]:
        """The files and the folders of the spare whose stamps differ from the recorded ones."""
        if self.found is None:
            if (found := self._collected()) is None:
                files, folders = _differences(str(self.folder), self.tree)
                found = set(files), set(folders)
            self.found = found
        return self.found

    def stop(self) -> None:
        """End the process if its answer was never asked for (the build failed before)."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            self._collected()

    def _collected(self) -> tuple[set[str], set[str]] | None:
        """The forked process's answer; None where there is none, or it is not sound."""
        if not self.pid:
            return None
        pid, self.pid = self.pid, 0
        try:
            chunks = []
            while chunk := os.read(self.pipe, 1 << 20):
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            os.close(self.pipe)
            _, status = os.waitpid(pid, 0)
        try:
            files, folders = json.loads(b"".join(chunks))
        except ValueError:
            return None
        if status != 0 or not _all_text(files) or not _all_text(folders):
            return None
        return set(files), set(folders)


def _all_text(values: object) -> bool:
    return type(values) is list and all(type(value) is str for value in values)


def _answer(fd: int, found: tuple[list[str], list[str]]) -> None:
    data = memoryview(json.dumps(found).encode("utf-8"))
    while data:
        data = data[os.write(fd, data) :]


def _differences(folder: str, tree: Tree) -> tuple[list[str], list[str]]:
    """The files and folders of `folder` whose stamps differ from the tree's (all, where it is gone)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return list(tree.files), list(tree.folders)
    try:
        return _files_differing(fd, tree.files), _folders_differing(fd, tree.folders)
    finally:
        os.close(fd)


def _files_differing(fd: int, files: dict[str, int]) -> list[str]:
    return list(_differing("", files.items(), fd))


def _folders_differing(fd: int, folders: dict[str, int]) -> list[str]:
    found, stat = [], os.stat
    for relative, stamp in folders.items():
        try:
            same = stat(relative or ".", dir_fd=fd).st_mtime_ns == stamp
        except OSError:
            continue  # a folder that is gone holds nothing to remove
        if not same:
            found.append(relative)
    return found


class Output:
    """The files of one build, written into a hidden folder, then swapped in whole.

    The hidden folders live in the output's work folder (see `work_folder`), never beside the
    output itself. Nothing is visible at the target until `commit()`; a failed build calls
    `discard()`, a killed one leaves its folder for the next build to remove. The output folder a
    build replaces is kept in the work folder as the spare; the next build starts from the spare
    and rewrites only the files that differ, instead of writing every file anew. Worker processes
    forked during a build write through the same object into the same hidden folder, each to its
    own paths. The caller holds the work folder's lock (`locked`) while it builds.
    """

    def __init__(self, target: Path, live: Tree | None = None, spare: Tree | None = None, work: Path | None = None):
        self.target = real_output(target)
        self.work = work or beside(self.target)
        self.live = live or Tree()
        self.spare = spare or Tree()
        self.written: set[str] = set()
        self.steps: dict[str, list[str]] = {}
        self.staging: Path | None = None
        self.in_place = False  # the hidden folder started as the spare: its files are replaced, not linked
        self._step: list[str] | None = None
        self.spare_kept: Tree | None = None  # the tree of the spare the committed build left (None: none)
        self.kept: dict[str, int] = {}  # files taken from a previous build, with their stamps
        self.stamps: dict[str, int] = {}  # files this build wrote, each stamp read as it was written
        self.from_live = False  # whether the current output is ours to link unchanged files from
        self.touched: set[str] = set()  # folders of the spare whose entries changed
        self.folders_made: set[str] = set()  # folders of the hidden folder known to exist
        self.spare_check = SpareCheck(self.spare_folder, self.spare)
        self.unsound: set[str] = set()  # the spare's files that differ from their recorded stamps
        self._trash: str | None = None  # the work folder's folder of what this build put aside (`_discard`)
        self._trashed = 0

    @property
    def spare_folder(self) -> Path:
        return self.work / "previous"

    def open(self) -> None:
        """Check the target may be replaced and prepare the hidden folder (from the spare if it is sound)."""
        _check_replaceable(self.target)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            _make_private(self.work)
            _remove_stale_builds(self.target)
            for stale in self.work.glob("build-*"):  # a killed build's folder: all its own, deleted later
                self._discard(str(stale))
            self.staging = Path(new_folder(str(self.work), "build-"))
            self.folders_made = {str(self.staging)}
            self.from_live = (self.target / MARKER).is_file()
            if self.spare.files and (self.spare_folder / MARKER).is_file():
                self.unsound, changed = self.spare_check.differences()
                os.replace(self.spare_folder, self.staging)  # a killed build leaves it as a stale build
                self.in_place = True
                self.touched = _tidy(self.staging, self.spare, changed)
            else:
                if os.path.lexists(self.spare_folder):  # a spare of unknown files: all its own, deleted later
                    self._discard(str(self.spare_folder))
                (self.staging / MARKER).write_bytes(_MARKER_TEXT)
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot create the output folder: {exc.strerror or exc}") from None

    @contextmanager
    def step(self, key: str) -> Iterator[None]:
        """Record the files written inside the block as one step, which later builds may reuse."""
        self._step = []
        try:
            yield
            self.steps[key] = sorted(self._step)
        finally:
            self._step = None

    def reuse(self, key: str) -> bool:
        """Take a step's files from a previous build: as they are in the spare this build started from,
        else linked from the current output; False when neither holds them exactly as written."""
        if self.in_place and (stamps := self._sound_in_spare(key)) is not None:
            paths = self.spare.steps[key]
            self._take(paths)
            self.kept.update(zip(paths, stamps, strict=True))
        elif self.from_live and (inodes := _held(self.live, str(self.target), key)) is not None:
            paths = self.live.steps[key]
            self._take(paths)  # every path of the live tree is among its files, checked when it was read
            self._link(paths, inodes)
        else:
            return False
        self.steps[key] = paths
        return True

    def reuse_all(self, keys: list[str]) -> set[str]:
        """`reuse` each step; return the keys of those no previous build holds. The steps the spare holds,
        all sound, are taken together: one pass over their files, not a call each (an edit's build
        takes some 3,000 steps of 20,000 files this way)."""
        steps = self.spare.steps
        held = [key for key in keys if key in steps] if self.in_place and not self.unsound else []
        paths = [path for key in held for path in steps[key]]
        try:
            stamps = list(map(self.spare.files.__getitem__, paths))
        except KeyError:  # a step's file the spare's tree lacks: each step is looked at on its own
            held, paths, stamps = [], [], []
        self._take(paths)
        self.kept.update(zip(paths, stamps, strict=True))
        self.steps.update((key, steps[key]) for key in held)
        taken = set(held)
        return {key for key in keys if key not in taken and not self.reuse(key)}

    def add(self, relative: str, content: str | bytes) -> None:
        """Write a file; its path must stay inside the output folder and be written only once."""
        file = self._claim(relative)
        data = content.encode("utf-8") if isinstance(content, str) else content
        try:
            self._folder_of(file)
            if self.in_place:
                if _holds_bytes(file, data):  # as the spare has it: kept, and still shared with the output
                    return
                _remove(file)  # never write into a file the live output may share (a hard link)
            _write_new(file, data)
            # Read here, where the file was made (a worker, in parallel), not by the build's process
            # for every file at the end.
            self.stamps[relative] = stamp_of(os.stat(file))
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot write the build: {exc.strerror or exc}") from None

    def _link(self, paths: list[str], inodes: list[tuple[int, int]]) -> None:
        """Take unchanged files from the current output into the new build without rewriting them;
        `inodes` are theirs (device, inode): a file the spare already shares with the output stays."""
        target, staging, files = str(self.target), str(self.staging), self.live.files
        emptied: set[str] = set()  # folders of the spare whose entries this changes
        try:
            for relative, inode in zip(paths, inodes, strict=True):
                file = f"{staging}/{relative}"
                self.kept[relative] = files[relative]
                if self.in_place:
                    info = _lstat(file)
                    if info is not None and (info.st_dev, info.st_ino) == inode:
                        continue
                    if info is not None and info.st_nlink == 1 and stat.S_ISREG(info.st_mode):
                        self._discard(file)  # the file's last link: its blocks are freed after the build
                    else:
                        _remove(file)
                    emptied.add(relative.rpartition("/")[0])
                self._folder_of(file)
                try:
                    os.link(f"{target}/{relative}", file)
                except OSError:  # another file system, or no hard links: copy, keeping the time stamps
                    _copy(f"{target}/{relative}", file)
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot write the build: {exc.strerror or exc}") from None
        finally:
            for folder in emptied:
                self.touched.update([folder, *_ancestors(folder)])

    def _discard(self, path: str) -> None:
        """Put a file or folder this build no longer wants in its trash folder, which `delete_trash` deletes
        after the build: removing a file's last link frees its blocks (some 0.15 ms a file on a disk
        that has just written them), and a user would wait for thousands of them after every page
        changed (a new template), where moving one is a fifth of that."""
        if self._trash is None:
            self._trash = new_folder(str(self.work), TRASH)
        os.rename(path, f"{self._trash}/{self._trashed}")
        self._trashed += 1

    def _folder_of(self, file: str) -> None:
        """Make the folder a file goes in, once per build: a brief's files share their folders."""
        folder = file.rpartition("/")[0]
        if folder in self.folders_made:
            return
        if folder.rpartition("/")[0] not in self.folders_made:
            os.makedirs(folder, exist_ok=True)
        else:  # its parent exists: one mkdir, not makedirs' stat of the parent first
            try:
                os.mkdir(folder)
            except FileExistsError:
                if not os.path.isdir(folder):
                    raise
        self.folders_made.add(folder)

    def _sound_in_spare(self, key: str) -> list[int] | None:
        """The recorded stamps of a step's files in the spare; None where the spare's tree has no such
        step, lacks one of its files, or one of them is `unsound`. (Called for every step of a
        build: an edit's build takes some 3,000 steps this way.)"""
        paths = self.spare.steps.get(key)
        if paths is None or (self.unsound and not self.unsound.isdisjoint(paths)):
            return None
        try:
            return list(map(self.spare.files.__getitem__, paths))
        except KeyError:
            return None

    def _take(self, paths: list[str]) -> None:
        """Claim files the spare already holds (their paths were checked when its tree was read)."""
        if not self.written.isdisjoint(paths):
            raise OutputError(f"{sorted(self.written.intersection(paths))[0]}: written twice in one build")
        count = len(self.written)
        self.written.update(paths)
        if len(self.written) != count + len(paths):  # a path twice among them
            twice = sorted(path for path, times in Counter(paths).items() if times > 1)
            raise OutputError(f"{twice[0]}: written twice in one build")

    def _claim(self, relative: str) -> str:
        if not inside(relative):
            raise OutputError(f"{relative!r}: refusing a path outside the output folder")
        if relative in self.written:
            raise OutputError(f"{relative}: written twice in one build")
        assert self.staging is not None, "open() first"
        self.written.add(relative)
        if self._step is not None:
            self._step.append(relative)
        return f"{self.staging}/{relative}"

    def commit(self) -> Tree:
        """Swap the finished build into place, keep the replaced folder as the spare; return the new tree."""
        assert self.staging is not None, "open() first"
        try:
            changed = set(self.touched)
            if self.in_place:
                changed |= _remove_unwritten(str(self.staging), self.spare, self.written)
            tree = self._survey(changed)
            os.chmod(self.staging, 0o755)
            spared = _swap_into_place(self.staging, self.target, self.spare_folder)
        except OSError as exc:
            self.discard()
            raise OutputError(f"{self.target}: cannot write the build: {exc.strerror or exc}") from None
        self.staging = None
        if spared:
            self.spare_kept = self._catch_up(tree)
        delete_trash(self.work)
        return tree

    def _catch_up(self, tree: Tree) -> Tree | None:
        """Make the spare (the output this build replaced, whose tree is `live`) hold what the new output
        holds: each file whose stamp differs is linked in from the new output. The next build, which
        starts from the spare, then finds there every file this build wrote, and links none of them
        (an edit's build after a title's linked some 1,400 lists, feeds and pages from the output).
        Only where the build changed a small share of the output (`MOST_TO_CATCH_UP`): after one that
        changed most files (a new template), the next build may well change them all again, and a
        link a file (some 70 µs) is the next build's to make where it needs it. Return the spare's
        tree: `live` where it is left as it is (also where a file of it is gone from the new output),
        None where a link failed (the next build does not trust the spare). The next build checks the
        spare's files against it either way."""
        old = self.live
        if not old.files or not (old.files.keys() <= tree.files.keys() and old.folders.keys() <= tree.folders.keys()):
            return old
        spare, target, known = str(self.spare_folder), str(self.target), {"", *old.folders}
        recorded = old.files.get
        changed = [relative for relative, stamp in tree.files.items() if recorded(relative) != stamp]
        if len(changed) > len(tree.files) * MOST_TO_CATCH_UP:
            return old
        # Many replaced files go to the trash (their blocks are freed after the build); a few are
        # removed here, which costs less than the deleting process's fork.
        put_aside = self._discard if len(changed) > FEW_TO_REMOVE else os.unlink
        touched: set[str] = set()  # folders of the spare whose entries change
        try:
            for relative in changed:
                file, folder = f"{spare}/{relative}", relative.rpartition("/")[0]
                if folder not in known:
                    touched.update(_made(spare, folder, known))
                with contextlib.suppress(FileNotFoundError):
                    put_aside(file)
                os.link(f"{target}/{relative}", file)
                touched.add(folder)
            folders = dict(old.folders)  # and each folder made, which is among those touched
            for folder in touched:
                folders[folder] = os.stat(f"{spare}/{folder}" if folder else spare).st_mtime_ns
        except OSError:
            return None
        return Tree(steps=dict(tree.steps), files=dict(tree.files), folders=folders)

    def _survey(self, changed: set[str]) -> Tree:
        """The new tree: each file's size and modification time, and each folder's. Files kept from the
        previous build keep their recorded stamps; folders are read again where entries came or went."""
        folder = str(self.staging)
        tree = Tree(steps=dict(self.steps), files=dict(self.kept))  # every file kept was written (claimed)
        known = self.spare.folders if self.in_place else {}
        stamps, self.stamps = self.stamps, {}  # moved into the tree as it is made
        for relative in self.written.difference(self.kept):
            stamp = stamps.pop(relative, None)  # None: a file of the spare found as it would be written
            tree.files[relative] = stamp if stamp is not None else stamp_of(os.stat(f"{folder}/{relative}"))
            if known:  # without known stamps every folder is read anyway: no set of them all
                changed.update(_ancestors(relative))
        for relative in self._folders(known):
            stamp = known.get(relative)
            if stamp is None or relative in changed:
                stamp = os.stat(f"{folder}/{relative}" if relative else folder).st_mtime_ns
            tree.folders[relative] = stamp
        return tree

    def _folders(self, known: dict[str, int]) -> Iterable[str]:
        """The folders holding the files written: every ancestor of each. Where the build wrote the very
        paths of the spare it started from (an edit's build), those are the spare's recorded folders."""
        if known and self.written == self.spare.files.keys():
            return known.keys()
        folders = {""}
        for parent in {relative.rpartition("/")[0] for relative in self.written}:  # some 5 files a folder
            while parent not in folders:
                folders.add(parent)
                parent = parent.rpartition("/")[0]
        return folders

    def discard(self) -> None:
        if self.staging is not None:
            remove_tree(self.staging)
            self.staging = None
            with contextlib.suppress(OSError):
                os.rmdir(self.work)  # only when nothing else is kept there


def _write_new(file: str, data: bytes) -> None:
    """Write a file with three system calls (open, write, close): no buffer object, no stat, no tty check."""
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def real_output(target: Path) -> Path:
    """The folder a build replaces: an output that is a symbolic link (`site -> /srv/www/site`) is
    built at the link's target, so the link stays; a link whose target's folder is missing, or a
    loop of links, is refused before anything is written."""
    target = Path(os.path.abspath(target))
    real = Path(os.path.realpath(target))
    if real.is_symlink():  # realpath stops at a link only in a loop
        raise OutputError(f"{target}: a loop of symbolic links; nothing was written")
    if target.is_symlink() and not real.parent.is_dir():
        raise OutputError(
            f"{target}: a symbolic link to {real}, whose folder {real.parent} does not exist; nothing was written"
        )
    return real


def beside(target: Path) -> Path:
    """The work folder of an output kept outside the publication: hidden beside it, private to its owner."""
    return target.with_name(f".{target.name}.signalbrief")


def work_folder(target: Path, cache: Path) -> Path:
    """Where a build keeps its hidden folders, its spare and its state for a (real) output folder:
    under the publication's cache folder when the output lies inside the publication on the same
    file system (so nothing of it sits in a folder that is deployed), else hidden beside the output.
    In the cache folder it is named by the output's path, so a build can tell when that output is gone."""
    publication = cache.parent.resolve()
    if target.parent == publication or publication in target.parent.parents:
        with contextlib.suppress(OSError):
            if os.stat(_existing(cache)).st_dev == os.stat(_existing(target.parent)).st_dev:
                name = quote(target.relative_to(publication).as_posix(), safe="")
                if len(name) > 200:
                    import hashlib  # here: only for such long names

                    name = "~" + hashlib.sha256(name.encode()).hexdigest()[:32]
                return cache / OUTPUTS / name
    return beside(target)


def output_of(work: Path) -> Path | None:
    """The output folder a work folder in the publication's cache folder belongs to (None if unknown)."""
    relative = unquote(work.name)
    if work.name.startswith("~") or not inside(relative):
        return None
    return work.parent.parent.parent / relative


def _existing(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _make_private(folder: Path) -> None:
    """Create a work folder readable by its owner only: it holds member editions (the spare)."""
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is narrowed by the umask, never widened; be exact


LOCK_FILE = "lock"
OUTPUTS = "outputs"  # work folders in the cache folder, by output path
PATIENCE = 600.0  # seconds a build waits for another build of the same output


@contextmanager
def locked(work: Path, shown: object, patience: float | None = None) -> Iterator[None]:
    """Hold the lock of an output's work folder while building it. A second build of the same
    output waits (saying so once), then gives up with exit 4. The lock is an flock: the kernel
    drops it when its holders die, and a build's forked workers hold it too, so a killed build's
    workers are gone before the next build touches their folder."""
    waited = False
    deadline = time.monotonic() + (PATIENCE if patience is None else patience)
    while True:
        fd = _open_lock(work)
        if fd is not None:
            if _try_lock(fd) and _still_there(fd, work / LOCK_FILE):
                break
            os.close(fd)
        if time.monotonic() > deadline:
            raise OutputError(f"{shown}: another build of this output is running; try again when it has finished")
        if not waited:
            print(f"{shown}: waiting for another build of this output to finish", file=sys.stderr, flush=True)
            waited = True
        time.sleep(0.05)
    try:
        yield
    finally:
        _forget_if_empty(work)
        os.close(fd)


def _open_lock(work: Path) -> int | None:
    """Open (or create) a work folder's lock file; None when another build removed the folder meanwhile."""
    try:
        _make_private(work)
        return os.open(work / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"{work}: cannot create the work folder: {exc.strerror or exc}") from None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _still_there(fd: int, path: Path) -> bool:
    """Whether a lock just taken is on the file at its path (not on one a pruning build removed)."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except OSError:
        return False


def _forget_if_empty(work: Path) -> None:
    """Remove a work folder that holds nothing but its lock (a first build that failed), so a
    failed build leaves nothing behind; its lock file goes first, while still held."""
    with contextlib.suppress(OSError):
        if {entry.name for entry in os.scandir(work)} <= {LOCK_FILE}:
            os.unlink(work / LOCK_FILE)
            os.rmdir(work)


def try_locked(work: Path) -> int | None:
    """Take a work folder's lock without waiting: its file descriptor, or None while a build holds it."""
    try:
        fd = os.open(work / LOCK_FILE, os.O_RDWR)
    except OSError:
        return None
    if _try_lock(fd) and _still_there(fd, work / LOCK_FILE):
        return fd
    os.close(fd)
    return None


def forget_output(work: Path) -> None:
    """Remove a work folder of the publication's cache folder whose output is gone (no folder with
    our marker), unless a build of that output holds it."""
    output = output_of(work)
    if output is None or (output / MARKER).is_file():
        return
    fd = try_locked(work)
    if fd is not None:
        try:
            remove_tree(work)
        finally:
            os.close(fd)


def inside(relative: str) -> bool:
    """Whether a relative path names something inside a folder: no `..`, `.`, empty or absolute parts."""
    wrapped = f"/{relative}/"
    return not ("//" in wrapped or "/./" in wrapped or "/../" in wrapped or "\\" in relative or "\0" in relative)


def _held(tree: Tree, folder: str, key: str) -> list[tuple[int, int]] | None:
    """The (device, inode) of each of a step's files, if the folder still holds them exactly as the
    tree recorded them; None otherwise."""
    paths, files, found = tree.steps.get(key), tree.files, []
    if paths is None:
        return None
    for relative in paths:
        try:
            info = os.stat(f"{folder}/{relative}")
        except OSError:
            return None
        if stamp_of(info) != files.get(relative):
            return None
        found.append((info.st_dev, info.st_ino))
    return found


def _made(root: str, folder: str, known: set[str]) -> list[str]:
    """Make `folder` (relative to `root`) and those of its ancestors not `known`, adding them there;
    return the folders whose entries changed (the parent of each one made)."""
    missing = []
    while folder not in known:
        missing.append(folder)
        folder = folder.rpartition("/")[0]
    for made in reversed(missing):
        os.mkdir(f"{root}/{made}")
        known.add(made)
    return [made.rpartition("/")[0] for made in missing]


def _lstat(file: str) -> os.stat_result | None:
    """A file's stat, the file itself if it is a link; None where there is none."""
    try:
        return os.stat(file, follow_symlinks=False)
    except OSError:
        return None


def _holds_bytes(file: str, data: bytes) -> bool:
    """Whether `file` is a plain file holding exactly `data` (a link is never followed, nor a pipe
    waited on): a build in the spare keeps such a file rather than writing it again, so it stays
    shared with the output (the next build then need not link it again)."""
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        held = bytearray()
        while len(held) <= len(data) and (chunk := os.read(fd, len(data) + 1 - len(held))):
            held += chunk
        return held == data
    except OSError:
        return False
    finally:
        os.close(fd)


# The fewest files a forked process takes over from `files_hold` (fewer cost more than its fork).
FILES_PER_CHECKER = 4000


def files_hold(folder: str, files: dict[str, int]) -> bool:
    """Whether every recorded file of a whole tree still has its stamp. A build that finds nothing
    changed is mostly these stats: each path is looked up from the open folder, and where processes
    can be forked the paths are shared with forked ones, one for each other usable core and at least
    `FILES_PER_CHECKER` paths (on two cores, 19,000 stats took 40 ms instead of 78)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        stamps = list(files.items())
        shares = _checkers(len(stamps))
        pids = [_checking(fd, stamps[index::shares]) for index in range(1, shares)]
        holds = _holding(fd, stamps[0::shares])
        return _all_held(pids, holds) and holds
    finally:
        os.close(fd)


def _checkers(count: int) -> int:
    """How many processes share `count` stats: this one, and as many forked as are worth it."""
    if not _may_fork():
        return 1
    return max(1, min(usable_cores(), count // FILES_PER_CHECKER))


def _may_fork() -> bool:
    """Whether this process may fork a checker: not where there is no fork, nor beside threads (a
    forked child of a threaded process may wait forever on a lock another thread held)."""
    import threading

    return hasattr(os, "fork") and threading.active_count() == 1


def _holding(fd: int, stamps: list[tuple[str, int]]) -> bool:
    return next(_differing("", stamps, fd), None) is None


def _checking(fd: int, stamps: list[tuple[str, int]]) -> int:
    """A forked process that exits with 0 only if every stamp holds; 0 (no process) where none can be
    forked: then they are checked here."""
    try:
        pid = os.fork()
    except OSError:
        return 0 if _holding(fd, stamps) else -1
    if pid == 0:  # the child: it answers by its exit status and leaves without any cleanup
        code = 1
        try:
            code = 0 if _holding(fd, stamps) else 1
        finally:
            os._exit(code)
    return pid


def _all_held(pids: list[int], holds: bool) -> bool:
    """Whether every checking process found its stamps holding (-1: a share checked here that did
    not); those still running are stopped once this process found a difference."""
    held = -1 not in pids
    for pid in pids:
        if pid <= 0:
            continue
        if not holds or not held:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        held = held and os.waitstatus_to_exitcode(status) == 0
    return held


def _differing(prefix: str, stamps: Iterable[tuple[str, int | None]], dir_fd: int | None = None) -> Iterator[str]:
    """Each relative path whose file (`prefix` + path, from `dir_fd` if given) is gone or differs from
    its recorded stamp: one loop, no call per file but the stat (a build that finds nothing changed
    is mostly this)."""
    stat = os.stat
    for relative, stamp in stamps:
        try:
            info = stat(f"{prefix}{relative}", dir_fd=dir_fd)
        except OSError:
            yield relative
            continue
        if (info.st_size << 64 | info.st_mtime_ns) != stamp:  # `stamp_of`, inlined
            yield relative


def stamp_of(info: os.stat_result) -> int:
    """A file's size and modification time as one number: it changes when the file is written."""
    return info.st_size << 64 | info.st_mtime_ns


# A build that finds nothing changed, and one that renders a brief, need neither tempfile nor
# shutil (with random, bz2, lzma and fnmatch they were 8-12 ms of their imports): the few files and
# folders of our own are made here, and shutil is imported where a tree is removed or a file copied.


def new_file(folder: str, prefix: str, suffix: str = "") -> tuple[int, str]:
    """A new file of our own in `folder`, open for writing, as `tempfile.mkstemp` makes one: created
    by this call (never one that exists, nor through a link), readable by its owner only."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(_TRIES):
        name = f"{folder}/{prefix}{os.urandom(6).hex()}{suffix}"
        with contextlib.suppress(FileExistsError):
            return os.open(name, flags, 0o600), name
    raise FileExistsError(f"{folder}: no new name for a file")


def new_folder(folder: str, prefix: str) -> str:
    """A new folder of our own in `folder`, as `tempfile.mkdtemp` makes one (made by this call, its
    owner's alone)."""
    for _ in range(_TRIES):
        name = f"{folder}/{prefix}{os.urandom(6).hex()}"
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o700)
            return name
    raise FileExistsError(f"{folder}: no new name for a folder")


_TRIES = 100  # new names tried (each of 48 random bits) before giving up


def remove_tree(folder: str | Path) -> None:
    """Remove a folder and all it holds, as far as it can be removed."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _copy(source: str, file: str) -> None:
    """Copy a file with its time stamps (where it cannot be linked)."""
    import shutil

    shutil.copy2(source, file)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        import shutil

        shutil.rmtree(path)


def _ancestors(relative: str) -> list[str]:
    """The folders holding a file, innermost first, down to the output folder itself ("")."""
    found = []
    while relative:
        relative = relative.rpartition("/")[0]
        found.append(relative)
    return found


def _tidy(folder: Path, tree: Tree, changed: set[str]) -> set[str]:
    """Remove from a spare whatever it did not hold when it was recorded: a folder whose time stamp
    changed (one of `changed`) had entries added or removed, so only such folders are listed.
    Returns the folders listed."""
    listed = set()
    for relative in changed:
        path = f"{folder}/{relative}" if relative else str(folder)
        try:
            with os.scandir(path) as entries:
                names = [entry.name for entry in entries]
        except OSError:
            continue
        listed.add(relative)
        for name in names:
            inner = f"{relative}/{name}" if relative else name
            if inner not in tree.files and inner not in tree.folders and inner != MARKER:
                _remove(f"{folder}/{inner}")
    return listed


def _remove_unwritten(folder: str, tree: Tree, written: set[str]) -> set[str]:
    """Remove the spare's files this build did not write or keep, then folders left empty; return
    the folders whose entries changed."""
    changed: set[str] = set()
    for relative in tree.files:
        if relative not in written:
            _remove(f"{folder}/{relative}")
            changed.update(_ancestors(relative))
    for relative in sorted(changed, key=len, reverse=True):
        if relative:
            with contextlib.suppress(OSError):
                os.rmdir(f"{folder}/{relative}")  # only succeeds when empty
    return changed


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder")
    if any(target.iterdir()) and not (target / MARKER).is_file():
        raise OutputError(
            f"{target}: not empty and not written by signalbrief; nothing was changed "
            "(choose another -o folder, or empty this one)"
        )


# Folders of a work folder holding what builds put aside (`Output._discard`), until `delete_trash`.
TRASH = "trash-"
# The most files a build removes from the spare itself rather than through the trash (each costs up
# to some 0.15 ms where it is the last link; the deleting process's forks cost more than a few).
FEW_TO_REMOVE = 64
# The largest share of the output's files a build may have changed and still bring the spare up to date.
MOST_TO_CATCH_UP = 0.25


def delete_trash(work: Path) -> None:
    """Delete the work folder's trash where no one waits for it: in a process of its own, which the
    build neither waits for nor shares a file with (the output's lock stays the build's alone, and a
    pipe reading the build's output ends with the build). Where no process may be forked (threads
    run), here. A deleting process killed leaves its folders to the next build's."""
    folders = [str(folder) for folder in work.glob(f"{TRASH}*")]
    if not folders:
        return
    if not _may_fork():
        for folder in folders:
            remove_tree(folder)
        return
    import shutil  # noqa: F401  # imported here, before the fork: the deleting process imports nothing

    child = os.fork()
    if child == 0:  # a process that forks the deleting one and leaves: no one waits for that one
        try:
            if os.fork() == 0:
                _deleting(folders)
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def _deleting(folders: list[str]) -> None:
    """The deleting process: in a session of its own, with nothing of the build's open (its standard
    streams are /dev/null), it removes the folders."""
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    for folder in folders:
        remove_tree(folder)


def _remove_stale_builds(target: Path) -> None:
    """Remove the hidden folders older versions kept beside the output. (The build folders killed builds
    left in the work folder are put aside by `Output.open`: whoever holds the work folder's lock is the
    only build of this output, and a killed build's workers held it until they died.)"""
    for old in [target.with_name(f".{target.name}.previous"), *target.parent.glob(f".{target.name}.build-*")]:
        _remove_ours(old)


def _remove_ours(folder: Path) -> None:
    if not folder.is_symlink() and folder.is_dir() and (folder / MARKER).is_file():
        remove_tree(folder)


def _swap_into_place(temp: Path, target: Path, spare: Path) -> bool:
    """Put the new build at the target in one step; the folder it replaces becomes the spare."""
    if not target.exists():
        os.rename(temp, target)
        return False
    replace_folder(temp, target)
    _remove(str(spare))
    if (temp / MARKER).is_file():
        os.rename(temp, spare)
        return True
    remove_tree(temp)  # an empty folder the first build replaced
    return False


def replace_folder(new: Path, target: Path) -> None:
    """Put a complete folder at `target` in one step; what was there is left at `new`, for the
    caller to keep or remove. Where two folders cannot be swapped at once (not Linux), the old one
    is renamed away first, so for a moment there is none."""
    if _exchange(new, target):
        return
    old = new.with_name(new.name + "-old")
    os.rename(target, old)
    os.rename(new, target)
    os.rename(old, new)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where that is unavailable."""
    import ctypes  # here: a build that finds nothing changed swaps nothing

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    return result == 0
