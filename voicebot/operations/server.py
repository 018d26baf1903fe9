"""The HTTP server for ``voicebot serve``: uvicorn, with the drain put before its shutdown.

uvicorn stops at the first SIGTERM: it closes the listening socket and then every connection,
websockets included, so live calls were cut within a tenth of a second. Here the first SIGTERM
(or Ctrl-C) starts the drain instead, and uvicorn is asked to stop only once the drain is over.
Connections stay accepted meanwhile, because Twilio still has to reach the action and whisper
URLs of this process's calls; the voice webhook refuses new calls. A second Ctrl-C hurries the
drain (calls are handed over at once); a second SIGTERM is ignored, since orchestrators resend
it and the kill timeout is what bounds the drain.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn

from voicebot.operations.drain import Drain

_LOGGER = logging.getLogger(__name__)

CONNECTIONS_GRACE = 5
"""Seconds uvicorn gives open connections (desktop streams, keep-alives) once drained."""


class DrainingServer(uvicorn.Server):
    """uvicorn whose exit signals start a drain; it shuts down when the drain is done."""

    def __init__(self, config: uvicorn.Config, drain: Drain,
                 on_drained: Callable[[], None] = lambda: None) -> None:
        super().__init__(config)
        self.drain = drain
        self._on_drained = on_drained
        self._loop: asyncio.AbstractEventLoop | None = None
        self._draining: asyncio.Task[None] | None = None

    async def serve(self, sockets: Any = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """The signal handler (main thread): hand the signal to the event loop."""
        if self._loop is None or not self.started:
            self.should_exit = True  # nothing is served yet: stop as uvicorn would
            return
        self._loop.call_soon_threadsafe(self.request_drain, sig)

    def request_drain(self, sig: int = signal.SIGTERM) -> None:
        """Start draining (on the event loop); a repeated Ctrl-C hurries it."""
        if self._draining is None:
            _LOGGER.warning("%s: draining before exit", signal.Signals(sig).name)
            self._draining = asyncio.get_running_loop().create_task(self._drain_then_stop(),
                                                                     name="drain")
        elif sig == signal.SIGINT:
            _LOGGER.warning("interrupted again: handing over the calls still in progress now")
            self.drain.hurry()
        else:
            _LOGGER.info("%s again: already draining (%s)", signal.Signals(sig).name,
                         self.drain.describe())

    async def _drain_then_stop(self) -> None:
        try:
            await self.drain.finish()
        finally:
            self._on_drained()
            self.should_exit = True


def run_server(app: Any, host: str, port: int, drain: Drain,
               on_drained: Callable[[], None] = lambda: None) -> None:
    """Serve ``app`` until a signal's drain is over (blocking; the process's main thread)."""
    # Forwarding headers are believed only from web.trusted_proxies (voicebot.web.clients),
    # never by uvicorn's own rule, which trusts whatever 127.0.0.1 sends.
    config = uvicorn.Config(app, host=host, port=port, log_config=None, ws="websockets",
                            timeout_graceful_shutdown=CONNECTIONS_GRACE, proxy_headers=False,
                            server_header=False)
    DrainingServer(config, drain, on_drained).run()
