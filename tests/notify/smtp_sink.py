"""A small SMTP server for tests: accepts every mail on a loopback port and keeps it.

It speaks just enough SMTP for ``smtplib`` (EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT), one thread per connection, and collects what arrives in
:attr:`SmtpSink.messages`. Python's ``smtpd`` is deprecated (and gone in
3.12) and ``aiosmtpd`` is not a dependency, hence this.

    with SmtpSink() as sink:
        app.config["MAIL_PORT"] = sink.port
        ...
        assert sink.messages[0].to == ["leader@example.no"]
"""
import email
import email.policy
import socket
import socketserver
import threading
from dataclasses import dataclass

MAX_LINE = 10_000  # RFC 5321 allows 1,000; be generous, but never read without end
MAX_MESSAGE = 5_000_000


@dataclass
class Received:
    """One delivered mail: the envelope and the parsed message."""

    sender: str
    to: list
    data: bytes

    @property
    def message(self):
        return email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def subject(self):
        return str(self.message["Subject"])

    @property
    def body(self):
        return self.message.get_content()


def free_port():
    """A loopback port nothing listens on (right now): where a server that is down would be."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, text):
        self.wfile.write(text.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        sink = self.server.sink
        sender, recipients = None, []
        self.reply("220 localhost test SMTP sink ready")
        while True:
            line = self.rfile.readline(MAX_LINE)
            if not line:
                return
            verb, _, argument = line.decode("ascii", "replace").strip().partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                self.reply("250-8BITMIME")
                self.reply(f"250 SIZE {MAX_MESSAGE}")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                address = _address(argument, "FROM:")
                if address is None:
                    self.reply("501 Syntax: MAIL FROM:<address>")
                else:
                    sender, recipients = address, []
                    self.reply("250 OK")
            elif verb == "RCPT":
                address = _address(argument, "TO:")
                if sender is None:
                    self.reply("503 Need MAIL first")
                elif not address:
                    self.reply("501 Syntax: RCPT TO:<address>")
                else:
                    recipients.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self.reply("503 Need RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self._data()
                if data is None:
                    return
                sink.deliver(Received(sender, list(recipients), data))
                sender, recipients = None, []
                self.reply("250 OK: queued")
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _data(self):
        """The message up to the lone dot, with the dot-stuffing undone; None if the client went away."""
        lines, size = [], 0
        while True:
            line = self.rfile.readline(MAX_LINE)
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            if line.startswith(b".."):
                line = line[1:]
            size += len(line)
            if size <= MAX_MESSAGE:
                lines.append(line)


def _address(argument, prefix):
    """``FROM:<a@b.no> SIZE=123`` -> ``a@b.no`` (``""`` for the null sender ``<>``)."""
    if not argument.upper().startswith(prefix):
        return None
    rest = argument[len(prefix):].strip()
    if rest.startswith("<"):
        end = rest.find(">")
        return rest[1:end] if end > 0 else None
    return rest.split(" ", 1)[0] or None


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """A running SMTP server on ``127.0.0.1:port`` (a free port unless given) that keeps every mail."""

    def __init__(self, port=0):
        self.messages = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="smtp-sink", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def deliver(self, received):
        with self._lock:
            self.messages.append(received)

    def to(self, address):
        """The mails delivered to ``address``."""
        with self._lock:
            return [m for m in self.messages if address in m.to]

    def clear(self):
        with self._lock:
            self.messages.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
