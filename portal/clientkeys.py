"""The portal's own signing keys for ``private_key_jwt`` client authentication (RFC 7523).

A provider that accepts ``private_key_jwt`` never sees a shared secret: the portal signs a short assertion
with its private key, and the provider checks it against the public key it fetched from the portal's jwks
URL or was given at registration. Config loads the keys (so a bad file stops the start), the ``keys``
command makes them, and the auth blueprint publishes their public halves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

SigningKey = ECKey | RSAKey
KeyType = Literal["EC", "RSA"]
RSA_KEY_BITS = 3072  # NIST SP 800-57: 2048 only until 2030
_EC_ALGORITHMS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_PEM_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})  # the same curves, as cryptography names them


class KeyFileError(ValueError):
    """The file is missing, unreadable, or holds no private EC or RSA key on a curve the portal signs with."""


class _UnsupportedCurve(Exception):
    """An EC key on a curve without a JWS alg here (secp256k1, ...): named, not a crash at start."""


def load_signing_key(path: Path) -> SigningKey:
    """A private key from a PEM file or a JWK (JSON) file, with a kid (its RFC 7638 thumbprint if unnamed)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    try:
        key = _from_jwk(raw) if raw.lstrip().startswith(b"{") else _from_pem(raw)
    except _UnsupportedCurve as exc:
        supported = ", ".join(_EC_ALGORITHMS)
        raise KeyFileError(f"{str(path)!r} holds an EC key on the curve {exc}; use one of {supported}") from None
    except (JoseError, ValueError, TypeError) as exc:
        raise KeyFileError(f"{str(path)!r} holds no usable private key ({type(exc).__name__})") from None
    if not key.is_private:
        raise KeyFileError(f"{str(path)!r} holds a public key; the private key is needed to sign")
    key.ensure_kid()
    return key


def _from_jwk(raw: bytes) -> SigningKey:
    data = json.loads(raw)
    if not isinstance(data, dict) or data.get("kty") not in ("EC", "RSA"):
        raise ValueError("not an EC or RSA JWK")
    if data["kty"] == "EC" and data.get("crv") not in _EC_ALGORITHMS:
        raise _UnsupportedCurve(repr(data.get("crv")))
    return ECKey.import_key(data) if data["kty"] == "EC" else RSAKey.import_key(data)


def _from_pem(raw: bytes) -> SigningKey:
    private = load_pem_private_key(raw, password=None)
    if isinstance(private, ec.EllipticCurvePrivateKey):
        if private.curve.name not in _PEM_CURVES:
            raise _UnsupportedCurve(repr(private.curve.name))
        return ECKey.import_key(raw)
    if isinstance(private, rsa.RSAPrivateKey):
        return RSAKey.import_key(raw)
    raise ValueError("neither an EC nor an RSA key")


def signing_algorithm(key: SigningKey) -> str:
    """The JWS alg for ``key``: ES256 for P-256 (the default), RS256 for RSA."""
    if isinstance(key, ECKey):
        return _EC_ALGORITHMS[key.curve_name]
    return "RS256"


def generate_signing_key(key_type: KeyType = "EC") -> SigningKey:
    key: SigningKey = (
        ECKey.generate_key("P-256", private=True)
        if key_type == "EC"
        else RSAKey.generate_key(RSA_KEY_BITS, private=True)
    )
    key.ensure_kid()
    return key


def private_jwk(key: SigningKey) -> dict[str, object]:
    """What ``keys generate`` writes: the private JWK with its kid, alg and use."""
    return {**key.as_dict(private=True), "alg": signing_algorithm(key), "use": "sig"}


def public_jwk(key: SigningKey) -> dict[str, object]:
    """What the jwks URL publishes: never ``d`` or the RSA primes."""
    return {**key.as_dict(private=False), "alg": signing_algorithm(key), "use": "sig"}
