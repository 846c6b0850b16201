"""How a person signs in from the browser: password, then the second factor the access policy
asks for before any PHI (setting up a TOTP authenticator verifies it for the session)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from typing import Any

from tests.conftest import PASSWORD


def totp_now(secret: str) -> str:
    """RFC 6238 TOTP (SHA-1, 30 s, 6 digits), computed here as an authenticator app would."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in_with_mfa(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in with the password, then set up a TOTP authenticator as the policy asks."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/care/")
    # The first page with beneficiary data sends the person to set up a second factor (allauth
    # asks for the password again before a security change).
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    # A code typed in the last moments of its 30 s window would reach the server in the next one
    # (the server takes the current window only): wait for a fresh window then.
    if 30 - time.time() % 30 < 3:
        time.sleep(3.5)
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    # The activation is a form POST: let it finish before leaving the page (going on at once
    # could abort it, and the next page then asks for activation again).
    with page.expect_navigation():
        page.get_by_role("button", name="Activate").click()
