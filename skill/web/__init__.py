"""The skill as a self-hosted web service (flask-ask-sdk), for owners who do not use Lambda.

Importing this package first makes flask-ask-sdk importable on current OpenSSL (see `compat`), so
every module below can import the SDK normally.
"""

from skill.web.compat import ensure_importable

ensure_importable()
