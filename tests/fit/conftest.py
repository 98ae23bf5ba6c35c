"""Make the shared model cases of ``tests/codegen`` importable (one model per family)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "codegen"))
