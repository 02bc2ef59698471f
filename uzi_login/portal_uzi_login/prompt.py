"""The card holder's own action at the helper: the PIN, asked for each login.

``Prompt`` is what the signing service needs from the person at the PC; ``TerminalPrompt``
asks in the helper's own terminal window. Tests drive the same class through a pipe (or
give the service a prompt object of their own): the service never learns where a PIN came
from, only that the card holder typed it for this request.

Rules every prompt keeps:
- the question names the hospital, the portal address and the confirmation code that the
  login page shows as well, so the card holder can tell their own login from another one;
- a PIN counts only for the question it answers: anything typed before the question is
  thrown away, and an empty answer or no answer within the time limit refuses;
- the PIN is returned once and not kept.
"""
from __future__ import annotations

import queue
import sys
import threading
from dataclasses import dataclass
from typing import Protocol, TextIO

from .message import confirmation_code

PIN_QUESTION = "Pincode van uw UZI-pas (Enter zonder pincode weigert): "


@dataclass(frozen=True)
class SigningRequest:
    """One login that asks for the card: where, for which hospital, which attempt."""

    hospital: str
    portal_origin: str
    tenant_id: str
    challenge: str

    @property
    def code(self) -> str:
        return confirmation_code(self.challenge)


class Prompt(Protocol):
    def ask_pin(self, request: SigningRequest, timeout: float) -> str | None:
        """The PIN the card holder entered for ``request``; None when they refused or gave
        none within ``timeout`` seconds. Called for one request at a time."""

    def tell(self, message: str) -> None:
        """Show the card holder a message (Dutch)."""


def describe(request: SigningRequest, from_page: bool = True) -> str:
    """The question's text, the same in every prompt (``from_page``: the login page asked,
    not the card holder at this window, so they must check that it was their own click)."""
    text = (f"\nInlogverzoek voor het zorgverlenersportaal van {request.hospital}\n"
            f"  adres:        {request.portal_origin}\n")
    if not from_page:
        return text
    return (text + f"  controlecode: {request.code}   (dezelfde code staat op de inlogpagina)\n"
            "Vul uw pincode alleen in als u zelf net op 'Inloggen met UZI-pas' hebt geklikt\n"
            "en de inlogpagina dezelfde controlecode toont.\n")


_EOF = object()


class TerminalPrompt:
    """Asks in the helper's terminal: questions on ``output``, answers read from ``input``.

    A thread reads ``input`` line by line; on a terminal the typed characters are not
    echoed (``start``/``close`` switch echo off and on again). On a pipe (tests, a wrapper
    window) lines are read as they come."""

    def __init__(self, input: TextIO | None = None, output: TextIO | None = None):  # noqa: A002
        self._input = input or sys.stdin
        self._output = output or sys.stdout
        self._lines: queue.Queue = queue.Queue()
        self._write_lock = threading.Lock()
        self._restore = None

    def start(self) -> "TerminalPrompt":
        self._restore = _echo_off(self._input)
        threading.Thread(target=self._read, name="pin-reader", daemon=True).start()
        return self

    def close(self) -> None:
        if self._restore is not None:
            self._restore()
            self._restore = None

    def _read(self) -> None:
        for line in _lines_of(self._input):
            self._lines.put(line)
        self._lines.put(_EOF)

    def _discard_earlier_input(self) -> None:
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return
            if line is _EOF:
                self._lines.put(_EOF)
                return

    def tell(self, message: str) -> None:
        with self._write_lock:
            self._output.write(message.rstrip("\n") + "\n")
            self._output.flush()

    def ask_pin(self, request: SigningRequest, timeout: float) -> str | None:
        self._discard_earlier_input()
        with self._write_lock:
            self._output.write(describe(request) + PIN_QUESTION)
            self._output.flush()
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.tell(f"\nGeen pincode ingevuld binnen {timeout:g} seconden: niet ondertekend.")
            return None
        if line is _EOF:
            self._lines.put(_EOF)
            self.tell("\nGeen invoer meer mogelijk: niet ondertekend.")
            return None
        pin = line.rstrip("\r\n")
        if not pin:
            self.tell("\nGeweigerd: niet ondertekend.")
            return None
        self.tell("")  # the Enter was not echoed
        return pin


def _lines_of(stream: TextIO):
    """Lines typed into ``stream``; on a Windows console read key by key without echo."""
    if sys.platform == "win32" and stream.isatty():  # pragma: no cover - Windows only
        import msvcrt

        typed: list[str] = []
        while True:
            char = msvcrt.getwch()
            if char in ("\r", "\n"):
                yield "".join(typed) + "\n"
                typed.clear()
            elif char == "\x08":
                typed = typed[:-1]
            elif char == "\x03":
                return
            else:
                typed.append(char)
    else:
        yield from iter(stream.readline, "")


def _echo_off(stream: TextIO):
    """Switch off echo on a POSIX terminal; returns how to switch it back on (or None)."""
    if sys.platform == "win32" or not stream.isatty():
        return None
    import termios

    descriptor = stream.fileno()
    before = termios.tcgetattr(descriptor)
    silent = list(before)
    silent[3] &= ~termios.ECHO
    termios.tcsetattr(descriptor, termios.TCSADRAIN, silent)
    return lambda: termios.tcsetattr(descriptor, termios.TCSADRAIN, before)
