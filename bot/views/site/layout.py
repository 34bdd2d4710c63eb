"""The frame every page of the public site shares: language, headings, navigation, the
other language's page, the footer; and the small HTML helpers the pages are made of.

A page is plain HTML and CSS: readable without JavaScript, printable, with one `h1`, a
skip link, labelled navigation and tables with header cells (WCAG's basics). Links are
relative, so the folder works on any web server and from the disk."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.i18n import Translator
from bot.rules import site as paths


def json_data(value: object) -> str:
    """JSON to sit in a <script type="application/json"> element (the words a page's script
    shows): nothing in it can end the element or open markup."""
    return (json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


def e(text: object) -> str:
    """Escaped for HTML text and attributes."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Page:
    """One page of one language: its path below that language's root, title and body."""

    path: str  # e.g. "plans/3/index.html"
    title: str
    body: str

    @property
    def depth(self) -> int:
        return self.path.count("/")


@dataclass(frozen=True)
class Keyed:
    """A page made only when needed: `key` changes whenever what it shows does, so a build
    that knows the key from the last one need not make it again (bot/site/build.py)."""

    path: str
    key: str
    make: Callable[[], Page]


@dataclass(frozen=True)
class KeyedFile:
    """A data file made only when needed, as a Keyed page is: `key` changes whenever its
    bytes would; `path` is below the site's root."""

    path: str
    key: str
    make: Callable[[], bytes]


def site_name(t: Translator) -> str:
    return t._("Spot checks, published (双随机、一公开)")


def _nav(t: Translator, here: str) -> str:
    links = [("index.html", t._("Home")), ("items/index.html", t._("Item list")),
             ("plans/index.html", t._("Plans and draws")),
             ("results/index.html", t._("Results")),
             ("noncooperation/index.html", t._("Non-cooperation")),
             ("search/index.html", t._("Search")),
             ("audit/index.html", t._("Audit chain"))]
    current = ' aria-current="page"'
    items = "".join(
        f'<li><a href="{{here}}{href}"{current if href == here else ""}>{e(label)}</a></li>'
        for href, label in links)
    sections = t._("Sections")
    return f'<nav aria-label="{e(sections)}"><ul>{items}</ul></nav>'


def render(t: Translator, page: Page) -> str:
    """The whole HTML document of a page in `t`'s language."""
    up = "../" * page.depth  # to this language's root
    site_root = up + ("../" if t.lang == "en" else "")
    other = "en/" if t.lang != "en" else ""
    switch_href = (up + "../" + page.path) if t.lang == "en" else (up + other + page.path)
    switch = ('<a href="{h}" hreflang="zh-CN" lang="zh-CN">中文</a>' if t.lang == "en" else
              '<a href="{h}" hreflang="en" lang="en">English</a>').format(h=e(switch_href))
    nav = _nav(t, page.path).replace("{here}", up)
    lang = "zh-CN" if t.lang != "en" else "en"
    changes, skip, data = t._("What changed"), t._("Skip to the content"), t._(
        "Data (JSON, CSV) and feeds")
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(page.title)} · {e(site_name(t))}</title>\n"
        f'<link rel="stylesheet" href="{site_root}assets/style.css">\n'
        f'<link rel="alternate" type="application/atom+xml"'
        f' href="{up}feeds/changes.xml" title="{e(changes)}">\n'
        "</head>\n<body>\n"
        f'<a class="skip" href="#main">{e(skip)}</a>\n'
        f'<header><p class="site"><a href="{up}index.html">{e(site_name(t))}</a>'
        f' <span class="lang">{switch}</span></p>\n{nav}</header>\n'
        f'<main id="main">\n<h1>{e(page.title)}</h1>\n{page.body}\n</main>\n'
        f'<footer><p><a href="{up}feeds/index.html">{e(data)}</a>'
        "</p>"
        "</footer>\n</body>\n</html>\n")


def table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]],
          empty: str) -> str:
    """A table with a caption and header cells; cells are HTML already."""
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>\n"
                   for row in rows)
    if not body:
        return f"<p>{e(empty)}</p>"
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in headers)
    return (f'<div class="scroll"><table>\n<caption>{e(caption)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table></div>")


def dl(pairs: Iterable[tuple[str, str]]) -> str:
    """A description list; values are HTML already."""
    return "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def link(href: str, text: str) -> str:
    return f'<a href="{e(href)}">{e(text)}</a>'


def code(text: str) -> str:
    return f"<code>{e(text)}</code>"


def record_href(record_hash: str) -> str:
    """From a language's root."""
    return paths.record_path(record_hash) + "index.html"
