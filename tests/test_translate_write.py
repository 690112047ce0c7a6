"""`translate --write`: machine text goes into the files as `!mt`, nothing else changes, and text a
person wrote or corrected is never overwritten."""

from __future__ import annotations

import pytest

from signalbrief.loader import MachineText, load_file
from signalbrief.translate.inplace import fingerprint

BRIEF = """\
# A comment at the top stays.
id: alpha
date: 2024-04-01
signal:
  en: "The policy agreement"   # quoted, with a comment
type: policy-agreement
regions: [US, GB]
market_class: case-file
confidence: {score: 0.92, grade: A, basis: direct-public-sources}
summary:
  zh: 政府政策协议的一段很长很长的中文文字，它不会被重新换行，也不会被改动，无论这一行有多长，都保持原样不变。
body:
  - en: >-
      A folded paragraph about trade
      and culture.
  - zh: 文化报告。
    en: Already both, by a person.
watch_list:
  - {en: 'Report: next steps'}
"""


@pytest.fixture
def brief(publication):
    root = publication({"alpha": BRIEF})
    return root, root / "briefs" / "alpha.yaml"


def test_report_mode_changes_nothing(installed_models, brief, run):
    root, path = brief
    result = run(root, "translate")
    assert result.exit_code == 0, result.stderr
    assert "briefs/alpha.yaml:5:3: signal.zh: en-zh ready" in result.stderr
    assert "4 texts to translate: " in result.stderr
    assert path.read_text(encoding="utf-8") == BRIEF


def test_write_changes_only_the_filled_values(installed_models, brief, run):
    root, path = brief
    result = run(root, "translate", "--write")
    assert result.exit_code == 0, result.stderr
    after = path.read_text(encoding="utf-8").splitlines()
    before = BRIEF.splitlines()
    added = [line for line in after if line not in before]
    assert [line for line in before if line not in after] == ["  - {en: 'Report: next steps'}"]
    assert after[:5] == before[:5]  # the comment, the quoting and the trailing comment stay
    assert added[0].startswith("  zh: !mt The政策协议  # mt:")
    assert added[1].startswith(
        "  en: !mt government policy agreement的一段很长很长的中文文字"
    )  # one line, never re-wrapped
    assert added[2].startswith("    zh: !mt A folded paragraph about贸易and文化.  # mt:")
    assert added[3].startswith("  - {en: 'Report: next steps', zh: !mt \"报告: next steps\"}  # mt:")
    data = load_file(path).data
    assert isinstance(data["signal"]["zh"], MachineText)
    assert run(root, "validate", "--strict").exit_code == 0


def test_second_write_is_a_no_op(installed_models, brief, run):
    root, path = brief
    run(root, "translate", "--write")
    once = path.read_bytes()
    result = run(root, "translate", "--write")
    assert result.exit_code == 0
    assert "0 texts to translate" in result.stderr
    assert path.read_bytes() == once


def test_changed_source_refreshes_machine_text(installed_models, brief, run):
    root, path = brief
    run(root, "translate", "--write")
    text = path.read_text(encoding="utf-8").replace('"The policy agreement"', '"The trade agreement"')
    path.write_text(text, encoding="utf-8")
    warned = run(root, "validate")
    assert "briefs/alpha.yaml:6:7: warning: signal.zh: machine translation of an older source text" in warned.stderr
    assert run(root, "translate", "--write").exit_code == 0
    line = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("  zh: !mt "))
    assert line == f"  zh: !mt The贸易协议  # mt:zh:{fingerprint('The trade agreement')}:{fingerprint('The贸易协议')}"


def test_corrected_machine_text_is_never_overwritten(installed_models, brief, run):
    root, path = brief
    run(root, "translate", "--write")
    text = path.read_text(encoding="utf-8")
    text = text.replace("  zh: !mt The政策协议", "  zh: !mt 政策性协议（编辑修改）")
    text = text.replace('"The policy agreement"', '"The trade agreement"')
    path.write_text(text, encoding="utf-8")
    result = run(root, "translate", "--write")
    assert "signal.zh: machine text edited by a person: kept" in result.stderr
    assert "政策性协议（编辑修改）" in path.read_text(encoding="utf-8")


def test_reviewed_translation_whose_source_changed_is_possibly_stale(installed_models, brief, run):
    root, path = brief
    run(root, "translate", "--write")
    text = path.read_text(encoding="utf-8").replace("  zh: !mt The政策协议", "  zh: 政策协议")  # reviewed
    path.write_text(text.replace('"The policy agreement"', '"The new policy agreement"'), encoding="utf-8")
    result = run(root, "validate")
    assert result.exit_code == 0
    assert "briefs/alpha.yaml:6:7: warning: signal.zh: possibly stale: the source text changed" in result.stderr
    assert run(root, "validate", "--strict").exit_code == 1
    assert run(root, "translate", "--write").exit_code == 0
    assert "  zh: 政策协议  # mt:" in path.read_text(encoding="utf-8")  # a reviewed text is never replaced


def test_write_without_model_exits_3_and_changes_nothing(models_folder, brief, run):
    root, path = brief
    result = run(root, "translate", "--write")
    assert result.exit_code == 3
    assert "briefs/alpha.yaml:5:3: error: signal.zh: needs en->zh machine translation" in result.stderr
    assert path.read_text(encoding="utf-8") == BRIEF


FLOW_LINE = BRIEF.replace("watch_list:\n  - {en: 'Report: next steps'}\n", "watch_list: [{en: agreement}, {zh: 文化}]\n")


def test_flow_list_on_one_line_fills_one_and_says_which_other_was_not_written(installed_models, publication, run):
    root = publication({"alpha": FLOW_LINE})
    path = root / "briefs" / "alpha.yaml"
    result = run(root, "translate", "--write")  # a traceback would raise here
    assert result.exit_code == 0, result.stderr
    line = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("watch_list:"))
    assert line.startswith("watch_list: [{en: agreement, zh: !mt 协议}, {zh: 文化}]  # mt:zh:")
    message = (
        "briefs/alpha.yaml:18:31: warning: watch_list[1].en: machine text not written in place: another text "
        "on this line was filled, and a line holds one `# mt:` comment; put each text on its own line"
    )
    assert message in result.stderr.splitlines()
    assert "briefs/alpha.yaml:18:31: watch_list[1].en: zh-en not written" in result.stderr
    once = path.read_bytes()
    again = run(root, "translate", "--write")  # the line's comment is the first text's: never taken
    assert "watch_list[1].en: machine text not written in place: this line ends with another text's" in again.stderr
    assert path.read_bytes() == once
    assert run(root, "build").exit_code == 0  # the build translates what could not be written


def _only_added_to(before: bytes, after: bytes) -> bool:
    """Whether `after` is `before` with text inserted: nothing a person wrote removed or changed."""
    rest = iter(after)
    return all(byte in rest for byte in before)


def test_literal_block_ending_the_file_keeps_its_value(installed_models, publication, run):
    text = BRIEF.replace("watch_list:\n  - {en: 'Report: next steps'}\n", "") + "  - en: |\n      culture\n      more"
    root = publication({"alpha": text})
    path = root / "briefs" / "alpha.yaml"
    assert run(root, "translate", "--write").exit_code == 0
    after = path.read_bytes()
    assert _only_added_to(text.encode(), after)
    assert after.endswith(b"      culture\n      more")  # no line break added to the person's block
    item = load_file(path).data["body"][2]
    assert item["en"] == "culture\nmore"
    assert isinstance(item["zh"], MachineText)


def test_crlf_file_keeps_its_line_endings(installed_models, publication, run):
    text = BRIEF.replace("\n", "\r\n").encode()
    root = publication({"alpha": text})
    path = root / "briefs" / "alpha.yaml"
    assert run(root, "translate", "--write").exit_code == 0
    after = path.read_bytes()
    assert after.count(b"\n") == after.count(b"\r\n") > text.count(b"\n")
    assert _only_added_to(text, after)
    assert run(root, "validate", "--strict").exit_code == 0
    path.write_bytes(after.replace(b'"The policy agreement"', b'"The trade agreement"'))
    warned = run(root, "validate")  # the `# mt:` comments read back on CRLF lines
    assert "signal.zh: machine translation of an older source text" in warned.stderr
    assert run(root, "translate", "--write").exit_code == 0
    refreshed = path.read_bytes()
    assert b"  zh: !mt The\xe8\xb4\xb8\xe6\x98\x93\xe5\x8d\x8f\xe8\xae\xae  # mt:zh:" in refreshed
    assert refreshed.count(b"\n") == refreshed.count(b"\r\n")


LINKED = BRIEF.replace("id: alpha\n", "id: alpha\ndek:\n  en: The trade agreement\n").replace(
    "      and culture.\n", "      and culture.\n    see_also: beta\n"
).replace("  - zh: 文化报告。\n    en: Already both, by a person.\n", "  - see_also: beta\n    zh: 文化报告。\n")
BETA_BRIEF = BRIEF.replace("id: alpha", "id: beta")


def test_write_fills_dek_and_linked_paragraphs_keeping_their_link(installed_models, publication, run):
    root = publication({"alpha": LINKED, "beta": BETA_BRIEF})
    path = root / "briefs" / "alpha.yaml"
    result = run(root, "translate", "--write", "briefs/alpha.yaml")
    assert result.exit_code == 0, result.stderr
    after = path.read_text(encoding="utf-8")
    assert _only_added_to(LINKED.encode(), after.encode())
    data = load_file(path).data
    assert isinstance(data["dek"]["zh"], MachineText)
    first, second = data["body"]
    assert first["see_also"] == "beta" and isinstance(first["zh"], MachineText)
    assert second["see_also"] == "beta" and isinstance(second["en"], MachineText) and second["zh"] == "文化报告。"
    assert run(root, "validate", "--strict").exit_code == 0
    assert run(root, "build").exit_code == 0  # beta still needs translating: the build fills it
    page = (root / "site/public/zh/alpha/index.html").read_text(encoding="utf-8")
    assert '<p class="dek"><span data-mt="zh">' in page
    assert '贸易and文化.</span><span class="mt-label">机器翻译</span> <span class="see-also">另见：<a href="../beta/">' in page
