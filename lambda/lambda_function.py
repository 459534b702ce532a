"""AWS Lambda entry point: `lambda_function.lambda_handler`.

The skill is built at import (cheap: no store, no AWS, templates compiled lazily) so a warm container
reuses it; the store is opened on the first request that needs it.
"""

import sys
from pathlib import Path

# In the repository, `skill/` sits beside `lambda/`; in the deployment artifact, beside this file.
_root = Path(__file__).resolve().parent.parent
if (_root / "skill").is_dir() and str(_root) not in sys.path:
    sys.path.insert(0, str(_root))

from skill.app import build_skill_builder  # noqa: E402

lambda_handler = build_skill_builder().lambda_handler()
