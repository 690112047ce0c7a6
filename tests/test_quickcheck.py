"""The quick check of plain data accepts only briefs the model accepts, and reads them as the model does."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalbrief import validate as validate_module
from signalbrief.config import Config
from signalbrief.fields import Strict, read_model
from signalbrief.loader import load_bytes
from signalbrief.model import Brief, Card, Confidence, MarketContext, Paragraph, Section, Source, Text
from signalbrief.quickcheck import MIRRORED, quick_read
from signalbrief.validate import validate
from signalbrief.values import MachineText, Scalar
from tests.conftest import BETA, VALID, replace_line

CONTEXT = Config().validation_context()

# Each a brief the model accepts or refuses for one reason; the quick check must agree or leave it to the model.
VARIANTS = [
    VALID,
    BETA,
    replace_line(VALID, 11, "  grade: B/C"),  # does not agree with the score
    replace_line(VALID, 10, "  score: 1.5"),
    replace_line(VALID, 10, "  score: '0.9'"),
    replace_line(VALID, 10, "  score: 0.9e0"),
    replace_line(VALID, 11, "  grade:"),  # empty: not given
    replace_line(VALID, 2, "date: '2024-04-01'"),
    replace_line(VALID, 2, "date: 2024-02-30"),
    replace_line(VALID, 2, "date: 2024-04-01 10:00:00"),
    replace_line(VALID, 2, "date:"),
    replace_line(VALID, 1, "id: Alpha"),
    replace_line(VALID, 1, "id: " + "a" * 81),
    replace_line(VALID, 1, "id: 2024"),
    replace_line(VALID, 1, "id:"),
    replace_line(VALID, 6, "type: unknown-type"),
    replace_line(VALID, 6, "type: [policy-agreement]"),
    replace_line(VALID, 7, "regions: [NO, US]"),
    replace_line(VALID, 7, "regions: [us]"),
    replace_line(VALID, 7, "regions: []"),
    replace_line(VALID, 7, "regions: US"),
    replace_line(VALID, 8, "market_class: ~"),
    replace_line(VALID, 4, "  en: ''"),
    replace_line(VALID, (4, 5), "  en: '   '\n  zh: ' '"),
    replace_line(VALID, 4, "  en: !mt Machine words"),
    replace_line(VALID, 4, "  en: 2024"),
    replace_line(VALID, 4, "  en:"),
    replace_line(VALID, 4, "  zh-hant: 美英"),
    replace_line(VALID, 4, "  fr: Bonjour"),
    replace_line(VALID, 4, "  machine: [en]"),
    replace_line(VALID, (3, 5), "signal: just text"),
    replace_line(VALID, 16, "  - en: Text [1].\n    see_also: beta"),
    replace_line(VALID, 16, "  - en: Text [1].\n    see_also: [beta]"),
    replace_line(VALID, 16, "  - see_also: beta"),
    replace_line(VALID, 16, "  - Text [1]."),
    replace_line(VALID, (15, 16), "body: []"),
    replace_line(VALID, 19, "    url: ftp://example.org/article"),
    replace_line(VALID, 19, "    url: https://example.org/a b"),
    replace_line(VALID, 19, "    url: HTTPS://EXAMPLE.org/article"),
    replace_line(VALID, 19, "    url: 'https://[::1]/x'"),
    replace_line(VALID, 19, "    url: 'https://[::1/x'"),
    replace_line(VALID, 19, "    published: 2024-01-01"),
    replace_line(VALID, 19, "    published: 2024"),
    replace_line(VALID, 19, "    publisher: yes"),
    replace_line(VALID, 20, "see_also: [beta, alpha-2]"),
    replace_line(VALID, 20, "see_also: [Beta]"),
    replace_line(VALID, 20, "see_also:"),
    replace_line(VALID, 22, "  - tier: public"),
    replace_line(VALID, 22, "  - tier: nobody"),
    replace_line(VALID, 22, "  - tier: strategy-circle\n    teaser: {zh: 预告}"),
    replace_line(VALID, 22, "  - tier: strategy-circle\n    extra: 1"),
    VALID + "draft: true\n",
    VALID + "draft: yes\n",
    VALID + "draft: 'true'\n",
    VALID + "dek: {en: A standfirst}\n",
    VALID + "takeaway: {zh: 要点}\n",
    VALID + "takeaway:\n",
    VALID + "operating_surface: [{en: a}, {zh: 乙}]\nwatch_list: [{en: 'w [1]'}]\n",
    VALID + "operating_surface: [{en: a}, ~]\n",
    VALID + "market_context:\n  statement: {en: Why}\n  relevance: high\n  horizon: next-quarter\n",
    VALID + "market_context:\n  statement: {en: Why}\n  relevance: high\n",
    VALID + "sumary: {en: typo}\n",
    VALID + "sumary:\n",  # a null is "not given" only under a known key
    # Keys out of the model's order: texts are still listed in the model's order.
    "\n".join([*VALID.split("\n")[12:14], *VALID.split("\n")[:12], *VALID.split("\n")[14:]]),
    VALID.replace("  - tier: strategy-circle\n    title: {en: Deeper Trend Context}", "  - title: {en: Deeper}\n    tier: public")
    + "dek: {zh: 导语}\nwatch_list: [{en: w}]\noperating_surface: [{en: o}]\n",
]


@pytest.mark.parametrize("text", VARIANTS)
def test_the_quick_check_accepts_only_what_the_model_accepts(text):
    document = load_bytes(text.encode(), "b.yaml")
    brief, problems = read_model(Brief, document, CONTEXT)
    found = quick_read(document.data, CONTEXT)
    if found is None:
        return  # the model checks it: its messages are the ones shown
    assert brief is not None and not problems
    card, texts = found
    assert card == Card.of(brief)
    assert card.plain() == Card.of(brief).plain()
    assert texts == [(path, text.words) for path, text in brief.texts()]


def test_the_quick_check_takes_the_common_brief():
    for text in (VALID, BETA, VALID + "dek: {en: A standfirst}\ndraft: true\n", VARIANTS[-2], VARIANTS[-1]):
        assert quick_read(load_bytes(text.encode(), "b.yaml").data, CONTEXT) is not None


def test_every_validator_of_the_models_is_mirrored():
    """A validator added to a model must be mirrored by the quick check (or make it refuse)."""
    for model in (Strict, Brief, Confidence, MarketContext, Section, Source, Text, Paragraph):
        decorators = model.__pydantic_decorators__
        names = {*decorators.field_validators, *decorators.model_validators, *decorators.validators}
        mirrored = set().union(*(MIRRORED.get(base.__name__, set()) for base in model.__mro__))
        assert names <= mirrored, f"{model.__name__}: {names - mirrored} is not mirrored in quickcheck.py"


def test_validate_checks_a_valid_brief_without_the_model(publication, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the model was asked")

    root = publication({"alpha": VALID, "beta": BETA})
    monkeypatch.setattr(validate_module, "read_model", refuse)
    report = validate(root, keep=False)
    assert not report.errors
    assert sorted(b.id for b in report.briefs) == ["alpha", "beta"]
    assert report.briefs[0].card.summary.words["en"].startswith("The United States")


def test_a_brief_the_quick_check_refuses_gets_the_models_message(publication):
    root = publication({"alpha": replace_line(VALID, 11, "  grade: B/C"), "beta": BETA})
    report = validate(root, keep=False)
    assert [str(p) for p in report.errors] == [
        "briefs/alpha.yaml:11:10: error: confidence.grade: grade 'B/C' does not agree with score 0.92, which earns 'A'"
    ]


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    """Every path into plain data, the root's included."""
    found = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.extend(_paths(item, (*path, key)))
    return found


def _replaced(data: object, path: tuple, new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {k: _replaced(v, rest, new) if k == head else v for k, v in data.items()}
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(data)]


REPLACEMENTS = [
    "",
    " ",
    "text",
    "US",
    "A",
    "public",
    "beta",
    "Not a slug",
    "https://example.org/x",
    "2024-04-01",
    MachineText("machine"),
    Scalar("0.5", "float"),
    Scalar("2", "int"),
    Scalar("", "null"),
    Scalar("true", "bool"),
    Scalar("NO", "bool"),
    Scalar("2024-04-01", "timestamp"),
    [],
    ["US"],
    [{"en": "x"}],
    {},
    {"en": "x"},
    {"zh": "乙", "see_also": "beta"},
    {"title": "t"},
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_changes_are_accepted_quickly_only_where_the_model_accepts_them(data):
    document = load_bytes(VALID.encode(), "b.yaml")
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document.data)))
        document.data = _replaced(document.data, path, data.draw(st.sampled_from(REPLACEMENTS)))
    found = quick_read(document.data, CONTEXT)
    if found is not None:
        brief, problems = read_model(Brief, document, CONTEXT)
        assert brief is not None and not problems, problems
        assert found[0] == Card.of(brief)
        assert found[1] == [(path, text.words) for path, text in brief.texts()]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org",
        "http://a.b:8080/p?q=1#f",
        "https://ex-ample.org/%20/é",
        "https://[::1]/x",
        "https://[::1/x",
        "HTTPS://example.org/",
        "https://ex ample.org/",
        "https://example.org/a<b",
        "https://user@example.org/",
        "https:/example.org",
        "https://",
        "https://example.org\u3000/",
    ],
)
def test_a_url_taken_without_parsing_is_one_urlsplit_takes(url):
    from urllib.parse import urlsplit

    from signalbrief.fields import _PLAIN_URL, _URL_FORBIDDEN, _url

    def parsed(value: str) -> bool:
        try:
            parts = urlsplit(value)
        except ValueError:
            return False
        return not _URL_FORBIDDEN.search(value) and parts.scheme in ("http", "https") and bool(parts.netloc)

    if _PLAIN_URL.fullmatch(url):
        assert parsed(url)
    try:
        _url(url)
    except Exception:
        assert not parsed(url)
    else:
        assert parsed(url)
