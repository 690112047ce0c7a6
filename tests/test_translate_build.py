"""End to end with real (tiny) models: build translates, remembers, labels, and stops when it cannot."""

from __future__ import annotations

import pytest

from signalbrief.translate.engine import ArgosModel
from signalbrief.translate.fill import needs_of
from signalbrief.validate import validate
from tests.conftest import BETA, VALID, replace_line

POLICY = replace_line(VALID, (13, 14), "summary:\n  en: The trade policy agreement [1].")


@pytest.fixture
def filled(monkeypatch) -> list[str]:
    """The brief of each text a build asks the filler to translate, in order."""
    import signalbrief.translate.fill as fill

    asked: list[str] = []
    real = fill.Filler.fill

    def spy(self, needs, progress=None):
        asked.extend(need.brief.id for need in needs)
        return real(self, needs, progress)

    monkeypatch.setattr(fill.Filler, "fill", spy)
    return asked


def test_build_translates_with_the_installed_model_and_labels_it(installed_models, publication, run):
    root = publication({"alpha": POLICY, "beta": BETA})
    result = run(root, "build")
    assert result.exit_code == 0, result.stderr
    zh = (root / "site/public/zh/alpha/index.html").read_text(encoding="utf-8")
    # The glossary model turns trade/policy/agreement into 贸易/政策/协议 and copies the rest.
    assert '<span data-mt="zh">The贸易政策协议<a class="cite" href="#source-1">[1]</a>。</span>' in zh
    assert '<span class="mt-label">机器翻译</span>' in zh
    en = (root / "site/public/en/beta/index.html").read_text(encoding="utf-8")
    assert '<span data-mt="en">第二</span>' in en
    md = (root / "site/public/zh/alpha.md").read_text(encoding="utf-8")
    assert "The贸易政策协议\\[1\\]。 *(机器翻译)*" in md
    assert "sentences machine-translated" in result.stderr


def test_warm_rebuild_calls_no_model_and_needs_none(installed_models, publication, run, monkeypatch):
    root = publication({"alpha": POLICY, "beta": BETA})
    assert run(root, "build", "-o", "one").exit_code == 0

    def refuse(self, *args, **kwargs):
        raise AssertionError("a warm rebuild must not load or call a model")

    monkeypatch.setattr(ArgosModel, "_load", refuse)
    second = run(root, "build", "-o", "two")
    assert second.exit_code == 0, second.stderr
    assert "machine-translated" not in second.stderr and "remembered" in second.stderr
    for model in list(installed_models.iterdir()):
        import shutil

        shutil.rmtree(model)
    third = run(root, "build", "-o", "three")
    assert third.exit_code == 0, third.stderr
    one, three = root / "one", root / "three"
    for page in one.rglob("*"):
        if page.is_file():
            assert page.read_bytes() == (three / page.relative_to(one)).read_bytes(), page


def test_missing_model_exits_3_naming_fields_direction_and_command(models_folder, publication, run):
    root = publication({"alpha": POLICY, "beta": BETA})
    result = run(root, "build")
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert "briefs/alpha.yaml:14:3: error: summary.zh: needs en->zh machine translation" in lines
    assert "briefs/beta.yaml:7:10: error: summary.en: needs zh->en machine translation" in lines
    assert "signalbrief models install en zh; signalbrief models install zh en" in lines[-1]
    assert "signalbrief models install --file X.argosmodel" in lines[-1]  # the way without network
    assert not (root / "site").exists()


def test_allow_untranslated_shows_the_pending_notice(models_folder, publication, run):
    root = publication({"alpha": POLICY, "beta": BETA})
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 0
    assert "texts pending translation" in result.stderr
    zh = (root / "site/public/zh/alpha/index.html").read_text(encoding="utf-8")
    assert '<span class="pending" data-pending="zh">翻译待完成</span>' in zh


def test_briefs_left_untranslated_are_filled_again_only_when_they_change(models_folder, publication, run, filled):
    root = publication({"alpha": POLICY, "beta": BETA})
    first = run(root, "build", "--allow-untranslated")
    filled.clear()  # only what the builds below ask for
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    again = run(root, "build", "--allow-untranslated")
    assert again.exit_code == 0 and set(filled) == {"beta"}  # alpha: as far as no model could fill it, last time
    pending = [line.rpartition("(")[2] for line in (first.stderr, again.stderr)]
    assert pending[0] == pending[1] and "texts pending translation" in pending[0]  # alpha's still counted
    stopped = run(root, "build")  # without --allow-untranslated, every text that stops it is named again
    assert stopped.exit_code == 3
    assert "briefs/alpha.yaml:14:3: error: summary.zh: needs en->zh machine translation" in stopped.stderr
    assert "briefs/beta.yaml:7:10: error: summary.en: needs zh->en machine translation" in stopped.stderr


def test_glossary_file_terms_are_exact(installed_models, publication, run):
    root = publication(
        {"alpha": replace_line(VALID, (13, 14), "summary:\n  en: The AI Safety Institute met [1]."), "beta": BETA}
    )
    (root / "glossary.yaml").write_text(
        "terms:\n  - {en: AI Safety Institute, zh: 人工智能安全研究所}\n", encoding="utf-8"
    )
    assert run(root, "build").exit_code == 0
    zh = (root / "site/public/zh/alpha/index.html").read_text(encoding="utf-8")
    assert "人工智能安全研究所" in zh


def test_vocabulary_labels_never_come_from_the_model(installed_models, publication, run):
    root = publication({"alpha": POLICY, "beta": BETA})
    run(root, "build")
    zh = (root / "site/public/zh/alpha/index.html").read_text(encoding="utf-8")
    assert '<dd><a href="../type/policy-agreement/">政策协议</a></dd>' in zh
    assert '<a href="../region/US/">美国</a> / <a href="../region/GB/">英国</a>' in zh
    assert '<dd><a href="../market-class/case-file/">案例档案</a></dd>' in zh
    assert "高——直接来源" in zh


def test_broken_glossary_is_a_positioned_error(installed_models, publication, run):
    root = publication({"alpha": POLICY, "beta": BETA})
    (root / "glossary.yaml").write_text("terms:\n  - {en: Only English}\n", encoding="utf-8")
    result = run(root, "build")
    assert result.exit_code == 1
    assert "glossary.yaml:2:5: error: terms[0].zh: is required" in result.stderr


@pytest.mark.parametrize("cores", [1, 2, 8])
def test_thread_counts_use_the_machine(cores):
    from signalbrief.translate.engine import thread_counts

    inter, intra = thread_counts(cores)
    assert inter * intra <= max(cores, 1) and inter >= 1 and intra >= 1


def test_network_is_blocked_in_tests():
    """pytest-socket is active: a connection to anything but loopback fails before it starts."""
    import socket

    from pytest_socket import SocketConnectBlockedError

    with pytest.raises(SocketConnectBlockedError), pytest.warns(UserWarning):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_a_rebuild_fills_again_only_the_briefs_that_changed(installed_models, publication, run, filled):
    root = publication({"alpha": POLICY, "beta": BETA})
    assert run(root, "build").exit_code == 0
    filled.clear()  # only what the builds below ask for
    (root / "briefs/beta.yaml").write_text(BETA.replace("Body.", "New body."), encoding="utf-8")
    assert run(root, "build").exit_code == 0
    assert set(filled) == {"beta"}  # alpha's machine text comes from the last build
    assert '<span data-mt="zh">The贸易政策协议' in (root / "site/public/zh/alpha/index.html").read_text(
        encoding="utf-8"
    )
    filled.clear()
    (root / ".signalbrief/translations.sqlite").unlink()  # what the fills depend on changed: fill all again
    result = run(root, "build", "--allow-untranslated")
    assert result.exit_code == 0 and set(filled) == {"alpha", "beta"}


def test_the_summary_counts_texts_from_the_memory_and_sentences_from_the_model(installed_models, publication, run):
    root = publication({"alpha": POLICY, "beta": BETA})
    first = run(root, "build")
    assert "sentences machine-translated" in first.stderr and "texts remembered" not in first.stderr
    second = run(root, "build", "-o", "again")
    texts = len(needs_of(validate(root).briefs))  # every text written in one language
    assert texts > 3 and f"({texts} texts remembered)" in second.stderr, second.stderr
    (root / ".signalbrief/filled.json").unlink()  # now from the translation memory, sentence by sentence
    third = run(root, "build", "-o", "third")
    assert f"({texts} texts remembered)" in third.stderr, third.stderr


def test_build_reports_translation_progress_only_when_the_model_runs(installed_models, publication):
    from signalbrief.build import BuildOptions, build

    root = publication({"alpha": POLICY, "beta": BETA})
    counts: list[int] = []
    report = build(root, BuildOptions(output=root / "one"), translating=counts.append)
    assert counts and sum(counts) == report.translated > 0
    counts.clear()
    build(root, BuildOptions(output=root / "two"), translating=counts.append)  # all remembered
    assert counts == []


def test_on_a_terminal_build_shows_a_translating_bar_then_a_rendering_bar(installed_models, publication):
    import os
    import pty
    import subprocess
    import sys

    root = publication({"alpha": POLICY, "beta": BETA})
    leader, follower = pty.openpty()
    done = subprocess.run(
        [sys.executable, "-m", "signalbrief", "-C", str(root), "build"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "SIGNALBRIEF_MODELS": str(installed_models), "COLUMNS": "120"},
        timeout=120,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    text = shown.decode("utf-8", "replace")
    assert done.returncode == 0, text
    assert "translating" in text and "segments/s" in text
    assert text.index("translating") < text.index("rendering") < text.index("built 2 briefs")
    assert "Traceback" not in text
