"""Importing the credentials module hashes nothing: every server, worker and command line
imports it, and an Argon2id hash costs about a tenth of a second of CPU."""

from __future__ import annotations

import subprocess
import sys

SPY = """
import argon2
made = []
original = argon2.PasswordHasher.hash
def spy(self, password, **kw):
    made.append(1)
    return original(self, password, **kw)
argon2.PasswordHasher.hash = spy
from callmanager.auth import credentials
assert made == [], "a hash was made at import"
assert not credentials.verify_password(None, "any password")  # an unknown account: one hash made
assert made == [1], made
"""


def test_importing_the_credentials_makes_no_hash_until_a_login_needs_one() -> None:
    done = subprocess.run([sys.executable, "-c", SPY], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
