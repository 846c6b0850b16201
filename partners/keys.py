"""Public keys of partner clients: parsed from PEM, a JWK or a JWK Set, never a private key.

Clients sign their token-request assertions with their private key; we keep only the public
half. SMART Backend Services asks servers to accept RS384 and ES384; the other RSA and EC
sizes are accepted too. Symmetric algorithms are refused: a shared secret is not a public key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ALGORITHMS = ("RS384", "ES384", "RS256", "RS512", "ES256", "ES512", "PS256", "PS384", "PS512")
MIN_RSA_BITS = 2048
EC_CURVES = {"secp256r1", "secp384r1", "secp521r1"}


class KeyRejected(ValueError):
    """The text is not an acceptable public key; the message says why."""


@dataclass(frozen=True)
class PublicKey:
    kid: str
    key: Any  # a cryptography public key object
    algorithm: str  # "" when the key does not pin one

    @property
    def family(self) -> str:
        return "RSA" if isinstance(self.key, rsa.RSAPublicKey) else "EC"

    def allows(self, algorithm: str) -> bool:
        if self.algorithm and self.algorithm != algorithm:
            return False
        return algorithm.startswith(("RS", "PS")) == (self.family == "RSA")


def _check_strength(key: Any) -> None:
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise KeyRejected(f"The RSA key has {key.key_size} bits; at least {MIN_RSA_BITS}.")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in EC_CURVES:
            raise KeyRejected(f"The EC curve {key.curve.name} is not P-256, P-384 or P-521.")
    else:
        raise KeyRejected("Only RSA and EC public keys are accepted.")


def _from_jwk(data: dict[str, Any]) -> PublicKey:
    if data.get("kty") not in {"RSA", "EC"}:
        raise KeyRejected(f"JWK key type {data.get('kty')!r} is not accepted: use RSA or EC.")
    if "d" in data:
        raise KeyRejected("This JWK holds a private key. Register the public key only.")
    algorithm = data.get("alg", "")
    if algorithm and algorithm not in ALGORITHMS:
        raise KeyRejected(f"JWK algorithm {algorithm!r} is not accepted.")
    try:
        key = jwt.PyJWK(data).key
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
        raise KeyRejected(f"The JWK cannot be read: {exc}") from None
    _check_strength(key)
    return PublicKey(kid=str(data.get("kid", "")), key=key, algorithm=algorithm)


def _from_pem(text: str) -> PublicKey:
    if "PRIVATE KEY" in text:
        raise KeyRejected("This PEM holds a private key. Register the public key only.")
    try:
        key = serialization.load_pem_public_key(text.encode())
    except (ValueError, TypeError) as exc:
        raise KeyRejected(f"The PEM public key cannot be read: {exc}") from None
    _check_strength(key)
    return PublicKey(kid="", key=key, algorithm="")


def public_keys_parse(text: str) -> list[PublicKey]:
    """Every public key in `text` (PEM, JWK or JWK Set). Raises KeyRejected with the reason."""
    text = (text or "").strip()
    if not text:
        raise KeyRejected("Give the client's public key (PEM, JWK or JWK Set).")
    if text.startswith("-----BEGIN"):
        return [_from_pem(text)]
    try:
        data = json.loads(text)
    except ValueError:
        raise KeyRejected("The key is neither PEM nor JSON (JWK or JWK Set).") from None
    if not isinstance(data, dict):
        raise KeyRejected("A JWK or JWK Set is a JSON object.")
    if "keys" in data:
        entries = data["keys"]
        if not isinstance(entries, list) or not entries:
            raise KeyRejected("The JWK Set holds no keys.")
        keys = [_from_jwk(entry) for entry in entries if isinstance(entry, dict)]
        kids = [k.kid for k in keys]
        if len(keys) > 1 and (not all(kids) or len(set(kids)) != len(kids)):
            raise KeyRejected("Every key of a JWK Set with several keys needs its own `kid`.")
        return keys
    return [_from_jwk(data)]


def public_key_for(keys: list[PublicKey], *, kid: str | None, algorithm: str) -> list[PublicKey]:
    """The registered keys that may have signed an assertion with this `kid` and algorithm."""
    candidates = [k for k in keys if k.allows(algorithm)]
    if kid:
        named = [k for k in candidates if k.kid == kid]
        # A single key registered without a kid (a PEM) answers to any kid.
        return named or [k for k in candidates if not k.kid]
    return candidates
