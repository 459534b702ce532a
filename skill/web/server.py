"""`python -m skill serve`: the web service under gunicorn, a production WSGI server.

Several worker processes share the store safely: SQLite in WAL mode with versioned, conditional
writes (a conflict is merged and retried, as on Lambda), or DynamoDB. Put it behind a TLS-terminating
reverse proxy on port 443 (see the README), or give gunicorn a certificate with --certfile/--keyfile.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn.app.base import BaseApplication

from skill.web.app import create_app

log = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], verify_signature: bool) -> None:
        self.options = options
        self.verify_signature = verify_signature
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(verify_signature=self.verify_signature)


def serve(
    host: str,
    port: int,
    verify_signature: bool,
    workers: int | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
) -> int:
    if not os.environ.get("SKILL_ID"):
        log.error("set SKILL_ID: the web service refuses requests for any other skill")
        return 2
    create_app(verify_signature=verify_signature)  # fail fast, in the foreground, if the app cannot be built
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers or int(os.environ.get("WEB_CONCURRENCY", "2")),
        "worker_class": "sync",
        "timeout": 30,
        "graceful_timeout": 10,
        "limit_request_line": 4094,
        "limit_request_fields": 50,
        "accesslog": None,  # no per-request log: paths carry no personal data, but keep it quiet
        "certfile": certfile,
        "keyfile": keyfile,
    }
    _Gunicorn(options, verify_signature).run()
    return 0
