"""A server's process tree, read from /proc: its processes, their CPU time, their memory.

Used by the benchmarks and by tests/test_api_deadline.py; the API's check workers hang
under a fork server below the uvicorn process, so the server is the whole tree.
"""

from __future__ import annotations

import os
from pathlib import Path


def _stat_fields(pid: int) -> list[str]:
    # The command name in field 2 may hold spaces and parentheses: split after its last ')'.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def descendants(pid: int, *, include_self: bool = True) -> list[int]:
    """pid (unless include_self is false) and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(_stat_fields(int(entry.name))[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out = [pid] if include_self else []
    todo = list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (those that have exited count 0)."""
    ticks = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_pss_mb(pid: int) -> tuple[float, int] | None:
    """Proportional memory (PSS: shared pages split between their sharers) of pid and all
    its processes, and how many processes: the fair total for a server whose check workers
    share the fork server's pipeline pages."""
    total, n = 0, 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    n += 1
        except OSError:
            continue
    return (total / 1024, n) if n else None
