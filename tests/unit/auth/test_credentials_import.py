"""Importing the credentials module hashes nothing, nor does a login for no account: every
server, worker and command line imports it, and an Argon2id hash costs about a tenth of a second
of CPU. (That such a login verifies a hash with the product's parameters is
`test_login_throttling.py`'s.)"""

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
assert not credentials.verify_password(None, "any password")  # an unknown account
assert made == [], "a hash was made for a login without an account"
"""


def test_importing_the_credentials_or_a_login_for_no_account_makes_no_hash() -> None:
    done = subprocess.run([sys.executable, "-c", SPY], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
