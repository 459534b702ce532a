"""AWS Lambda entry point: `lambda_function.lambda_handler`.

Everything a request needs that outlives it is made here, in the container's init: the skill (its
content, templates) and, on DynamoDB, the client, as AWS advises for SDK clients. A warm container
reuses all of it. See bench/ for what a cold start costs and why.
"""

import contextlib
import gc
import os
import sys
from pathlib import Path

# Init allocates a great many objects (the SDKs' modules, botocore's service model) and frees almost
# none: the cyclic collector would walk them over and over for nothing, about a tenth of a cold start.
# Collect nothing until init is done; then freeze what it made, which lives as long as the container,
# so that later collections skip it too.
gc.disable()
try:
    # In the repository, `skill/` sits beside `lambda/`; in the deployment artifact, beside this file.
    _root = Path(__file__).resolve().parent.parent
    if (_root / "skill").is_dir() and str(_root) not in sys.path:
        sys.path.insert(0, str(_root))

    from skill.app import build_skill_builder
    from skill.store import StoreError

    lambda_handler = build_skill_builder().lambda_handler()

    if os.environ.get("TABLE_NAME"):
        from skill.store.dynamodb import dynamodb_client

        # No call is made, so the network cannot fail it; when it fails at all (no region, say), the
        # first request tries again and tells the couple their progress could not be opened.
        with contextlib.suppress(StoreError):
            dynamodb_client()
finally:
    gc.freeze()
    gc.enable()
