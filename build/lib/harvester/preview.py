"""Serve a built site folder over HTTP on this machine, for a look before publishing."""

import functools
import http.server
from pathlib import Path


def serve(site_dir: Path, port: int, on_ready=None) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        if on_ready:
            on_ready(f"http://127.0.0.1:{server.server_address[1]}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
