"""The writer keeps every path inside the output folder and writes each file once."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from signalbrief import writer
from signalbrief.errors import OutputError
from signalbrief.writer import MARKER, Output, SpareCheck
from tests.conftest import BETA


def opened(target):
    output = Output(target)
    output.open()
    return output


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/passwd", "a/../../b", "a//b", "a\\b", "./a", "a/\0b", ""])
def test_paths_outside_the_output_are_refused(bad, tmp_path):
    with pytest.raises(OutputError, match="refusing a path outside the output folder"):
        opened(tmp_path / "site").add(bad, "x")
    assert not list(tmp_path.rglob("escape.html"))


def test_a_file_is_written_once(tmp_path):
    output = opened(tmp_path / "site")
    output.add("public/en/index.html", "one")
    with pytest.raises(OutputError, match="written twice"):
        output.add("public/en/index.html", "two")


def test_nothing_is_visible_before_commit_and_discard_leaves_nothing(tmp_path):
    output = opened(tmp_path / "site")
    output.add("index.html", "x")
    assert not (tmp_path / "site").exists()
    output.discard()
    assert list(tmp_path.iterdir()) == []


def test_commit_swaps_in_the_new_folder_and_marks_it(tmp_path):
    target = tmp_path / "site"
    first = opened(target)
    first.add("a/old.html", "old")
    first.commit()
    second = opened(target)
    second.add("a/new.html", "new")
    second.commit()
    assert sorted(p.name for p in target.rglob("*") if p.is_file()) == [MARKER, "new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.signalbrief", "site"]
    assert os.listdir(tmp_path / ".site.signalbrief") == ["previous"]
    assert (tmp_path / ".site.signalbrief/previous/a/old.html").read_text() == "old"  # the spare: the replaced output


def built(target, files, live=None, spare=None, *, forked=False, together=False):
    """One build that writes each step's files (step key -> {path: text}) unless it can reuse them;
    `forked`: the spare's stamps are checked by a forked process, as a build does; `together`: the
    steps are offered for reuse all at once (`reuse_all`), as a build offers its briefs'."""
    output = Output(target, live, spare)
    if forked:
        output.spare_check.start()
        assert output.spare_check.pid
    output.open()
    missing = output.reuse_all(list(files)) if together else set()
    reused = []
    for key, step in files.items():
        if key not in missing if together else output.reuse(key):
            reused.append(key)
            continue
        with output.step(key):
            for path, text in step.items():
                output.add(path, text)
    return output, reused


def test_a_build_starts_from_the_spare_and_never_writes_through_a_shared_file(tmp_path):
    target = tmp_path / "site"
    steps = {"a": {"a/page.html": "one"}, "b": {"b/page.html": "bee"}, **UNCHANGED}
    first, _ = built(target, steps)
    one = first.commit()
    second, reused = built(target, steps, one)  # links the unchanged files from the output
    assert reused == ["a", "b", "z"]
    two = second.commit()
    assert os.stat(target / "a/page.html").st_ino == os.stat(tmp_path / ".site.signalbrief/previous/a/page.html").st_ino
    changed = {"a2": {"a/page.html": "two"}, "b": steps["b"], **UNCHANGED}
    third, reused = built(target, changed, two, one)  # starts from the spare, in place
    assert third.in_place and reused == ["b", "z"]
    assert (target / "a/page.html").read_text() == "one"  # the live output is untouched before commit
    third.commit()
    assert (target / "a/page.html").read_text() == "two"
    # The spare (the output it replaced) is brought up to date: it holds the new file, linked.
    spare_page = tmp_path / ".site.signalbrief/previous/a/page.html"
    assert os.stat(spare_page).st_ino == os.stat(target / "a/page.html").st_ino
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.signalbrief", "site"]


@pytest.mark.parametrize("together", [False, True], ids=["one-by-one", "together"])
@pytest.mark.parametrize("forked", [False, True], ids=["checked-here", "checked-by-a-forked-process"])
def test_files_added_or_edited_in_the_spare_do_not_reach_the_next_build(tmp_path, forked, together):
    target = tmp_path / "site"
    steps = {"a": {"a/page.html": "one"}, "b": {"b/page.html": "bee"}}
    first, _ = built(target, steps)
    one = first.commit()
    second, _ = built(target, {"c": {"c/page.html": "sea"}, **steps}, one)
    two = second.commit()
    spare = tmp_path / ".site.signalbrief/previous"
    (spare / "a/extra.html").write_text("added by hand")
    (spare / "stray").mkdir()
    (spare / "stray/x.html").write_text("x")
    (spare / "b/page.html").write_text("edited by hand")
    third, reused = built(target, steps, two, one, forked=forked, together=together)
    assert third.in_place and reused == ["a"]  # b was edited: written again
    third.commit()
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == [MARKER, "a/page.html", "b/page.html"]  # and c, which this build did not write, is gone
    assert (target / "b/page.html").read_text() == "bee"


def test_steps_reused_together_are_those_reused_one_by_one(tmp_path):
    steps = {f"s{n}": {f"b{n}/index.html": f"page {n}", f"b{n}/index.md": f"text {n}"} for n in range(5)}
    edited = {**steps, "s2-new": {"b2/index.html": "edited", "b2/index.md": "edited"}}
    del edited["s2"]
    trees = {}
    for together in (False, True):
        target = tmp_path / str(together) / "site"
        one = built(target, steps)[0].commit()
        two = built(target, steps, one)[0].commit()
        third, reused = built(target, edited, two, one, together=together)
        assert third.in_place and reused == ["s0", "s1", "s3", "s4"]
        trees[together] = third.commit()
        assert (target / "b2/index.html").read_text() == "edited" and (target / "b3/index.md").read_text() == "text 3"
    assert trees[True].steps == trees[False].steps and trees[True].files.keys() == trees[False].files.keys()


def test_a_step_whose_file_the_spare_s_tree_lacks_is_rendered_and_the_others_reused_together(tmp_path):
    target = tmp_path / "site"
    steps = {"a": {"a/page.html": "one"}, "b": {"b/page.html": "bee"}}
    one = built(target, steps)[0].commit()
    two = built(target, steps, one)[0].commit()
    del one.files["b/page.html"]  # recorded without it: that step cannot be taken from the spare
    third, reused = built(target, steps, two, one, together=True)
    assert third.in_place and reused == ["a", "b"]  # b taken from the output instead, linked
    third.commit()
    assert (target / "b/page.html").read_text() == "bee"


def test_a_spare_s_tree_with_a_file_in_two_steps_is_refused(tmp_path):
    target = tmp_path / "site"
    steps = {"a": {"a/page.html": "one"}, "b": {"b/page.html": "bee"}}
    one = built(target, steps)[0].commit()
    two = built(target, steps, one)[0].commit()
    one.steps["b"] = ["b/page.html", "a/page.html"]
    with pytest.raises(OutputError, match=r"a/page\.html: written twice"):
        built(target, steps, two, one, together=True)


# --- What a build puts aside is deleted after it, where no one waits ---


@pytest.fixture
def trash_kept(monkeypatch):
    """Builds whose trash is left where they put it (`delete_trash` does nothing), to be looked at."""
    monkeypatch.setattr(writer, "delete_trash", lambda work: None)


@pytest.fixture
def spare_left_behind(monkeypatch):
    """Builds that leave the spare as the output they replaced (as one that removed files does), so
    the next build finds files there older than the output's."""
    monkeypatch.setattr(writer.Output, "_catch_up", lambda self, tree: self.live)


def trash_of(target):
    work = target.parent / f".{target.name}.signalbrief"
    return sorted(work.glob(f"{writer.TRASH}*"))


def test_a_spare_s_last_copy_of_a_file_is_put_aside_not_unlinked(tmp_path, trash_kept, spare_left_behind):
    target = tmp_path / "site"
    one = built(target, {"a1": {"a/page.html": "one"}, "b": {"b/page.html": "bee"}})[0].commit()
    two = built(target, {"a2": {"a/page.html": "two"}, "b": {"b/page.html": "bee"}}, one)[0].commit()
    assert trash_of(target) == []
    third, reused = built(target, {"a2": {"a/page.html": "two"}, "b": {"b/page.html": "bee"}}, two, one)
    assert third.in_place and reused == ["a2", "b"]  # a2 linked from the output over the spare's old page
    third.commit()
    (trash,) = trash_of(target)
    assert [p.read_text() for p in trash.iterdir()] == ["one"]  # b, shared with the output, stayed
    assert (target / "a/page.html").read_text() == "two" and (target / "b/page.html").read_text() == "bee"


def test_a_spare_of_unknown_files_is_put_aside_whole(tmp_path, trash_kept):
    target = tmp_path / "site"
    steps = {"a": {"a/page.html": "one"}}
    one = built(target, steps)[0].commit()
    two = built(target, steps, one)[0].commit()
    built(target, steps, two, None)[0].commit()  # the spare's tree unknown (a lost state): not used
    (trash,) = trash_of(target)
    assert [p.name for p in trash.iterdir()] == ["0"] and (trash / "0" / "a/page.html").read_text() == "one"


def test_the_trash_is_deleted_by_a_process_that_holds_neither_the_lock_nor_the_build_s_output(tmp_path):
    work, go = tmp_path / "work", tmp_path / "go"
    (work / f"{writer.TRASH}x" / "a").mkdir(parents=True)
    (work / f"{writer.TRASH}x" / "a" / "page.html").write_text("old")
    script = f"""
import os, shutil, time
from pathlib import Path
from signalbrief import writer
def waiting(folder):  # the deleting process waits for the test's word (a minute at most)
    deadline = time.monotonic() + 60
    while not os.path.exists({str(go)!r}) and time.monotonic() < deadline:
        time.sleep(0.01)
    shutil.rmtree(folder)
writer.remove_tree = waiting
with writer.locked(Path({str(work)!r}), "site"):
    writer.delete_trash(Path({str(work)!r}))
print("built")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.stdout == "built\n"  # the pipe ended with the build, not with the deleting process
    assert (work / f"{writer.TRASH}x").exists()  # still waiting
    fd = writer.try_locked(work)
    assert fd is not None  # the lock went with the build
    os.close(fd)
    go.touch()
    for _ in range(1000):
        if not (work / f"{writer.TRASH}x").exists():
            break
        time.sleep(0.01)
    assert listing(work) == ["lock"]


def test_with_threads_running_the_trash_is_deleted_at_once(tmp_path):
    (tmp_path / f"{writer.TRASH}x" / "a").mkdir(parents=True)
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        writer.delete_trash(tmp_path)
        assert listing(tmp_path) == []
    finally:
        stop.set()
        waiting.join()


def inode(path):
    return os.stat(path, follow_symlinks=False).st_ino


@pytest.mark.parametrize("spare_has", ["the file", "a link to the same bytes", "a pipe"])
def test_a_file_written_again_with_the_bytes_the_spare_holds_is_kept_shared(tmp_path, spare_has, spare_left_behind):
    """A step rendered again (its key changed) mostly writes what it wrote before (a list with one
    row changed): such a file stays as the spare has it, shared with the output, and the next build
    need not link it again. Never a link or a pipe the spare holds instead."""
    target, spare = tmp_path / "site", tmp_path / ".site.signalbrief/previous"
    steps = {"list": {"l/1.html": "one", "l/2.html": "two"}}
    one = built(target, steps)[0].commit()
    two = built(target, steps, one)[0].commit()  # linked: the output and the spare share both files
    if spare_has == "a link to the same bytes":
        (tmp_path / "elsewhere").write_text("one")
        (spare / "l/1.html").unlink()
        (spare / "l/1.html").symlink_to(tmp_path / "elsewhere")
    elif spare_has == "a pipe":
        (spare / "l/1.html").unlink()
        os.mkfifo(spare / "l/1.html")
    shared = inode(target / "l/1.html")
    third, reused = built(target, {"list-2": {"l/1.html": "one", "l/2.html": "TWO"}}, two, one)
    assert third.in_place and reused == []
    third.commit()
    assert (target / "l/1.html").read_text() == "one" and (target / "l/2.html").read_text() == "TWO"
    assert (spare / "l/2.html").read_text() == "two"  # the changed file was not written through
    assert (inode(target / "l/1.html") == shared) == (spare_has == "the file")
    assert (target / "l/1.html").is_file() and not (target / "l/1.html").is_symlink()


def test_a_step_linked_from_the_output_leaves_the_files_the_spare_already_shares(tmp_path, monkeypatch):
    from signalbrief.writer import Tree

    target = tmp_path / "site"
    steps = {"list": {"l/1.html": "one", "l/2.html": "two"}}
    one = built(target, steps)[0].commit()
    two = built(target, steps, one)[0].commit()  # the output and the spare share both files
    (tmp_path / "other").write_text("two")
    os.replace(tmp_path / "other", tmp_path / ".site.signalbrief/previous/l/2.html")  # one no longer shared
    linked = []
    real_link = os.link
    monkeypatch.setattr(os, "link", lambda source, file: linked.append(file) or real_link(source, file))
    spare = Tree(steps={}, files=one.files, folders=one.folders)  # the spare's tree lacks the step: linked
    third, reused = built(target, steps, two, spare)
    assert third.in_place and reused == ["list"]
    assert [os.path.basename(file) for file in linked] == ["2.html"]
    third.commit()
    assert (target / "l/1.html").read_text() == "one" and (target / "l/2.html").read_text() == "two"
    assert inode(target / "l/2.html") == inode(tmp_path / ".site.signalbrief/previous/l/2.html")


def spare_with_changes(tmp_path):
    """A spare recorded by the build before, then one of its files and one of its folders changed."""
    target = tmp_path / "site"
    steps = {"a": {"a/page.html": "one"}, "b": {"b/page.html": "bee"}}
    one = built(target, steps)[0].commit()
    two = built(target, {"c": {"c/page.html": "sea"}, **steps}, one)[0].commit()
    spare = tmp_path / ".site.signalbrief/previous"
    (spare / "b/page.html").write_text("edited by hand")
    (spare / "a/extra.html").write_text("added by hand")
    return SpareCheck(spare, one), two


def finds_the_changes(found):
    """Whether a spare check found the edited file and the folder a file was added to (the spare's own
    folder may differ too: it was moved there)."""
    files, folders = found
    return files == {"b/page.html"} and "a" in folders and not folders & {"b", "c"}


def test_a_spare_check_in_a_forked_process_finds_what_the_stats_here_find(tmp_path):
    check, _ = spare_with_changes(tmp_path)
    here = SpareCheck(check.folder, check.tree).differences()
    check.start()
    assert check.pid
    assert check.differences() == here
    assert finds_the_changes(here)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the process was waited for


@pytest.mark.parametrize("answer", [None, b"[[1], []]", b'{"a": 1}', b"not json"])
def test_a_spare_check_whose_process_fails_or_says_nonsense_is_made_here(tmp_path, monkeypatch, answer):
    check, _ = spare_with_changes(tmp_path)

    def bad_answer(fd, found):
        if answer is None:
            raise OSError("the process fails")
        os.write(fd, answer)

    monkeypatch.setattr(writer, "_answer", bad_answer)
    check.start()
    assert check.pid
    assert finds_the_changes(check.differences())


def test_a_spare_check_never_asked_for_is_ended_with_its_build(tmp_path):
    check, _ = spare_with_changes(tmp_path)
    check.start()
    pid = check.pid
    check.stop()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_no_process_is_forked_while_threads_run(tmp_path):
    check, _ = spare_with_changes(tmp_path)
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        check.start()
    finally:
        done.set()
        thread.join()
    assert not check.pid
    assert finds_the_changes(check.differences())


def test_commit_cleans_stale_temporary_folders_of_killed_builds(tmp_path):
    stale = tmp_path / ".site.build-abc123"
    stale.mkdir()
    (stale / MARKER).write_text("x")
    foreign = tmp_path / ".site.build-notours"
    foreign.mkdir()
    output = opened(tmp_path / "site")
    output.add("index.html", "x")
    output.commit()
    assert not stale.exists()
    assert foreign.exists()  # not ours: left alone


def test_unwritable_parent_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        opened(blocker / "site")


# --- Output layout: symbolic links, the work folder, pruning (issue 15, points 2 and 13) ---


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_an_output_that_is_a_symbolic_link_is_built_at_its_target(publication, run, tmp_path):
    root = publication()
    www = tmp_path / "www"
    www.mkdir()
    (root / "site").symlink_to(www / "site")  # dangling until the first build
    for body in ("Body 1.", "Body 2."):
        (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", body), encoding="utf-8")
        result = run(root, "build", "--allow-untranslated")
        assert result.exit_code == 0, result.stderr
        assert (root / "site").is_symlink() and os.readlink(root / "site") == str(www / "site")
        assert body in (www / "site/public/en/beta/index.html").read_text(encoding="utf-8")
        assert (www / "site" / MARKER).is_file()
        assert listing(root) == [".signalbrief", "briefs", "site"]
        assert listing(www) == [".site.signalbrief", "site"]  # the spare and state: hidden, private
        assert os.stat(www / ".site.signalbrief").st_mode & 0o777 == 0o700
    assert "Body 1." in (www / ".site.signalbrief/previous/public/en/beta/index.html").read_text(encoding="utf-8")


def test_a_symbolic_link_to_a_missing_folder_is_refused_before_anything_is_written(publication, run, tmp_path):
    root = publication()
    (root / "site").symlink_to(tmp_path / "gone/site")
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 4
    assert result.stderr.startswith("error: ") and "symbolic link" in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "gone").exists() and (root / "site").is_symlink()
    assert listing(root) in (["briefs", "site"], [".signalbrief", "briefs", "site"])


def test_a_loop_of_symbolic_links_is_refused(publication, run):
    root = publication()
    (root / "site").symlink_to(root / "other")
    (root / "other").symlink_to(root / "site")
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 4 and "loop of symbolic links" in result.stderr
    assert (root / "site").is_symlink() and (root / "other").is_symlink()


def test_hidden_folders_of_an_output_in_the_publication_live_under_signalbrief(publication, run):
    root = publication()
    for body in ("Body 1.", "Body 2."):
        (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", body), encoding="utf-8")
        assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert listing(root) == [".signalbrief", "briefs", "site"]  # nothing hidden beside the output
    work = root / ".signalbrief/outputs/site"
    assert os.stat(work).st_mode & 0o777 == 0o700
    assert listing(work) == ["fragments.json", "lock", "previous", "state.json", "trees.json"]


def test_the_hidden_folders_older_versions_left_beside_the_output_are_removed(publication, run):
    root = publication()
    old = [root / ".site.previous", root / ".site.build-x1y2"]
    for folder in old:
        (folder / "strategy-circle").mkdir(parents=True)
        (folder / MARKER).write_text("x")
    (root / ".signalbrief").mkdir()
    (root / ".signalbrief/build-0123456789abcdef.json").write_text("{}")
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert listing(root) == [".signalbrief", "briefs", "site"]
    assert not list((root / ".signalbrief").glob("build-*"))


def test_work_folders_of_outputs_that_are_gone_are_pruned(publication, run):
    root = publication()
    for name in ("one", "two", "out/three"):
        assert run(root, "build", "--allow-untranslated", "-o", name).exit_code == 0
    assert listing(root / ".signalbrief/outputs") == ["one", "out%2Fthree", "two"]
    shutil.rmtree(root / "one")
    shutil.rmtree(root / "out")
    assert run(root, "build", "--allow-untranslated").exit_code == 0
    assert listing(root / ".signalbrief/outputs") == ["site", "two"]


def test_a_failed_first_build_leaves_nothing_beside_its_output(publication, run, tmp_path):
    root = publication({"beta": BETA.replace("funding", "fundng")})
    www = tmp_path / "www"
    www.mkdir()
    assert run(root, "build", "--allow-untranslated", "-o", str(www / "site")).exit_code == 1
    assert listing(www) == []


def test_each_folder_is_made_once_and_files_are_written_whole(tmp_path, monkeypatch):
    output = opened(tmp_path / "site")
    made = []
    real_mkdir = os.mkdir  # os.makedirs calls it for each folder it makes
    monkeypatch.setattr(os, "mkdir", lambda path, *a, **k: made.append(path) or real_mkdir(path, *a, **k))
    big = "x" * (1 << 20)
    for name in ("index.html", "index.md", "feed.xml"):
        output.add(f"public/en/brief-1/{name}", big)
    output.add("public/en/brief-2/index.html", "two")
    folders = ["public", "public/en", "public/en/brief-1", "public/en/brief-2"]
    assert [os.path.relpath(p, output.staging) for p in made] == folders  # each once, none tried again
    assert (output.staging / "public/en/brief-1/feed.xml").read_text() == big


def _tree_of(folder) -> dict[str, int]:
    return {
        str(path.relative_to(folder)): writer.stamp_of(path.stat()) for path in folder.rglob("*") if path.is_file()
    }


@pytest.mark.parametrize("change", ["none", "edited", "removed", "folder gone"])
@pytest.mark.parametrize("cores", [1, 4])
def test_files_hold_finds_any_changed_file_whichever_process_checks_it(tmp_path, monkeypatch, change, cores):
    monkeypatch.setattr(writer, "FILES_PER_CHECKER", 5)
    monkeypatch.setattr(writer, "usable_cores", lambda: cores)
    forked = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(1) or real_fork())
    site = tmp_path / "site"
    for n in range(40):
        (site / f"b{n % 7}").mkdir(parents=True, exist_ok=True)
        (site / f"b{n % 7}" / f"{n}.html").write_text(f"page {n}", encoding="utf-8")
    files = _tree_of(site)
    if change == "edited":  # the last share of four: a forked process's
        (site / "b4/39.html").write_text("page 39, by hand", encoding="utf-8")
    elif change == "removed":
        (site / "b0/0.html").unlink()
    elif change == "folder gone":
        shutil.rmtree(site)
    assert writer.files_hold(str(site), files) is (change == "none")
    assert len(forked) == (cores - 1 if change != "folder gone" else 0)


# Pages no build below changes: a build that changed a few files of many brings the spare up to date.
UNCHANGED = {"z": {f"z/{number}.html": "zed" for number in range(12)}}


def _spare(tmp_path):
    return tmp_path / ".site.signalbrief/previous"


def test_the_spare_is_brought_up_to_date_with_the_output_it_replaced(tmp_path, monkeypatch):
    """After the swap, each file the build changed (and each it added, in new folders) is linked from
    the new output into the spare: the next build takes every step from the spare and links nothing
    from the output; the spare's recorded tree is what it holds (no file unsound, no folder to list)."""
    target = tmp_path / "site"
    steps = {"a": {"a/page.html": "one"}, "b": {"b/page.html": "bee"}, **UNCHANGED}
    one = built(target, steps)[0].commit()
    two = built(target, steps, one)[0].commit()
    changed = {"a2": {"a/page.html": "two"}, "b": steps["b"], "c": {"c/d/new.html": "sea"}, **UNCHANGED}
    third, reused = built(target, changed, two, one)
    three = third.commit()
    spare = _spare(tmp_path)
    for path in ("a/page.html", "b/page.html", "c/d/new.html"):
        assert inode(spare / path) == inode(target / path)
    assert third.spare_kept is not None and third.spare_kept.files == three.files
    assert writer.SpareCheck(spare, third.spare_kept).differences() == (set(), set())
    linked = []
    monkeypatch.setattr(writer.Output, "_link", lambda self, paths, inodes: linked.extend(paths))
    fourth, reused = built(target, changed, three, third.spare_kept, together=True)
    assert fourth.in_place and sorted(reused) == ["a2", "b", "c", "z"] and linked == []
    fourth.commit()
    assert (target / "a/page.html").read_text() == "two" and (target / "c/d/new.html").read_text() == "sea"


def test_a_build_that_removed_a_file_leaves_the_spare_as_the_output_it_replaced(tmp_path):
    target = tmp_path / "site"
    steps = {"a": {"a/page.html": "one"}, "b": {"b/page.html": "bee"}}
    one = built(target, steps)[0].commit()
    two = built(target, steps, one)[0].commit()
    third, _ = built(target, {"a2": {"a/page.html": "two"}}, two, one)
    third.commit()
    assert third.spare_kept is third.live
    assert (_spare(tmp_path) / "a/page.html").read_text() == "one"
    assert (_spare(tmp_path) / "b/page.html").read_text() == "bee"


def test_a_spare_that_cannot_be_brought_up_to_date_is_not_trusted(tmp_path, monkeypatch):
    target = tmp_path / "site"
    steps = {"a": {"a/page.html": "one"}, "b": {"b/page.html": "bee"}, **UNCHANGED}
    one = built(target, steps)[0].commit()
    two = built(target, steps, one)[0].commit()
    third, _ = built(target, {"a2": {"a/page.html": "two"}, "b": steps["b"], **UNCHANGED}, two, one)

    def no_links(source, destination):
        raise OSError(errno.EMLINK, "too many links")

    monkeypatch.setattr(os, "link", no_links)
    third.commit()
    assert third.spare_kept is None
    assert (target / "a/page.html").read_text() == "two"


@pytest.mark.parametrize("few", [64, 0], ids=["a few removed here", "many put in the trash"])
def test_the_spare_s_replaced_files_are_removed_here_when_few_else_put_in_the_trash(tmp_path, trash_kept, few, monkeypatch):
    monkeypatch.setattr(writer, "FEW_TO_REMOVE", few)
    target = tmp_path / "site"
    one = built(target, {"a1": {"a/page.html": "one"}, **UNCHANGED})[0].commit()
    two = built(target, {"a1": {"a/page.html": "one"}, **UNCHANGED}, one)[0].commit()
    third, _ = built(target, {"a2": {"a/page.html": "two"}, **UNCHANGED}, two, one)
    third.commit()
    trashed = [p.read_text() for folder in trash_of(target) for p in folder.iterdir()]
    assert trashed == ([] if few else ["one"])
    assert (_spare(tmp_path) / "a/page.html").read_text() == "two"


def test_a_build_that_changed_most_files_leaves_the_spare_as_the_output_it_replaced(tmp_path):
    """After a build that changed most files (a new template), the next one may change them all
    again: the spare is not brought up to date file by file."""
    target = tmp_path / "site"
    pages = {"a": {"a/1.html": "one", "a/2.html": "two"}, "b": {"b/1.html": "bee"}}
    one = built(target, pages)[0].commit()
    two = built(target, pages, one)[0].commit()
    new_template = {"a2": {"a/1.html": "ONE", "a/2.html": "TWO"}, "b": pages["b"]}  # 2 of 3 files
    third, _ = built(target, new_template, two, one)
    third.commit()
    assert third.spare_kept is third.live
    assert (_spare(tmp_path) / "a/1.html").read_text() == "one"
