"""Get an access token the way a partner system does: sign a SMART Backend Services assertion
with the client's private key and post it to the token URL.

    python manage.py partner_token --client-id ID --key var/demo/partner-A9901.pem \\
        --url http://127.0.0.1:8000/api/v1/auth/token [--scope "system/Group.read ..."]

Prints the access token. A tool for trying the API; partner systems use their own code.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.oauth import CLIENT_ASSERTION_TYPE


class Command(BaseCommand):
    help = "Get an access token with a signed JWT client assertion (SMART Backend Services)."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--key", required=True, help="PEM file of the private key")
        parser.add_argument("--url", default="http://127.0.0.1:8000/api/v1/auth/token")
        parser.add_argument("--scope", default="", help="Space-separated; default: all registered")

    def handle(self, *args: Any, **options: Any) -> None:
        key = serialization.load_pem_private_key(Path(options["key"]).read_bytes(), password=None)
        algorithm = "ES384" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS384"
        now = int(time.time())
        client_id, url = options["client_id"], options["url"]
        assertion = jwt.encode(
            {
                "iss": client_id,
                "sub": client_id,
                "aud": url,
                "iat": now,
                "exp": now + 300,
                "jti": uuid.uuid4().hex,
            },  # fmt: skip
            key,
            algorithm=algorithm,
        )
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion,
        }
        if options["scope"]:
            form["scope"] = options["scope"]
        if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
            raise CommandError("The token URL must be http(s).")
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode())  # noqa: S310 - scheme checked above
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - scheme checked above
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise CommandError(f"{exc.code}: {exc.read().decode()}") from None
        self.stdout.write(body["access_token"])
