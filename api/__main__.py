"""``python -m api [--host H] [--port P] [--workers N]``: serve the API with uvicorn.

Defaults come from STEMCHECK_HOST / STEMCHECK_PORT / STEMCHECK_WORKERS (see
api/settings.py); the flags override them.  Each worker process loads the rule
pack and NLP pipeline once at start-up.
"""

from __future__ import annotations

import argparse
import sys


def _parser(defaults) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m api", description="Serve the stemcheck HTTP API.")
    p.add_argument("--host", default=defaults.host, help=f"address to bind (default {defaults.host}, $STEMCHECK_HOST)")
    p.add_argument("--port", type=int, default=defaults.port, help=f"port (default {defaults.port}, $STEMCHECK_PORT)")
    p.add_argument(
        "--workers", type=int, default=defaults.workers,
        help=f"worker processes (default {defaults.workers}, $STEMCHECK_WORKERS)",
    )
    p.add_argument("--log-level", default=defaults.log_level, help="uvicorn log level (default %(default)s)")
    p.add_argument(
        "--access-log", action=argparse.BooleanOptionalAction, default=defaults.access_log,
        help="log each request's method, path, status and client (never bodies); default off",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    from .settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"stemcheck api: {exc}", file=sys.stderr)
        return 2
    args = _parser(settings).parse_args(argv)
    if not 0 <= args.port <= 65535:
        print("stemcheck api: --port must be between 0 and 65535", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("stemcheck api: --workers must be at least 1", file=sys.stderr)
        return 2

    import uvicorn

    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"stemcheck API on http://{shown}:{args.port} "
        f"({args.workers} worker{'s' if args.workers != 1 else ''}; docs at /docs, web page at /)",
        flush=True,
    )
    uvicorn.run(
        "api.app:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=args.access_log,
        server_header=False,
        # SIGTERM: stop accepting, give requests in flight this long, then exit.
        timeout_graceful_shutdown=settings.shutdown_timeout_s,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
