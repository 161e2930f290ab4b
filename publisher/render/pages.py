"""Pages: one jinja2 :func:`environment` (the bulletin templates, autoescape for ``.html``,
``StrictUndefined`` so that a missing value fails the build instead of printing a blank) with the
filters of :mod:`publisher.render.filters` registered by name. Templates do no arithmetic: they receive
the bulletin's context as ``b`` and format values with the filters."""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from publisher.errors import PublisherError
from publisher.paths import TEMPLATES_DIR
from publisher.render import fonts
from publisher.render.files import sha256_file, write_bytes
from publisher.render.filters import FILTERS, WATER_CLASSES

#: Shared files every bulletin template depends on (hashed into each manifest).
SHARED_TEMPLATES: tuple[str, ...] = ("base.html", "_macros.html", "bulletin.css")


class RenderError(PublisherError):
    """A page, PDF or file could not be written (missing template value, missing tool, bad data)."""


@lru_cache(maxsize=None)
def environment(templates_dir: str | None = None) -> jinja2.Environment:
    """The jinja2 environment (one per templates folder; the project's templates/ by default)."""
    folder = templates_dir or str(TEMPLATES_DIR)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.globals["font_sans"] = fonts.css_stack("sans")
    env.globals["font_css"] = fonts.css_stack("sans")
    env.globals["font_serif"] = fonts.css_stack("serif")
    env.globals["water_classes"] = WATER_CLASSES
    return env


class ChartLinks(dict):
    """Chart name -> image path for templates (``charts["ranking"]``); a chart that was not drawn
    is an empty string, so ``{% if charts[name] %}`` can leave its figure out."""

    def __missing__(self, key: str) -> str:
        return ""


def render_html(template: str, context: Mapping[str, Any]) -> str:
    """The page text of `template` (a file in templates/, or template source starting with ``{%``).

    The keys of `context` are the template's top-level names; bulletins put their figures under
    ``b`` (see docs/rendering.md for what base.html reads). A value the template needs but
    `context` lacks raises :class:`RenderError` naming the template and the value.
    """
    env = environment()
    ctx = dict(context)
    ctx["charts"] = ChartLinks(ctx.get("charts") or {})
    is_source = template.lstrip().startswith("{%")
    try:
        tpl = env.from_string(template) if is_source else env.get_template(template)
        return tpl.render(ctx)
    except jinja2.UndefinedError as exc:
        name = "<string>" if is_source else template
        raise RenderError(f"模板 {name} 缺少数据 (template_value_missing)：{exc.message}") from exc


def write_html(template: str, context: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Render `template` with `context` (see :func:`render_html`) to `path` in UTF-8. Returns the path."""
    return write_bytes(Path(path), render_html(template, context).encode("utf-8"))


def template_hashes(names: Iterable[str], templates_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """sha256 of each named template and of the shared layout files, by file name."""
    folder = Path(templates_dir) if templates_dir else TEMPLATES_DIR
    out = {}
    for name in sorted({*names, *SHARED_TEMPLATES}):
        path = folder / name
        if path.exists():
            out[name] = sha256_file(path)
    return out
