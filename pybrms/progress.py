"""Progress bars that can never break a run.

Every tqdm call goes through :class:`SafeBar`: if tqdm raises (a closed stream,
an odd notebook front end), the error is logged once and bars are switched off
for the rest of the process. In a terminal or a notebook a bar redraws on every
update; written to a log (a stream that is not a terminal), where each redraw
is a new line, it writes a line only every 10% of its total or every 30 s.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# In a notebook, tqdm.auto draws a widget, which needs ipywidgets; without it tqdm
# warns "IProgress not found" on import, so the text bar is used instead.
if importlib.util.find_spec("ipywidgets") is not None:
    from tqdm.auto import tqdm
else:
    from tqdm.std import tqdm

logger = logging.getLogger(__name__)

_bars_broken = False

LOG_STEP = 0.1  # fraction of the total between two lines written to a log
LOG_INTERVAL = 30.0  # seconds between two lines written to a log


class SafeBar:
    """A tqdm bar whose failures are logged and then ignored.

    Examples
    --------
    >>> import io, re
    >>> log = io.StringIO()  # not a terminal, as a log file
    >>> bar = SafeBar(True, total=1000, file=log, desc="chain 1")
    >>> for i in range(1, 1001):
    ...     bar.update_to(i)
    >>> bar.close()
    >>> len([line for line in re.split("[\\r\\n]", log.getvalue()) if line.strip()])
    12
    """

    def __init__(self, enabled: bool, **kwargs: Any) -> None:
        self._bar = self._guard(lambda: tqdm(**kwargs)) if enabled else None
        self._to_log = self._bar is not None and not _interactive(kwargs.get("file"))
        self._printed = (0, time.monotonic())  # position and time of the last line in a log

    def update_to(self, n: int, postfix: str | None = None) -> None:
        """Move the bar to ``n`` (absolute), optionally with a postfix text."""
        bar = self._bar
        if bar is None:
            return

        def move() -> None:
            bar.n = n
            if postfix is not None:
                bar.set_postfix_str(postfix, refresh=False)
            if self._due(n, bar.total):
                bar.refresh()

        self._guard(move)

    def _due(self, n: int, total: int | None) -> bool:
        """Whether to redraw: always on a screen; in a log, after a step or an interval."""
        if not self._to_log:
            return True
        last_n, last_time = self._printed
        now = time.monotonic()
        step = LOG_STEP * total if total else float("inf")
        if n - last_n >= step or (n != last_n and now - last_time >= LOG_INTERVAL):
            self._printed = (n, now)
            return True
        return False

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


def _interactive(file: Any) -> bool:
    """A notebook widget, or text to a terminal."""
    notebook = sys.modules.get("tqdm.notebook")  # imported only when tqdm.auto chose it
    if notebook is not None and issubclass(tqdm, notebook.tqdm_notebook):
        return True
    stream = file if file is not None else sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


@contextmanager
def elapsed_bar(description: str, enabled: bool = True) -> Iterator[None]:
    """Show a bar with the elapsed time while the body runs (e.g. compiling).

    Examples
    --------
    >>> with elapsed_bar("Compiling", enabled=False):
    ...     pass
    """
    bar = SafeBar(
        enabled, desc=description, total=None, bar_format="{desc}: {elapsed}", leave=False
    )
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
