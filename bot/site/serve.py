"""Serving the public site (一公开) from its folder under /public/, beside the Mini App:
`choucha run` with CHOUCHA_PUBLIC_URL, and local mode at http://127.0.0.1:8080/public/.
A record's QR code (`CHOUCHA_PUBLIC_URL/r/<record hash>`) is sent to its page.

Static files only, with a Content-Security-Policy that allows nothing from another host
and scripts only from the site itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tornado.web

from bot.rules import site as paths

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


class _Files(tornado.web.StaticFileHandler):
    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """An address the site does not have: its own page, in both languages."""
        page = Path(str(self.root)) / "404.html"
        if status_code == 404 and page.is_file():
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Content-Security-Policy", POLICY)
            self.finish(page.read_bytes())
            return
        super().write_error(status_code, **kwargs)

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Content-Security-Policy", POLICY)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-cache")  # pages change as results are published


class _Record(tornado.web.RequestHandler):
    def get(self, record_hash: str) -> None:
        # Relative: right also where CHOUCHA_PUBLIC_URL has a path before /r/.
        back = "../" if self.request.path.endswith("/") else ""
        self.redirect(f"{back}../public/{paths.record_path(record_hash)}")


class _Public(tornado.web.RequestHandler):
    def get(self) -> None:
        self.redirect("public/")


def routes(folder: Path) -> list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]]:
    """The site's routes, to add to a Tornado application."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        (r"/public", _Public, {}),
        (paths.PREFIX + r"(.*)", _Files, {"path": str(folder), "default_filename":
                                          "index.html"}),
        (r"/r/([0-9a-f]{64})/?", _Record, {}),
    ]
