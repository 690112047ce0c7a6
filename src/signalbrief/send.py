"""Send one brief's email to a list of members over SMTP, exactly once per recipient and brief.

The messages come from a fresh `--format email` build (into `.signalbrief/send/site`, reused when
nothing changed), so a send never mails a stale or wrongly gated message. Each recipient gets the
edition of their tier in their language, with a To and a Message-ID made from the brief, the
recipient and the message's content: a message sent again carries the same id.

The send log (`.signalbrief/send-log.sqlite`, WAL, every change committed with a full sync) records
each recipient as `attempt` before the message is handed to the server and as `sent` right after the
server's 250. A rerun skips who is `sent`. One window cannot be closed: killed after the server
accepted a message but before `sent` was written, a rerun sends that message again, with the same
Message-ID, which mail systems fold into one.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import os
import smtplib
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path

from signalbrief.build import BuildOptions, build
from signalbrief.config import Config
from signalbrief.configfile import load_config
from signalbrief.errors import OutputError, UsageError
from signalbrief.fields import address_problem, mailbox_parts
from signalbrief.formats.email import smtp_policy
from signalbrief.incremental import STATE_DIR
from signalbrief.languages import selected_views

LOG_FILE = STATE_DIR / "send-log.sqlite"
LOCK_FILE = STATE_DIR / "send.lock"
MESSAGES = STATE_DIR / "send" / "site"  # the build the messages are read from
COLUMNS = ("email", "tier", "language")
RETRIES = 3  # tries after the first for a 4xx answer or a dropped connection, waiting 1, 2, 4 s
LOOPBACK = ("127.0.0.1", "::1", "localhost")
SENT, ATTEMPT, FAILED = "sent", "attempt", "failed"


@dataclass(frozen=True)
class Recipient:
    """A valid row of the recipient list."""

    address: str
    edition: str
    view: str
    line: int


@dataclass(frozen=True)
class RowProblem:
    """A row of the recipient list that is skipped, and why."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: error: {self.field}: {self.message}"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None


@dataclass
class SendOptions:
    dry_run: bool = False
    rate: float | None = None  # messages per second; None: no limit
    retry_delay: float = 1.0  # the first wait before trying again; doubled each time
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    shown: str | None = None  # the recipient list's name in messages (default: its path)


@dataclass
class Outcome:
    """What happened to one recipient: `state` is sent, skipped (sent before), failed or planned (dry run)."""

    recipient: Recipient
    state: str
    detail: str = ""


@dataclass
class SendReport:
    outcomes: list[Outcome]
    problems: list[RowProblem]

    def count(self, state: str) -> int:
        return sum(outcome.state == state for outcome in self.outcomes)


Progress = Callable[[Outcome], None]


def send(
    root: Path, brief_id: str, recipients: Path, options: SendOptions, progress: Progress | None = None
) -> SendReport:
    """Send `brief_id` to every valid row of `recipients` who has not had it yet (see the module's notes)."""
    config = load_config(root)
    valid, problems = read_recipients(recipients, config, options.shown)
    messages = Messages(root, brief_id)
    outcomes: list[Outcome] = []
    if options.dry_run:
        sent = read_sent(root / LOG_FILE, brief_id)
        for recipient in valid:
            messages.get(recipient)  # a message that cannot be made fails the dry run too
            state = "skipped" if recipient.address in sent else "planned"
            outcomes.append(_told(Outcome(recipient, state), progress))
        return SendReport(outcomes, problems)
    settings = smtp_settings(config, options.environ)
    with send_lock(root), SendLog(root / LOG_FILE) as log, Connection(settings) as connection:
        sender = Sender(connection, log, options, sender_domain(config))
        for recipient in valid:
            outcomes.append(_told(sender.deliver(brief_id, recipient, messages), progress))
    return SendReport(outcomes, problems)


def _told(outcome: Outcome, progress: Progress | None) -> Outcome:
    if progress is not None:
        progress(outcome)
    return outcome


def read_recipients(path: Path, config: Config, shown: str | None = None) -> tuple[list[Recipient], list[RowProblem]]:
    """The valid rows of a CSV file (email, tier, language) and a problem for each other row."""
    name = shown or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{name}: {exc.strerror}") from None
    rows = csv.reader(text.splitlines())
    header = [name.strip().lower() for name in next(rows, [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        return [], [RowProblem(name, 1, "header", f"needs the columns {', '.join(COLUMNS)}; missing {missing[0]}")]
    views = {view.id.lower(): view.id for view in selected_views(config.languages, ())}
    found: list[Recipient] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[header.index(name)].strip() if header.index(name) < len(row) else "") for name in COLUMNS}
        problem = _row_problem(cells, config, views, seen)
        if problem is not None:
            problems.append(RowProblem(name, line, *problem))
            continue
        address = cells["email"].lower()
        seen[address] = line
        found.append(Recipient(address, cells["tier"], views[cells["language"].lower()], line))
    return found, problems


def _row_problem(
    cells: dict[str, str], config: Config, views: dict[str, str], seen: dict[str, int]
) -> tuple[str, str] | None:
    """(column, message) for a row that cannot be sent to, else None."""
    address = cells["email"]
    problem = address_problem(address)
    if problem is not None:
        return "email", problem
    if address.lower() in seen:
        return "email", f"{address!r} is listed twice (first on line {seen[address.lower()]}); this row is skipped"
    if cells["tier"] not in config.edition_ids:
        return "tier", f"{cells['tier']!r} is not a tier; tiers: {', '.join(config.edition_ids)}"
    if cells["language"].lower() not in views:
        return "language", f"{cells['language']!r} is not a language view; views: {', '.join(views.values())}"
    return None


class Messages:
    """The brief's messages, from a fresh email build, by edition and view."""

    def __init__(self, root: Path, brief_id: str):
        self.folder = root / MESSAGES
        self.brief_id = brief_id
        build(root, BuildOptions(output=MESSAGES, formats=("email",)))
        if not any(self.folder.glob(f"*/*/{brief_id}.eml")):
            raise UsageError(f"no brief {brief_id!r} to send (no such id in briefs/, or it is a draft)")

    def get(self, recipient: Recipient) -> bytes:
        """The message for a recipient's edition and view, as built."""
        return (self.folder / recipient.edition / recipient.view / f"{self.brief_id}.eml").read_bytes()


def message_id(brief_id: str, address: str, content: bytes, domain: str) -> str:
    """A Message-ID that is the same for the same brief, recipient and message content."""
    digest = hashlib.sha256(b"\0".join([brief_id.encode(), address.encode(), hashlib.sha256(content).digest()]))
    return f"<{digest.hexdigest()[:40]}.{brief_id}@{domain}>"


def addressed(content: bytes, address: str, mid: str) -> EmailMessage:
    """A built message with its recipient, Message-ID and the date it is sent."""
    message = BytesParser(policy=smtp_policy()).parsebytes(content)
    message["To"] = address
    message["Message-ID"] = mid
    del message["Date"]
    message["Date"] = format_datetime(datetime.now(UTC))
    return message


def sender_domain(config: Config) -> str:
    assert config.email is not None  # the email build refuses a config without one
    return mailbox_parts(config.email.sender)[1].rpartition("@")[2]


def smtp_settings(config: Config, environ: dict[str, str]) -> SmtpSettings:
    """The SMTP server from the environment (SIGNALBRIEF_SMTP_*) or else the config; the password
    only from the environment."""
    email = config.email
    host = environ.get("SIGNALBRIEF_SMTP_HOST") or (email.smtp_host if email else None)
    if not host:
        raise UsageError("no SMTP server: set email.smtp.host in signalbrief.yaml or SIGNALBRIEF_SMTP_HOST")
    starttls = _switch(environ.get("SIGNALBRIEF_SMTP_STARTTLS"), email.starttls if email else True)
    port = _port(environ.get("SIGNALBRIEF_SMTP_PORT")) or (email.smtp_port if email else None)
    user = environ.get("SIGNALBRIEF_SMTP_USER") or (email.smtp_user if email else None)
    password = environ.get("SIGNALBRIEF_SMTP_PASSWORD") or None
    if user and not password:
        raise UsageError(f"SMTP user {user!r} needs its password in SIGNALBRIEF_SMTP_PASSWORD")
    if password and not user:
        raise UsageError("SIGNALBRIEF_SMTP_PASSWORD is set but no SMTP user (email.smtp.user or SIGNALBRIEF_SMTP_USER)")
    if password and not starttls and host not in LOOPBACK:
        raise UsageError(f"refusing to send the SMTP password to {host} without STARTTLS; turn email.smtp.starttls on")
    return SmtpSettings(host, port or (587 if starttls else 25), starttls, user, password)


def _switch(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    if value.strip().lower() in ("1", "on", "true", "yes"):
        return True
    if value.strip().lower() in ("0", "off", "false", "no"):
        return False
    raise UsageError(f"SIGNALBRIEF_SMTP_STARTTLS={value!r}: write on or off")


def _port(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit() or not 1 <= int(value) <= 65535:
        raise UsageError(f"SIGNALBRIEF_SMTP_PORT={value!r} is not a port number from 1 to 65535")
    return int(value)


@contextlib.contextmanager
def send_lock(root: Path) -> Iterator[None]:
    """Hold the publication's send lock: two sends at once could both mail one recipient."""
    (root / STATE_DIR).mkdir(exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError("another send is running in this publication; try again when it has finished") from None
        yield
    finally:
        os.close(fd)


class SendLog:
    """Who has had which brief: one row per brief and recipient, each change durable once written."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> SendLog:
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS deliveries (brief TEXT NOT NULL, address TEXT NOT NULL, "
                "state TEXT NOT NULL, message_id TEXT NOT NULL, edition TEXT NOT NULL, view TEXT NOT NULL, "
                "detail TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (brief, address))"
            )
        except sqlite3.DatabaseError as exc:
            raise OutputError(f"{self.path}: cannot use the send log ({exc}); nothing was sent") from None
        return self

    def __exit__(self, *exc) -> None:
        self.db.close()

    def get(self, brief_id: str, address: str) -> tuple[str, str] | None:
        """(state, Message-ID) of a recipient, or None if never tried."""
        row = self.db.execute(
            "SELECT state, message_id FROM deliveries WHERE brief = ? AND address = ?", (brief_id, address)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def record(self, brief_id: str, recipient: Recipient, state: str, mid: str, detail: str = "") -> None:
        """Write a recipient's state; it is on disk when this returns (WAL, synchronous=FULL)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        row = (brief_id, recipient.address, state, mid, recipient.edition, recipient.view, detail, now)
        try:
            self.db.execute("INSERT OR REPLACE INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        except sqlite3.Error as exc:
            raise OutputError(f"{self.path}: cannot write the send log ({exc}); stopped") from None


def read_sent(path: Path, brief_id: str) -> set[str]:
    """Who has had a brief, read without creating or changing the log (for a dry run)."""
    if not path.is_file():
        return set()
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        try:
            rows = db.execute("SELECT address FROM deliveries WHERE brief = ? AND state = ?", (brief_id, SENT))
            return {row[0] for row in rows}
        except sqlite3.Error:
            return set()


class Connection:
    """An SMTP connection that can be opened again after the server drops it."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        settings = self.settings
        try:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=30)
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise OutputError(f"SMTP server {settings.host}: login refused ({_said(exc)})") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise OutputError(f"cannot reach SMTP server {settings.host}:{settings.port} ({_said(exc)})") from None
        self.smtp = smtp

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
            self.smtp = None

    def again(self) -> None:
        self.close()
        self.open()


def _said(exc: BaseException) -> str:
    """What an SMTP error or a socket error says, on one line."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(_said(smtplib.SMTPResponseException(c, m)) for c, m in exc.recipients.values())
    return " ".join(str(exc).split()) or type(exc).__name__


def _code(exc: BaseException) -> int:
    """The SMTP reply code of an error (0 for a dropped connection)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return max(code for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return 0


class Sender:
    """Delivers to one recipient after another, recording each in the log."""

    def __init__(self, connection: Connection, log: SendLog, options: SendOptions, domain: str):
        self.connection = connection
        self.log = log
        self.options = options
        self.domain = domain
        self.last = 0.0  # when the last message went

    def deliver(self, brief_id: str, recipient: Recipient, messages: Messages) -> Outcome:
        """Send a recipient the brief unless the log says they had it; a rerun keeps the Message-ID."""
        known = self.log.get(brief_id, recipient.address)
        if known is not None and known[0] == SENT:
            return Outcome(recipient, "skipped", "sent before")
        content = messages.get(recipient)
        mid = known[1] if known is not None else message_id(brief_id, recipient.address, content, self.domain)
        self.log.record(brief_id, recipient, ATTEMPT, mid)
        self._wait_for_rate()
        refused = self._try(addressed(content, recipient.address, mid), recipient.address)
        if refused:
            self.log.record(brief_id, recipient, FAILED, mid, refused)
            return Outcome(recipient, "failed", refused)
        self.log.record(brief_id, recipient, SENT, mid)
        return Outcome(recipient, "sent")

    def _try(self, message: EmailMessage, address: str) -> str:
        """Hand the message to the server, trying again after a 4xx or a dropped connection; return
        "" when the server took it, else what it said (a 5xx, or a 4xx after every retry)."""
        delay = self.options.retry_delay
        for attempt in range(RETRIES + 1):
            try:
                assert self.connection.smtp is not None
                self.connection.smtp.send_message(message, to_addrs=[address])
                return ""
            except (OSError, smtplib.SMTPException) as exc:
                code = _code(exc)
                if 500 <= code < 600 or attempt == RETRIES:
                    return _said(exc)
                time.sleep(delay)
                delay *= 2
                if code in (0, 421):  # the connection is gone: open another (an OutputError if the server is)
                    self.connection.again()
        return ""  # not reached: the last attempt returns

    def _wait_for_rate(self) -> None:
        if self.options.rate:
            pause = self.last + 1 / self.options.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self.last = time.monotonic()
