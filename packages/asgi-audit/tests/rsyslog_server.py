"""A real rsyslog for a test: started with a configuration of its own on a loopback port (plain
TCP, or TLS through its gtls driver, anonymous or requiring a client certificate), writing each
message it received as one JSON object of the fields it parsed (RFC 5424), plus the raw message.

Skipped when `rsyslogd` is missing, unless `CALLMANAGER_REQUIRE_RSYSLOG` is set (`.ci/run`
installs it), then the test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from tls_certificates import Authority

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
Mode = Literal["tcp", "tls-anon", "tls-x509"]

FIELDS_TEMPLATE = """
template(name="fields" type="list" option.jsonf="on") {
  property(outname="pri" name="pri" format="jsonf")
  property(outname="facility" name="syslogfacility" format="jsonf")
  property(outname="severity" name="syslogseverity" format="jsonf")
  property(outname="protocol_version" name="protocol-version" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app_name" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="structured_data" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
"""


def rsyslogd_or_skip() -> str:
    if os.access(RSYSLOGD, os.X_OK):
        return RSYSLOGD
    if os.environ.get("CALLMANAGER_REQUIRE_RSYSLOG"):
        pytest.fail(f"rsyslogd is required here but {RSYSLOGD} is missing")
    pytest.skip("syslog tests need rsyslogd with rsyslog-gnutls (.ci/run installs them)")


@dataclass
class Rsyslog:
    """A running rsyslogd: where it listens, and what it wrote."""

    port: int
    output: Path
    authority: Authority

    def received(self) -> list[dict[str, Any]]:
        """The messages rsyslog has written whole: a line it is still writing (a large one
        arrives in pieces, perhaps mid-character) is left for a later read."""
        if not self.output.exists():
            return []
        *whole, _partial = self.output.read_bytes().split(b"\n")
        return [json.loads(line.decode("utf-8")) for line in whole]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The first `count` messages, once rsyslog has written them (its file action is
        asynchronous to the connection)."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.received()
            if len(received) >= count or time.monotonic() > deadline:
                return received
            time.sleep(0.05)


@contextmanager
def rsyslog(
    directory: Path, mode: Mode, authority: Authority | None = None, port: int = 0
) -> Iterator[Rsyslog]:
    """rsyslogd listening on 127.0.0.1 in `mode` (on `port`, or one it picks), its server
    certificate issued by `authority` (a new CA if none)."""
    binary = rsyslogd_or_skip()
    directory.mkdir(parents=True, exist_ok=True)
    authority = authority or Authority.create("Test syslog CA")
    (directory / "ca.pem").write_text(authority.cert_pem)
    authority.issue("localhost", server=True).write(directory, "server")
    output, port_file = directory / "received.jsonl", directory / "port"
    conf = directory / "rsyslog.conf"
    port_file.unlink(missing_ok=True)
    conf.write_text(_config(directory, mode, output, port_file, port))
    pidfile = directory / "rsyslogd.pid"
    process = subprocess.Popen(
        [binary, "-n", "-f", str(conf), "-i", str(pidfile)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        port = _await_port(port_file, process, port)
        yield Rsyslog(port, output, authority)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def _config(directory: Path, mode: Mode, output: Path, port_file: Path, port: int) -> str:
    tls = mode != "tcp"
    auth = "anon" if mode == "tls-anon" else "x509/certvalid"
    module = 'module(load="imtcp" MaxSessions="20"'
    if tls:
        module += f' StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="{auth}"'
    module += ")"
    return f"""
global(
  workDirectory="{directory}"
  maxMessageSize="256k"
  defaultNetstreamDriverCAFile="{directory / "ca.pem"}"
  defaultNetstreamDriverCertFile="{directory / "server.pem"}"
  defaultNetstreamDriverKeyFile="{directory / "server-key.pem"}"
)
{module}
input(type="imtcp" address="127.0.0.1" port="{port}" listenPortFileName="{port_file}")
{FIELDS_TEMPLATE}
action(type="omfile" file="{output}" template="fields")
"""


def _await_port(port_file: Path, process: subprocess.Popen[bytes], port: int) -> int:
    """The port rsyslogd listens on, once it accepts connections there (for port 0 it writes
    the port it picked to a file, which can come before it accepts)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"rsyslogd exited with {process.returncode}:\n{log}")
        if not port:
            text = port_file.read_text().strip() if port_file.exists() else ""
            port = int(text) if text.isdigit() else 0
        if port:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return port
        time.sleep(0.05)
    raise RuntimeError("rsyslogd did not start listening")
