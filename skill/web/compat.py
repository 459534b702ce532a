"""Importing flask-ask-sdk on current OpenSSL.

flask-ask-sdk imports `ask_sdk_webservice_support.verifier`, which imports `certvalidator`, which
imports `oscrypto`. oscrypto 1.3.0 (the newest on PyPI) cannot parse OpenSSL versions with a
two-digit patch level ("3.0.19": Debian 12, current Lambda and Ubuntu images), so the import fails
with "Error detecting the version of libcrypto" (wbond/oscrypto#78, fixed only on its master).

The only user of certvalidator there is the SDK's own `RequestVerifier`, which this service does not
use: `skill.web.verify.SignatureVerifier` verifies signatures with `cryptography` instead (full X.509
path validation to trusted roots). So when certvalidator cannot be imported, a placeholder module
takes its place: it lets flask-ask-sdk import, and it raises if anything ever tries to use it, so
nothing can silently skip verification. Where certvalidator imports fine, it is left alone.
"""

from __future__ import annotations

import sys
import types
from typing import Any, NoReturn

PLACEHOLDER_NOTE = "certvalidator is unavailable here; requests are verified by skill.web.verify.SignatureVerifier"


def _placeholder() -> tuple[types.ModuleType, types.ModuleType]:
    module = types.ModuleType("certvalidator", PLACEHOLDER_NOTE)
    errors = types.ModuleType("certvalidator.errors")

    class ValidationError(Exception):
        pass

    class PathError(Exception):
        pass

    class CertificateValidator:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            _refuse()

    errors.ValidationError = ValidationError  # type: ignore[attr-defined]
    errors.PathError = PathError  # type: ignore[attr-defined]
    module.CertificateValidator = CertificateValidator  # type: ignore[attr-defined]
    module.errors = errors  # type: ignore[attr-defined]
    module.PLACEHOLDER = True  # type: ignore[attr-defined]
    return module, errors


def _refuse() -> NoReturn:
    raise RuntimeError(PLACEHOLDER_NOTE)


def ensure_importable() -> bool:
    """Makes `import flask_ask_sdk` work; returns True when the placeholder had to be installed."""
    if "certvalidator" in sys.modules:
        return bool(getattr(sys.modules["certvalidator"], "PLACEHOLDER", False))
    try:
        import certvalidator  # noqa: F401
    except Exception:  # noqa: BLE001 - oscrypto raises its own LibraryNotFoundError (an OSError subclass)
        for name in [n for n in sys.modules if n == "oscrypto" or n.startswith("oscrypto.")]:
            del sys.modules[name]  # drop the half-initialised modules
        sys.modules["certvalidator"], sys.modules["certvalidator.errors"] = _placeholder()
        return True
    return False
