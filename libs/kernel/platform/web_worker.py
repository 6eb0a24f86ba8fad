"""gunicorn's threaded worker, bound to its master. When the master dies (SIGKILL, the OOM
killer), gunicorn's own worker notices within a second and drains its connections (up to
graceful_timeout) while it still holds the listening socket: the master that supervisor
starts meanwhile cannot bind the port, gives up after five tries a second apart, and
supervisor backs off before the next, a second more each time (20-45 s until a killed web
server answered again). This one lets go of the port as soon as it sees the master gone,
finishes what it was answering, and then exits even if a request's thread is stuck."""

from __future__ import annotations

import os

from gunicorn.workers.gthread import ThreadWorker


class MasterBoundWorker(ThreadWorker):
    orphaned = False

    def is_parent_alive(self) -> bool:
        if super().is_parent_alive():
            return True
        if not self.orphaned:
            self.orphaned = True
            self.release_the_port()
        return False

    def release_the_port(self) -> None:
        """Close this worker's copy of the listening socket (its sibling closes its own):
        the restarted master binds at its first try. Connections not yet accepted are
        refused, as by any server that stops."""
        self.set_accept_enabled(False)
        for listener in self.sockets:
            listener.close()
        self.sockets = []

    def run(self) -> None:
        super().run()
        if self.orphaned:
            os._exit(0)  # drained: no master will reap or replace it, nothing may keep it
