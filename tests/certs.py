"""Certificates the tests make for themselves: a root CA, an intermediate, and leaves for
echo-api.amazon.com (valid, expired, wrong name), to sign requests the way Alexa does."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey


def _ca(common: str, issuer: Issued | None, path_length: int) -> Issued:
    key = _key()
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(issuer.cert.subject if issuer else _name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def _leaf(issuer: Issued, dns: str, not_before: datetime, not_after: datetime) -> Issued:
    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(dns))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return Issued(cert, key)


class Pki:
    """root -> intermediate -> leaves."""

    def __init__(self) -> None:
        self.root = _ca("Test Root CA", None, 1)
        self.intermediate = _ca("Test Intermediate CA", self.root, 0)
        now = datetime.now(UTC)
        self.leaf = _leaf(self.intermediate, "echo-api.amazon.com", now - timedelta(days=1), now + timedelta(days=30))
        self.expired = _leaf(
            self.intermediate, "echo-api.amazon.com", now - timedelta(days=60), now - timedelta(days=1)
        )
        self.wrong_name = _leaf(
            self.intermediate, "evil.example.com", now - timedelta(days=1), now + timedelta(days=30)
        )
        other_root = _ca("Someone Else's Root", None, 1)
        self.untrusted = _leaf(
            _ca("Someone Else's Intermediate", other_root, 0),
            "echo-api.amazon.com",
            now - timedelta(days=1),
            now + timedelta(days=30),
        )
        self.untrusted_chain = [self.untrusted.cert]

    def chain_pem(self, leaf: Issued) -> bytes:
        certs = [leaf.cert, self.intermediate.cert]
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def sign(body: bytes, leaf: Issued) -> str:
    return base64.b64encode(leaf.key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
