"""The Procfile is the one list of the system's long-running processes: the run command,
the end-to-end tests and the deployment notes all read it."""

from __future__ import annotations

import re
from pathlib import Path

LINE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+):\s*(?P<command>\S.*)$")


class ProcfileError(ValueError):
    """A line of the Procfile is not `name: command`, or a name repeats."""


def read_procfile(path: Path) -> dict[str, str]:
    """The processes by name, in the file's order, each a shell command line."""
    processes: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = LINE.match(line.strip())
        if match is None:
            raise ProcfileError(f"{path}:{number}: not `name: command`: {line!r}")
        name, command = match["name"], match["command"].strip()
        if name in processes:
            raise ProcfileError(f"{path}:{number}: {name!r} is defined twice")
        processes[name] = command
    return processes
