"""A real SMTP server for the tests: aiosmtpd on loopback, on a free port, keeping every
message it accepts (``messages``) as parsed ``email.message.Message`` objects."""
from __future__ import annotations

import email
import email.policy
import socket
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keep:
    def __init__(self, server: "TestSmtpServer"):
        self.server = server

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.server.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                              policy=email.policy.default))
        self.server.raw.append(envelope.original_content or b"")
        return "250 Message accepted for delivery"


class TestSmtpServer:
    """``with TestSmtpServer() as smtp:`` ... ``smtp.port``, ``smtp.messages``; ``stop()``
    takes it down (the port then refuses connections) and ``start()`` brings it back on the
    same port."""

    __test__ = False  # not a pytest test class

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[Message] = []
        self.raw: list[bytes] = []
        self._controller: Controller | None = None

    def start(self) -> "TestSmtpServer":
        self._controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "TestSmtpServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
