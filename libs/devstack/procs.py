"""What Linux's /proc says about processes: their parent and process group (used to find
a web server's workers, and to prove that nothing outlives a stopped stack)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessEntry:
    pid: int
    ppid: int
    pgid: int
    state: str  # Z: a zombie, already dead


def entry(pid: int) -> ProcessEntry | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # the command name (2nd field) is in parentheses and may hold spaces
    fields = stat[stat.rindex(")") + 2 :].split()
    return ProcessEntry(pid=pid, state=fields[0], ppid=int(fields[1]), pgid=int(fields[2]))


def entries() -> list[ProcessEntry]:
    found = []
    for name in os.listdir(PROC):
        if name.isdigit() and (found_entry := entry(int(name))) is not None:
            found.append(found_entry)
    return found


def alive(pid: int) -> bool:
    found = entry(pid)
    return found is not None and found.state != "Z"


def children_of(pid: int) -> list[int]:
    return sorted(e.pid for e in entries() if e.ppid == pid and e.state != "Z")


def members_of_groups(pgids: set[int]) -> list[int]:
    """Live processes in any of these process groups."""
    return sorted(e.pid for e in entries() if e.pgid in pgids and e.state != "Z")


def environ(pid: int) -> dict[str, str]:
    """The environment a process started with ({} if it is gone or not ours to read)."""
    try:
        raw = (PROC / str(pid) / "environ").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, value in pairs}
