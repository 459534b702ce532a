"""Alexa request verification, as certification tests it (the "host a custom skill as a web service"
rules), implemented with `cryptography`:

1. the `SignatureCertChainUrl` header: https, host s3.amazonaws.com, path under /echo.api/, port 443
   if any; anything else is refused before a download is even attempted;
2. the certificate chain it points to: a path to a trusted root, every certificate within its
   validity dates, the leaf's SAN naming echo-api.amazon.com (cryptography's Web-PKI verifier);
   chains are cached per URL until their leaf expires;
3. the `Signature-256` header: RSA PKCS#1 v1.5 with SHA-256 over the raw request body.

The timestamp (within 150 s) is checked by the SDK's `TimestampVerifier`, and the skill id by
`SkillIdVerifier` below, on every request.
"""

from __future__ import annotations

import base64
import logging
import posixpath
import threading
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ask_sdk_webservice_support.verifier import AbstractVerifier, VerificationException
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

log = logging.getLogger(__name__)

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
ECHO_API_NAME = "echo-api.amazon.com"
FETCH_TIMEOUT = 3.0  # seconds: a cold download must still leave time to answer Alexa

Fetch = Callable[[str], bytes]


def check_cert_url(url: str) -> None:
    """Refuses a SignatureCertChainUrl that is not Amazon's, before anything is downloaded."""
    parsed = urlparse(url)
    if parsed.scheme.lower() != "https":
        raise VerificationException("certificate URL is not https")
    if (parsed.hostname or "").lower() != "s3.amazonaws.com":
        raise VerificationException("certificate URL host is not s3.amazonaws.com")
    if not posixpath.normpath(parsed.path).startswith("/echo.api/"):  # case-sensitive, after ".." is resolved
        raise VerificationException("certificate URL path is not under /echo.api/")
    try:
        port = parsed.port
    except ValueError as e:
        raise VerificationException("certificate URL port is invalid") from e
    if port not in (None, 443):
        raise VerificationException("certificate URL port is not 443")


def default_roots() -> list[x509.Certificate]:
    """The Mozilla root store as packaged by certifi (Amazon's echo-api chain ends in a public root)."""
    import certifi

    return x509.load_pem_x509_certificates(Path(certifi.where()).read_bytes())


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:
        body: bytes = response.read(64 * 1024)
        return body


class SignatureVerifier(AbstractVerifier):
    def __init__(self, roots: Sequence[x509.Certificate] | None = None, fetch: Fetch = download) -> None:
        self._store = Store(list(roots) if roots is not None else default_roots())
        self._fetch = fetch
        self._chains: dict[str, tuple[x509.Certificate, list[x509.Certificate]]] = {}
        self._lock = threading.Lock()

    def verify(self, headers: dict[str, Any], serialized_request_env: str, deserialized_request_env: Any) -> None:
        url = _header(headers, CERT_URL_HEADER)
        signature = _header(headers, SIGNATURE_HEADER)
        if not url or not signature:
            raise VerificationException("missing signature headers")
        check_cert_url(url)
        leaf = self._verified_leaf(url)
        key = leaf.public_key()
        if not isinstance(key, RSAPublicKey):
            raise VerificationException("certificate key is not RSA")
        try:
            key.verify(
                base64.b64decode(signature, validate=True), serialized_request_env.encode("utf-8"), PKCS1v15(), SHA256()
            )
        except (InvalidSignature, ValueError) as e:
            raise VerificationException("request signature does not match") from e

    def _verified_leaf(self, url: str) -> x509.Certificate:
        now = datetime.now(UTC)
        with self._lock:
            cached = self._chains.get(url)
        if cached is None:
            try:
                certificates = x509.load_pem_x509_certificates(self._fetch(url))
            except Exception as e:
                raise VerificationException(f"could not load the certificate chain: {e.__class__.__name__}") from e
            cached = (certificates[0], certificates[1:])
        leaf, intermediates = cached
        try:
            verifier = PolicyBuilder().store(self._store).time(now).build_server_verifier(x509.DNSName(ECHO_API_NAME))
            verifier.verify(leaf, intermediates)
        except VerificationError as e:
            with self._lock:
                self._chains.pop(url, None)
            raise VerificationException(f"certificate chain is not valid: {e}") from e
        with self._lock:
            self._chains[url] = cached  # re-verified on each use, so expiry is always noticed
        return leaf


class SkillIdVerifier(AbstractVerifier):
    """Refuses (HTTP 400, before any skill work) requests for any other skill."""

    def __init__(self, skill_id: str) -> None:
        self.skill_id = skill_id

    def verify(self, headers: dict[str, Any], serialized_request_env: str, deserialized_request_env: Any) -> None:
        system = getattr(getattr(deserialized_request_env, "context", None), "system", None)
        application = getattr(system, "application", None)
        if getattr(application, "application_id", None) != self.skill_id:
            raise VerificationException("request is for another skill")


def _header(headers: Any, name: str) -> str:
    value = headers.get(name) if hasattr(headers, "get") else None
    if value is None and hasattr(headers, "items"):
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return str(value or "")
