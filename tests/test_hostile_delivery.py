"""Delivery faults: a receiver that drips, an SMTP server that answers 421 to QUIT, an outbox
folder older than the archive, webhooks pointed at local files or the metadata address."""

from __future__ import annotations

import socket
import threading
import time
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from huunghi.config import MailConfig, SubscriptionConfig, parse_config
from huunghi.fetchpolicy import Refused
from huunghi.monitor import alerts
from huunghi.monitor.mail import deliver, write_outbox


class Drip:
    """Answers a POST one byte per second, for ten minutes: httpx's per-read timeout never fires."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n" + b"x" * 600:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(1.0)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _delivery(n: int = 1) -> SimpleNamespace:
    return SimpleNamespace(id=n, event_id=n, kind="new", subscription="hook", data={"title": "x"})


def test_a_dripping_webhook_is_cut_off_at_its_deadline():
    drip = Drip()
    sub = SubscriptionConfig(name="hook", webhook=drip.url, allow_private=True)
    outcome: list[BaseException | None] = []

    def send() -> None:
        try:
            alerts.send_webhook(sub, _delivery(), None, deadline_s=2.0)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - the test wants whatever came out
            outcome.append(exc)

    worker = threading.Thread(target=send, daemon=True)
    worker.start()
    worker.join(120)  # generous; without a total deadline it would take 10 minutes
    drip.close()
    assert not worker.is_alive(), "the webhook pass is still hanging on a dripping receiver"
    assert isinstance(outcome[0], TimeoutError), outcome


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "http://169.254.169.254/latest",
        "http://127.0.0.1:9/hook",
        "http://[::1]/x",
        "http://2130706433/x",
        "http://localhost/x",
        "data:text/plain,x",
    ],
)
def test_webhooks_obey_the_fetch_policy(url):
    with pytest.raises(Refused):
        alerts.send_webhook(SubscriptionConfig(name="hook", webhook=url), _delivery(), None)


def test_config_refuses_a_webhook_to_a_local_address():
    from huunghi.config import ConfigError

    data = {"subscriptions": [{"name": "h", "webhook": "http://169.254.169.254/"}]}
    with pytest.raises(ConfigError, match="webhook"):
        parse_config(data)
    data["subscriptions"][0]["allow_private"] = True
    parse_config(data)


class QuitWith421(SMTP):
    async def smtp_QUIT(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's hook name
        await self.push("421 4.3.0 closing, sorry")
        self._handler_coroutine.cancel() if hasattr(self, "_handler_coroutine") else None
        self.transport.close()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"


class Controller421(Controller):
    def factory(self):
        return QuitWith421(self.handler)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _message(text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = "Tin mới", "h@test", "desk@test"
    msg.set_content(text)
    return msg


def test_421_at_quit_after_the_message_was_accepted_is_a_success():
    inbox = Inbox()
    port = _free_port()
    controller = Controller421(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = SimpleNamespace(mail=MailConfig(smtp_host="127.0.0.1", smtp_port=port, starttls=False))
        deliver(config, _message("một lần thôi"), "alert-00000001.eml")  # must not raise
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_outbox_names_do_not_collide_across_archives(tmp_path):
    old = write_outbox(tmp_path, "alert-00000001.eml", _message("tin của archive cũ"))
    again = write_outbox(tmp_path, "alert-00000001.eml", _message("tin của archive cũ"))
    new = write_outbox(tmp_path, "alert-00000001.eml", _message("tin của archive mới"))
    assert old == again  # the same delivery retried is the same file
    assert new != old and new.exists() and "archive mới" in new.read_text(encoding="utf-8")


def test_stuck_sending_rows_are_released_after_the_deadline_not_15_minutes():
    assert alerts.STALE_AFTER_S < 900
    assert alerts.STALE_AFTER_S > alerts.PASS_BUDGET_S + alerts.WEBHOOK_DEADLINE_S
