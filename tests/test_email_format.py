"""`--format email`: one ready-to-send message per edition, view and brief (multipart/alternative, UTF-8,
CSS inlined, absolute links, HTML under Gmail's 102 KB clip), opt-in and refused without a base URL."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from signalbrief.build import BuildOptions, build
from signalbrief.errors import UsageError
from signalbrief.formats.email import HTML_LIMIT
from tests.conftest import REPO, VALID, copy_publication

SEED = "us-uk-ai-safety-testing-mou"
BASE = "https://briefs.example.org/"
CONFIG = f"base_url: {BASE}\nemail:\n  from: Signal Briefs <briefs@example.org>\n  reply_to: desk@example.org\n"
VIEWS = ("en", "zh", "bi")
EDITIONS = ("public", "strategy-circle", "leadership-alliance")
_LINKS = re.compile(r'\b(?:href|src)="([^"]*)"')


def read_message(path: Path) -> EmailMessage:
    return BytesParser(policy=policy.default).parse(path.open("rb"))


def parts(message: EmailMessage) -> tuple[str, str]:
    """The decoded plain-text and HTML parts."""
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    """This repository's briefs built with `--format email` (and a base URL and sender)."""
    root = copy_publication(REPO, tmp_path_factory.mktemp("seed"))
    (root / "signalbrief.yaml").write_text(CONFIG, encoding="utf-8")
    build(root, BuildOptions(output=Path("site"), formats=("email",)))
    return root / "site"


def test_every_edition_and_view_has_a_message_per_brief_and_nothing_else(seed):
    briefs = sorted(p.stem for p in (REPO / "briefs").glob("*.yaml"))
    for edition in EDITIONS:
        for view in VIEWS:
            assert sorted(p.stem for p in (seed / edition / view).glob("*.eml")) == briefs
    assert {p.suffix for p in seed.rglob("*") if p.is_file() and not p.name.startswith(".")} == {".eml"}


@pytest.mark.parametrize("view", VIEWS)
def test_message_structure(seed, view):
    raw = (seed / "strategy-circle" / view / f"{SEED}.eml").read_bytes()
    assert all(byte < 128 for byte in raw), "every byte on the wire is 7-bit"
    assert b"\r\n" in raw
    message = read_message(seed / "strategy-circle" / view / f"{SEED}.eml")
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    assert message["From"] == "Signal Briefs <briefs@example.org>"
    assert message["Reply-To"] == "desk@example.org"
    assert message["Date"] == "Mon, 01 Apr 2024 00:00:00 +0000"
    assert message["To"] is None and message["Message-ID"] is None  # `send` sets them per recipient
    assert (message["X-Signalbrief-Edition"], message["X-Signalbrief-View"]) == ("strategy-circle", view)
    subjects = {
        "en": "US and UK sign AI safety testing memorandum",
        "zh": "美英签署AI安全测试备忘录",
        "bi": "US and UK sign AI safety testing memorandum / 美英签署AI安全测试备忘录",
    }
    assert message["Subject"] == subjects[view]
    assert message["Content-Language"] == {"en": "en", "zh": "zh-Hans", "bi": "en, zh-Hans"}[view]


def test_html_links_are_absolute_and_styles_inlined(seed):
    for path in seed.rglob("*.eml"):
        plain, html = parts(read_message(path))
        links = _LINKS.findall(html)
        assert links and all(link.startswith(("https://", "http://", "mailto:")) for link in links), path
        styles = re.findall(r"<style>(.*?)</style>", html, re.S)
        assert len(styles) == 1 and styles[0].lstrip().startswith("@media"), "only media queries stay"
        assert re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", styles[0]).strip() == ""
        assert re.search(r'<h1 style="[^"]+"', html) and 'class="card"' in html
        assert 'role="presentation"' in html and 'width="600"' in html and "bgcolor=" in html
        assert '<meta name="color-scheme" content="light dark">' in html
        assert "<link" not in html and "<script" not in html
        assert not re.search(r"\s(?:href|src)=\"(?!https?:|mailto:)", html)
        assert f"{BASE}{path.parent.parent.name}/{path.parent.name}/{path.stem}/" in plain


def test_links_lead_to_this_edition_and_view(seed):
    plain, html = parts(read_message(seed / "public" / "zh" / f"{SEED}.eml"))
    page = f"{BASE}public/zh/{SEED}/"
    assert f'href="{page}"' in html
    assert f'href="{page}#source-1"' in html  # a citation leads to the source on the web page
    assert f'href="{BASE}public/zh/ai-safety-institutes-joint-model-test/"' in html  # see also
    assert f'href="{BASE}join/strategy-circle/"' in html  # a lock card's join link
    assert f"{BASE}join/leadership-alliance/" in plain
    assert f"<{BASE}public/zh/ai-safety-institutes-joint-model-test/>" in plain


def test_public_message_shows_lock_cards_and_the_member_one_the_section(seed):
    _, public = parts(read_message(seed / "public" / "en" / f"{SEED}.eml"))
    _, circle = parts(read_message(seed / "strategy-circle" / "en" / f"{SEED}.eml"))
    assert public.count('data-locked="') == 2 and "Join Strategic Circle" in public
    assert circle.count('data-locked="') == 1 and "Join Strategic Circle" not in circle
    assert ">A</td>" in public  # the grade badge


def test_plain_text_part_numbers_sources_and_keeps_content(seed):
    plain, _ = parts(read_message(seed / "leadership-alliance" / "en" / f"{SEED}.eml"))
    assert "US and UK sign AI safety testing memorandum" in plain
    assert "[1] UK and US herald partnership agreement" in plain
    assert re.search(r"Institutes \[1\] \[2\]", plain)
    assert "<" not in plain.replace(f"<{BASE}", "")  # no markup, only <URL>s


def test_html_part_stays_under_gmails_clip(seed, capsys):
    sizes = {}
    for edition in EDITIONS:
        for view in VIEWS:
            _, html = parts(read_message(seed / edition / view / f"{SEED}.eml"))
            sizes[f"{edition}/{view}"] = len(html.encode("utf-8"))
    with capsys.disabled():
        print("\nseed email HTML bytes:", sizes)
    assert max(sizes.values()) < HTML_LIMIT


def test_default_build_writes_no_email(publication):
    root = publication(config=CONFIG)
    build(root, BuildOptions(output=Path("site"), allow_untranslated=True))
    assert not list((root / "site").rglob("*.eml"))
    assert list((root / "site").rglob("*.md"))


@pytest.mark.parametrize(
    ("config", "needs"),
    [("email:\n  from: a@example.org\n", "base_url"), (f"base_url: {BASE}\n", "email.from")],
)
def test_email_format_without_base_url_or_sender_exits_2_and_writes_nothing(publication, run, config, needs):
    root = publication(config=config)
    result = run(root, "build", "--format", "email")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needs in lines[0]
    assert not (root / "site").exists()
    with pytest.raises(UsageError):
        build(root, BuildOptions(output=Path("site"), formats=("email",)))


MACHINE = VALID.replace("  zh: 美英签署AI安全测试备忘录", "  zh: !mt 美英签署备忘录").replace("see_also: [beta]\n", "")


def test_machine_text_is_labelled_in_both_parts_and_the_subject(publication):
    root = publication({"alpha": MACHINE}, config=CONFIG)
    build(root, BuildOptions(output=Path("site"), formats=("email",), allow_untranslated=True))
    message = read_message(root / "site" / "public" / "zh" / "alpha.eml")
    plain, html = parts(message)
    assert message["Subject"] == "美英签署备忘录（机器翻译）"
    assert "美英签署备忘录（机器翻译）" in plain
    assert re.search(r'<span data-mt="zh"[^>]*>美英签署备忘录</span><span class="mt-label"[^>]*>机器翻译</span>', html)
    assert "（翻译待完成）" in plain  # the summary is English only: marked as pending


def test_email_config_is_checked_with_positions(publication, run):
    root = publication(config="email:\n  from: not an address\n  smtp: {port: 70000}\n")
    result = run(root, "validate")
    assert result.exit_code == 1
    assert "signalbrief.yaml:2:9: error: email.from: 'not an address' is not an email address" in result.stderr
    assert "signalbrief.yaml:3:16: error: email.smtp.port: '70000' is not a port number" in result.stderr
