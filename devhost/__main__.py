"""``python -m devhost``: run function_app.py locally with durable replay over SQLite."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from .server import HostConfig, serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devhost", description=__doc__)
    parser.add_argument("--app", default="function_app", help="module that defines `app` (default: function_app)")
    parser.add_argument("--root", type=Path, default=Path("."), help="folder holding the app (default: .)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7071, help="port (default: 7071)")
    parser.add_argument("--db", type=Path, default=Path(".devhost/durable.db"), help="SQLite database path")
    parser.add_argument("--log-level", default=os.environ.get("DEVHOST_LOG_LEVEL", "INFO"), choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(HostConfig(app_module=args.app, root=args.root, host=args.host, port=args.port, database=args.db))


if __name__ == "__main__":
    main()
