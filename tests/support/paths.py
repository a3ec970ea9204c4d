"""Where the recorded eWokanda pages are: ``../shared/ewokanda`` beside the repository, or $EWOKANDA_SHARED_DIR.

The variable lets a checkout that is not beside ``shared/`` (a git worktree, a CI cache) use them; the
pages are never copied into the project.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("EWOKANDA_SHARED_DIR") or ROOT.parent / "shared" / "ewokanda")
