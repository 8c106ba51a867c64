"""API settings, read from environment variables (no pydantic-settings needed).

Every setting has a documented default; a malformed value fails at start-up
with the variable named, never silently falls back.

=================================  ===========  ==============================================
Variable                           Default      Meaning
=================================  ===========  ==============================================
STEMCHECK_HOST                     127.0.0.1    Address ``python -m api`` binds to.
STEMCHECK_PORT                     8000         Port ``python -m api`` binds to.
STEMCHECK_WORKERS                  1            Uvicorn worker processes (``python -m api``).
STEMCHECK_MAX_BODY_BYTES           2000000      Largest request body accepted (413 above).
STEMCHECK_MAX_SEGMENTS             5000         Most segments in one batch request (413 above).
STEMCHECK_MAX_DOCUMENTS            100          Most documents in one batch request (413 above).
STEMCHECK_RATE_LIMIT_PER_MINUTE    120          Sustained requests per client IP and minute
                                                to ``/v1/*``; 0 disables rate limiting.
STEMCHECK_RATE_BURST               30           Token-bucket size: requests a client may make
                                                at once before the per-minute rate applies.
STEMCHECK_CORS_ORIGINS             *            Comma-separated origins allowed to call the API
                                                from a browser; ``*`` = any (no credentials
                                                are ever allowed). Entries may contain ``*`` as
                                                a wildcard, e.g. ``chrome-extension://*``.
                                                Set to an empty string to disable CORS.
STEMCHECK_CHECK_PROCESSES          2            Check worker processes per server worker: checks
                                                run there, one at a time each, and a worker is
                                                stopped and replaced when its check overruns or
                                                its client leaves. 0 = check on threads in the
                                                server process (the budget is then only tested
                                                between chunks, and nothing can be stopped).
STEMCHECK_CHECK_MAX_TASKS          1000         Checks a check process answers before it is
                                                replaced by a fresh one (memory that grows with
                                                new words seen, such as spaCy's vocabulary and
                                                the judge's word cache, starts again); 0 = never.
STEMCHECK_CHECK_THREADS            4            With 0 check processes: checks running at once,
                                                on threads off the event loop.
STEMCHECK_CHECK_TIMEOUT            10           Seconds one check request may take, queueing
                                                included; past it the answer is 503
                                                ``check_timeout`` and the work is stopped.
STEMCHECK_SHUTDOWN_TIMEOUT         10           On SIGTERM: seconds in-flight requests get to
                                                finish before the server exits.
STEMCHECK_LOG_TEXT                 false        Opt-in: log (truncated) submitted text. Off by
                                                default: text is never logged or stored.
STEMCHECK_ACCESS_LOG               false        Uvicorn access log (method, path, status and
                                                client address; never bodies) for
                                                ``python -m api``.
STEMCHECK_LOG_LEVEL                info         Log level for ``python -m api``.
=================================  ===========  ==============================================
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Settings", "SettingsError"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
MAX_CHECK_PROCESSES = 64
MIN_TIMEOUT_S = 0.05
MAX_TIMEOUT_S = 3600.0


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise SettingsError(f"{name} must be {bound}, not {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, minimum: float, maximum: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not minimum <= value <= maximum:  # also refuses nan
        raise SettingsError(f"{name} must be between {minimum:g} and {maximum:g}, not {raw.strip()}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return ("*",)
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for o in origins:
        if o != "*" and "://" not in o:
            raise SettingsError(f"{name}: {o!r} is not an origin (expected e.g. https://example.org or chrome-extension://*)")
    return origins


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_body_bytes: int = 2_000_000  # a 1 MB paste, JSON-escaped, fits
    max_segments: int = 5000
    max_documents: int = 100
    rate_limit_per_minute: int = 120
    rate_burst: int = 30
    cors_origins: tuple[str, ...] = field(default=("*",))
    check_processes: int = 2
    check_max_tasks: int = 1000
    check_threads: int = 4
    check_timeout_s: float = 10.0
    shutdown_timeout_s: float = 10.0
    log_text: bool = False
    access_log: bool = False
    log_level: str = "info"

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_segments", "max_documents", "workers", "check_threads"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be at least 1")
        if not 0 <= self.check_processes <= MAX_CHECK_PROCESSES:
            raise SettingsError(f"check_processes must be between 0 and {MAX_CHECK_PROCESSES}")
        if self.check_max_tasks < 0:
            raise SettingsError("check_max_tasks must be at least 0")
        if not MIN_TIMEOUT_S <= self.check_timeout_s <= MAX_TIMEOUT_S:
            raise SettingsError(f"check_timeout_s must be between {MIN_TIMEOUT_S:g} and {MAX_TIMEOUT_S:g}")
        if not 0 <= self.shutdown_timeout_s <= MAX_TIMEOUT_S:
            raise SettingsError(f"shutdown_timeout_s must be between 0 and {MAX_TIMEOUT_S:g}")
        if self.rate_limit_per_minute < 0 or self.rate_burst < 1:
            raise SettingsError("rate_limit_per_minute must be >= 0 and rate_burst >= 1")
        if not 0 <= self.port <= 65535:
            raise SettingsError("port must be between 0 and 65535")
        if self.log_level not in _LOG_LEVELS:
            raise SettingsError(f"log_level must be one of {', '.join(_LOG_LEVELS)}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        d = cls()
        level = (env.get("STEMCHECK_LOG_LEVEL") or d.log_level).strip().lower()
        if level not in _LOG_LEVELS:
            raise SettingsError(f"STEMCHECK_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, not {level!r}")
        return cls(
            host=(env.get("STEMCHECK_HOST") or d.host).strip(),
            port=_int(env, "STEMCHECK_PORT", d.port, maximum=65535),
            workers=_int(env, "STEMCHECK_WORKERS", d.workers, minimum=1),
            max_body_bytes=_int(env, "STEMCHECK_MAX_BODY_BYTES", d.max_body_bytes, minimum=1),
            max_segments=_int(env, "STEMCHECK_MAX_SEGMENTS", d.max_segments, minimum=1),
            max_documents=_int(env, "STEMCHECK_MAX_DOCUMENTS", d.max_documents, minimum=1),
            rate_limit_per_minute=_int(env, "STEMCHECK_RATE_LIMIT_PER_MINUTE", d.rate_limit_per_minute),
            rate_burst=_int(env, "STEMCHECK_RATE_BURST", d.rate_burst, minimum=1),
            cors_origins=_origins(env, "STEMCHECK_CORS_ORIGINS"),
            check_processes=_int(env, "STEMCHECK_CHECK_PROCESSES", d.check_processes, maximum=MAX_CHECK_PROCESSES),
            check_max_tasks=_int(env, "STEMCHECK_CHECK_MAX_TASKS", d.check_max_tasks),
            check_threads=_int(env, "STEMCHECK_CHECK_THREADS", d.check_threads, minimum=1),
            check_timeout_s=_float(
                env, "STEMCHECK_CHECK_TIMEOUT", d.check_timeout_s, minimum=MIN_TIMEOUT_S, maximum=MAX_TIMEOUT_S
            ),
            shutdown_timeout_s=_float(
                env, "STEMCHECK_SHUTDOWN_TIMEOUT", d.shutdown_timeout_s, minimum=0, maximum=MAX_TIMEOUT_S
            ),
            log_text=_bool(env, "STEMCHECK_LOG_TEXT", d.log_text),
            access_log=_bool(env, "STEMCHECK_ACCESS_LOG", d.access_log),
            log_level=level,
        )

    # -- CORS helpers ----------------------------------------------------------
    def cors_config(self) -> tuple[list[str], str | None] | None:
        """(exact origins, regex for wildcard origins), or None when CORS is off."""
        if not self.cors_origins:
            return None
        if "*" in self.cors_origins:
            return (["*"], None)
        exact = [o for o in self.cors_origins if "*" not in o]
        wild = [o for o in self.cors_origins if "*" in o]
        regex = None
        if wild:
            # '*' matches one or more characters that are not '/' (so it stays inside the origin).
            regex = "|".join(re.escape(o).replace(r"\*", r"[^/]+") for o in wild)
        return (exact, regex)
