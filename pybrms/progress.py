"""Progress bars that can never break a run.

Every tqdm call goes through :class:`SafeBar`: if tqdm raises (a closed stream,
an odd notebook front end), the error is logged once and bars are switched off
for the rest of the process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm.auto import tqdm

logger = logging.getLogger(__name__)

_bars_broken = False


class SafeBar:
    """A tqdm bar whose failures are logged and then ignored."""

    def __init__(self, enabled: bool, **kwargs: Any) -> None:
        self._bar = self._guard(lambda: tqdm(**kwargs)) if enabled else None

    def update_to(self, n: int, postfix: str | None = None) -> None:
        """Move the bar to ``n`` (absolute), optionally with a postfix text."""
        if self._bar is None:
            return

        def move() -> None:
            self._bar.n = n
            if postfix is not None:
                self._bar.set_postfix_str(postfix, refresh=False)
            self._bar.refresh()

        self._guard(move)

    def close(self) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._guard(self._bar.close)

    def _guard(self, action: Any) -> Any:
        global _bars_broken
        if _bars_broken:
            self._bar = None
            return None
        try:
            return action()
        except Exception as error:  # a progress bar must not stop a fit
            logger.warning("progress bars disabled after an error: %s", error)
            _bars_broken = True
            self._bar = None
            return None


@contextmanager
def elapsed_bar(description: str, enabled: bool = True) -> Iterator[None]:
    """Show a bar with the elapsed time while the body runs (e.g. compiling).

    Examples
    --------
    >>> with elapsed_bar("Compiling", enabled=False):
    ...     pass
    """
    bar = SafeBar(enabled, desc=description, total=None, bar_format="{desc}: {elapsed}",
                  leave=False)
    done = threading.Event()

    def tick() -> None:
        start = time.monotonic()
        while not done.wait(0.5):
            bar.update_to(int(time.monotonic() - start))

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        bar.close()
