"""Mail transport shared by alerts and digests: SMTP from the config (STARTTLS, login with the
password from the environment), or .eml files in the outbox folder when no SMTP host is set."""

from __future__ import annotations

import hashlib
import os
import smtplib
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from huunghi.config import Config


def new_message(config: Config, subject: str, to: list[str], identity: str, **headers: str) -> EmailMessage:
    """A message with the headers every Huunghi mail carries; ``identity`` makes its Message-ID stable."""
    msg = EmailMessage()
    if subject.isascii():
        msg["Subject"] = subject
    else:
        # the email package's own folding drops the space where it splits a Vietnamese subject
        # between two encoded words ("(thoidai)— lần ..."); Header encodes the space inside a word
        msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode())
    msg["From"] = config.mail.sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=identity, domain="huunghi")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def deliver(config: Config, msg: EmailMessage | bytes, outbox_name: str) -> None:
    """Send one message; raises on failure (the caller records it and schedules a retry)."""
    if isinstance(msg, bytes):
        msg = message_from_bytes(msg, policy=policy.default)  # type: ignore[assignment]
    assert isinstance(msg, EmailMessage)
    mail = config.mail
    if not mail.smtp_host:
        write_outbox(config.outbox, outbox_name, msg)
        return
    smtp = smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=15)
    try:
        if mail.starttls:
            smtp.starttls()
        if mail.username:
            smtp.login(mail.username, os.environ.get(mail.password_env, ""))
        smtp.send_message(msg)  # returns once the server accepted DATA: the message is delivered
    except BaseException:
        smtp.close()
        raise
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        # a 421 or a dropped line at QUIT, after the server took the message: still delivered,
        # and sending it again would make a duplicate
        smtp.close()


def outbox_name(name: str, msg: EmailMessage) -> str:
    """``name`` plus a digest of what the message says: delivery ids start again at 1 in a new
    archive, so an old outbox folder must not make a new alert look delivered already. The
    digest leaves out Date and Message-ID, so the same delivery retried keeps its name."""
    parts = [f"{k}: {v}" for k, v in msg.items() if k.lower() not in ("date", "message-id")]
    body = msg.get_body(("plain", "html"))
    parts.append(body.get_content() if body is not None else str(msg.get_payload()))
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-{digest}.{suffix}" if dot else f"{name}-{digest}"


def write_outbox(folder: Path, name: str, msg: EmailMessage) -> Path:
    """Write a message atomically; a file that is already there was delivered before."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / outbox_name(name, msg)
    if target.exists():
        return target
    tmp = folder / f".{target.name}.tmp"
    tmp.write_bytes(bytes(msg))
    tmp.replace(target)
    return target
