"""``python -m devhost``: run function_app.py locally with durable replay over SQLite."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .server import HostConfig, StartupError, serve
from .web.connections import RepeatedLines

log = logging.getLogger("devhost")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devhost", description=__doc__)
    parser.add_argument(
        "--app", default="function_app", help="module that defines the function app (default: function_app)"
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="folder holding the app (default: .)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7071, help="port (default: 7071)")
    parser.add_argument("--db", type=Path, default=Path(".devhost/durable.db"), help="SQLite database path")
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name requests may use (a tunnel or proxy name); repeatable",
    )
    parser.add_argument(
        "--read-timeout",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="how long a client may take to send a request's head, and then its body; an idle "
        "connection is closed after it too (default: 30)",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("DEVHOST_LOG_LEVEL", "INFO"),
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
    )
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("asyncio", "devhost.connections"):  # lines a flood of clients would repeat without end
        logging.getLogger(noisy).addFilter(RepeatedLines())
    config = HostConfig(args.app, args.root, args.host, args.port, args.db, args.allow_host, args.read_timeout)
    try:
        serve(config)
    except StartupError as exc:
        log.debug("the host could not start", exc_info=exc)  # the whole traceback with --log-level DEBUG
        print(f"devhost: cannot start: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not '{text}'")
    return value


if __name__ == "__main__":
    main()
