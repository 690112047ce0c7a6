"""`signalbrief send` against a real SMTP server (aiosmtpd on 127.0.0.1): each recipient gets their
edition and language exactly once, invalid rows are skipped with their line, SMTP errors are reported
and retried as documented, and a send killed at any point then run again skips no one."""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from signalbrief.config import Config
from signalbrief.errors import OutputError, UsageError
from signalbrief.send import LOG_FILE, RETRIES, SendOptions, send, smtp_settings

CONFIG = "base_url: https://briefs.example.org/\nemail:\n  from: Signal Briefs <briefs@example.org>\n"
BRIEF = """\
date: 2024-04-01
signal: {en: Testing memorandum signed, zh: 签署测试备忘录}
type: policy-agreement
regions: [US]
market_class: case-file
confidence: {score: 0.9, basis: direct-public-sources}
summary: {en: Public summary., zh: 公开摘要。}
body:
  - {en: Public body., zh: 公开正文。}
sections:
  - tier: strategy-circle
    title: {en: Circle part, zh: 圈层部分}
    body:
      - {en: CircleSecretWords here., zh: 圈层秘密 CircleSecretZh}
  - tier: leadership-alliance
    title: {en: Alliance part, zh: 联盟部分}
    body:
      - {en: AllianceSecretWords here., zh: 联盟秘密 AllianceSecretZh}
"""
SECRETS = {"strategy-circle": ("CircleSecretWords", "CircleSecretZh"), "leadership-alliance": ("AllianceSecretWords", "AllianceSecretZh")}
EDITIONS = Config().edition_ids


class Recorder:
    """An aiosmtpd handler that keeps every accepted message; it can refuse addresses for good (550)
    or for a while (451 the first N times)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[tuple[str, EmailMessage]] = []
        self.refused: set[str] = set()
        self.busy: dict[str, int] = {}
        self.tries: dict[str, int] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.tries[address] = self.tries.get(address, 0) + 1
            if address in self.refused:
                return "550 5.1.1 no such mailbox"
            if self.busy.get(address, 0) > 0:
                self.busy[address] -= 1
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self.lock:
            self.messages += [(rcpt, message) for rcpt in envelope.rcpt_tos]
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for rcpt, message in self.messages if rcpt == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.port = controller.port
    yield recorder
    controller.stop()


def smtp_env(port: int) -> dict[str, str]:
    return {"SIGNALBRIEF_SMTP_HOST": "127.0.0.1", "SIGNALBRIEF_SMTP_PORT": str(port), "SIGNALBRIEF_SMTP_STARTTLS": "off"}


def make_publication(tmp_path: Path, rows: list[str]) -> Path:
    root = tmp_path / "pub"
    (root / "briefs").mkdir(parents=True)
    (root / "briefs" / "memo.yaml").write_text(BRIEF, encoding="utf-8")
    (root / "signalbrief.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "recipients.csv").write_text("email,tier,language\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return root


def options(port: int, **more) -> SendOptions:
    return SendOptions(environ=smtp_env(port), retry_delay=0.01, **more)


def text_of(message: EmailMessage) -> str:
    """The decoded subject and parts of a message."""
    parts = [part.get_content() for part in message.walk() if not part.is_multipart()]
    return "\n".join([str(message["Subject"]), *parts])


ROWS = [
    "pub-en@example.org,public,en",
    "pub-zh@example.org,public,zh",
    "circle-bi@example.org,strategy-circle,bi",
    "alliance-en@example.org,leadership-alliance,en",
    "Alliance-ZH@Example.org,leadership-alliance,zh",
]


def test_every_recipient_gets_their_edition_and_language_exactly_once(tmp_path, server):
    root = make_publication(tmp_path, ROWS)
    report = send(root, "memo", root / "recipients.csv", options(server.port))
    assert report.count("sent") == len(ROWS) and not report.problems
    for row in ROWS:
        address, tier, view = row.lower().split(",")
        [message] = server.to(address)
        assert message["To"] == address
        assert (message["X-Signalbrief-Edition"], message["X-Signalbrief-View"]) == (tier, view)
        assert message["Message-ID"].endswith("@example.org>")
        shown = text_of(message)
        for secret_tier, words in SECRETS.items():
            for word in words:
                shown_in_view = (word.endswith("Zh") and view in ("zh", "bi")) or (word.endswith("Words") and view in ("en", "bi"))
                if EDITIONS.index(secret_tier) > EDITIONS.index(tier):
                    assert word not in shown, (address, word)
                elif shown_in_view:
                    assert word in shown, (address, word)  # the check can fail: member text is there
    assert "签署测试备忘录" in server.to("pub-zh@example.org")[0]["Subject"]
    again = send(root, "memo", root / "recipients.csv", options(server.port))
    assert again.count("skipped") == len(ROWS) and server.count() == len(ROWS)


def test_invalid_rows_are_reported_with_their_line_and_skipped(tmp_path, server, run, monkeypatch):
    rows = [
        "ok@example.org,public,en",
        "not-an-address,public,en",
        "tier@example.org,gold,en",
        "lang@example.org,public,fr",
        "OK@example.org,strategy-circle,zh",
        "zhhant@example.org,public,zh-hant",
        "fine@example.org,leadership-alliance,BI",
    ]
    root = make_publication(tmp_path, rows)
    for name, value in smtp_env(server.port).items():
        monkeypatch.setenv(name, value)
    result = run(root, "send", "memo", "--to", "recipients.csv")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert [line.split(": error: ")[0] for line in errors] == [f"recipients.csv:{n}" for n in (3, 4, 5, 6, 7)]
    assert [line.split(": error: ")[1].split(":")[0] for line in errors] == ["email", "tier", "language", "email", "language"]
    assert "first on line 2" in errors[3]
    assert sorted(rcpt for rcpt, _ in server.messages) == ["fine@example.org", "ok@example.org"]
    assert server.to("fine@example.org")[0]["X-Signalbrief-View"] == "bi"


def test_a_missing_column_is_one_error_and_nothing_is_sent(tmp_path, server):
    root = make_publication(tmp_path, [])
    (root / "recipients.csv").write_text("email,tier\nx@example.org,public\n", encoding="utf-8")
    report = send(root, "memo", root / "recipients.csv", options(server.port))
    assert [str(p) for p in report.problems] == [
        f"{root / 'recipients.csv'}:1: error: header: needs the columns email, tier, language; missing language"
    ]
    assert server.count() == 0


def test_dry_run_prints_who_gets_what_and_sends_and_logs_nothing(tmp_path, server, run, monkeypatch):
    root = make_publication(tmp_path, ROWS[:3])
    for name, value in smtp_env(server.port).items():
        monkeypatch.setenv(name, value)
    result = run(root, "send", "memo", "--to", "recipients.csv", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "pub-en@example.org: public/en: would send",
        "pub-zh@example.org: public/zh: would send",
        "circle-bi@example.org: strategy-circle/bi: would send",
    ]
    assert server.count() == 0 and not (root / LOG_FILE).exists()
    send(root, "memo", root / "recipients.csv", options(server.port))
    result = run(root, "send", "memo", "--to", "recipients.csv", "--dry-run")
    assert all(line.endswith("already sent, skipped") for line in result.stdout.splitlines())


def test_a_refused_recipient_is_reported_and_recorded_as_failed(tmp_path, server, run, monkeypatch):
    root = make_publication(tmp_path, ROWS[:3])
    server.refused.add("pub-zh@example.org")
    for name, value in smtp_env(server.port).items():
        monkeypatch.setenv(name, value)
    result = run(root, "send", "memo", "--to", "recipients.csv")
    assert result.exit_code == 4
    assert "pub-zh@example.org: public/zh: failed (550 5.1.1 no such mailbox)" in result.stdout
    assert server.tries["pub-zh@example.org"] == 1  # a 5xx is not tried again
    assert sorted(rcpt for rcpt, _ in server.messages) == ["circle-bi@example.org", "pub-en@example.org"]
    with sqlite3.connect(root / LOG_FILE) as db:
        states = dict(db.execute("SELECT address, state FROM deliveries"))
    assert states == {"pub-en@example.org": "sent", "pub-zh@example.org": "failed", "circle-bi@example.org": "sent"}


def test_a_4xx_answer_is_tried_again_then_succeeds(tmp_path, server):
    root = make_publication(tmp_path, ROWS[:2])
    server.busy["pub-zh@example.org"] = RETRIES  # refused three times, taken the fourth
    report = send(root, "memo", root / "recipients.csv", options(server.port))
    assert report.count("sent") == 2
    assert server.tries["pub-zh@example.org"] == RETRIES + 1 and len(server.to("pub-zh@example.org")) == 1


def test_a_4xx_answer_that_persists_fails_after_the_retries(tmp_path, server):
    root = make_publication(tmp_path, ROWS[:2])
    server.busy["pub-zh@example.org"] = RETRIES + 1
    report = send(root, "memo", root / "recipients.csv", options(server.port))
    assert [(o.recipient.address, o.state) for o in report.outcomes if o.state != "sent"] == [("pub-zh@example.org", "failed")]
    assert server.tries["pub-zh@example.org"] == RETRIES + 1
    server.busy.clear()
    again = send(root, "memo", root / "recipients.csv", options(server.port))  # a rerun tries a failed one again
    assert [o.state for o in again.outcomes] == ["skipped", "sent"]
    assert len(server.to("pub-zh@example.org")) == 1


def test_server_down_is_one_line_exit_4_and_the_log_is_kept(tmp_path, server, run, monkeypatch):
    root = make_publication(tmp_path, ROWS[:2])
    send(root, "memo", root / "recipients.csv", options(server.port))
    log = (root / LOG_FILE).read_bytes()
    (root / "recipients.csv").write_text("email,tier,language\nnew@example.org,public,en\n", encoding="utf-8")
    for name, value in smtp_env(free_port()).items():
        monkeypatch.setenv(name, value)
    result = run(root, "send", "memo", "--to", "recipients.csv")
    assert result.exit_code == 4
    assert result.stderr.startswith("error: cannot reach SMTP server 127.0.0.1:") and len(result.stderr.splitlines()) == 1
    with sqlite3.connect(root / LOG_FILE) as db:
        assert sorted(db.execute("SELECT address, state FROM deliveries")) == [
            ("pub-en@example.org", "sent"),
            ("pub-zh@example.org", "sent"),
        ]
    assert log  # the earlier sends are still recorded


def test_an_attempt_cut_short_is_sent_again_with_the_same_message_id(tmp_path, server):
    root = make_publication(tmp_path, ROWS[:1])
    send(root, "memo", root / "recipients.csv", options(server.port))
    [first] = server.to("pub-en@example.org")
    with sqlite3.connect(root / LOG_FILE) as db:  # as if killed after the server's 250, before `sent`
        db.execute("UPDATE deliveries SET state = 'attempt'")
    send(root, "memo", root / "recipients.csv", options(server.port))
    [_, second] = server.to("pub-en@example.org")
    assert second["Message-ID"] == first["Message-ID"]


def test_the_password_comes_only_from_the_environment():
    config = Config()
    with pytest.raises(UsageError, match="SIGNALBRIEF_SMTP_PASSWORD"):
        smtp_settings(config, {"SIGNALBRIEF_SMTP_HOST": "smtp.example.org", "SIGNALBRIEF_SMTP_USER": "me"})
    with pytest.raises(UsageError, match="without STARTTLS"):
        smtp_settings(
            config,
            {"SIGNALBRIEF_SMTP_HOST": "smtp.example.org", "SIGNALBRIEF_SMTP_USER": "me",
             "SIGNALBRIEF_SMTP_PASSWORD": "pw", "SIGNALBRIEF_SMTP_STARTTLS": "off"},
        )
    with pytest.raises(UsageError, match="no SMTP server"):
        smtp_settings(config, {})
    found = smtp_settings(config, {"SIGNALBRIEF_SMTP_HOST": "smtp.example.org", "SIGNALBRIEF_SMTP_USER": "me",
                                   "SIGNALBRIEF_SMTP_PASSWORD": "pw"})
    assert (found.port, found.starttls, found.password) == (587, True, "pw")


def test_login_refused_is_an_error_not_a_traceback(tmp_path, server):
    root = make_publication(tmp_path, ROWS[:1])
    env = {**smtp_env(server.port), "SIGNALBRIEF_SMTP_USER": "me", "SIGNALBRIEF_SMTP_PASSWORD": "pw"}
    with pytest.raises(OutputError, match=r"SMTP server 127\.0\.0\.1"):  # aiosmtpd offers no AUTH here
        send(root, "memo", root / "recipients.csv", SendOptions(environ=env))
    assert server.count() == 0


@pytest.mark.parametrize("rate", ["fast", "0/s", "3/hour", "-1"])
def test_a_bad_rate_is_a_usage_error(tmp_path, run, rate):
    root = make_publication(tmp_path, ROWS[:1])
    result = run(root, "send", "memo", "--to", "recipients.csv", "--rate", rate)
    assert result.exit_code == 2 and "--rate" in result.stderr


def test_the_rate_limit_spaces_the_messages(tmp_path, server):
    root = make_publication(tmp_path, ROWS[:4])
    send(root, "memo", root / "recipients.csv", options(server.port))  # builds the messages once
    (root / LOG_FILE).unlink()
    started = time.monotonic()
    send(root, "memo", root / "recipients.csv", options(server.port, rate=10.0))
    assert time.monotonic() - started >= 0.3  # four messages, 0.1 s apart


def test_an_unknown_brief_is_a_usage_error(tmp_path, server):
    root = make_publication(tmp_path, ROWS[:1])
    with pytest.raises(UsageError, match="no brief 'nope'"):
        send(root, "nope", root / "recipients.csv", options(server.port))


def test_kill_9_at_random_points_then_a_rerun_reaches_everyone_once(tmp_path, server):
    """Several sends killed with SIGKILL, some right after the server accepted a message (the worst
    moment: the 250 is in, `sent` may not be written), some a random moment later, then one run to the end."""
    addresses = [f"member{n:02d}@example.org" for n in range(30)]
    tiers = [EDITIONS[n % 3] for n in range(30)]
    root = make_publication(tmp_path, [f"{a},{t},{('en', 'zh', 'bi')[n % 3]}" for n, (a, t) in enumerate(zip(addresses, tiers, strict=True))])
    env = {**os.environ, **smtp_env(server.port)}
    command = [sys.executable, "-m", "signalbrief", "-C", str(root), "send", "memo", "--to", "recipients.csv", "--rate", "40/s"]
    rng = random.Random(13)
    kills = 0
    for round_ in range(6):
        target = server.count() + rng.randint(1, 4)
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while server.count() < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        if round_ % 2:  # else right after a 250: the window between the server's answer and the log
            time.sleep(rng.uniform(0, 0.025))  # somewhere before the next message (40/s: 25 ms apart)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert kills >= 4
    duplicates = 0
    for address, tier in zip(addresses, tiers, strict=True):
        got = server.to(address)
        assert got, f"{address} was skipped"
        assert len({message["Message-ID"] for message in got}) == 1, address
        assert {message["X-Signalbrief-Edition"] for message in got} == {tier}
        duplicates += len(got) - 1
    assert duplicates <= kills
