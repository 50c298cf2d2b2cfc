"""The PDF/A-2b renderer: Jinja templates of the package, laid out by WeasyPrint.

WeasyPrint (system Pango) embeds a subset of each CJK face it uses and writes PDF/A-2b with its
XMP identification; ReportLab does not embed CID fonts and refuses CFF/OTF, fpdf2 has no layout
(UI.md, "Engines tried"). The font stack comes from :mod:`cases.documents.fonts`. Subsetting a
CJK face is the slow part: with HarfBuzz's subsetter (Debian ``libharfbuzz-subset0``) a notice
takes tens of milliseconds, with WeasyPrint's fontTools fallback about a second.

Pango's font map is process-wide, so one render runs at a time per process (a lock): web threads
and workers queue for a few milliseconds rather than share it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from cases.documents.fonts import FontStack, font_stack
from cases.documents.renderer import DocumentMeta, Page

TEMPLATES = Path(__file__).with_name("templates")

#: Revised templates (``revised/<kind>/v<n>.html``, :mod:`cases.documents.revisions`): a version
#: never changes once written, so its source is registered once per process.
REVISED: dict[str, str] = {}
#: Sandboxed: a template an administrator wrote may print data, never reach Python.
environment = SandboxedEnvironment(
    loader=ChoiceLoader([DictLoader(REVISED), FileSystemLoader(TEMPLATES)]),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_lock = threading.Lock()


class PdfRenderer:
    """PDF/A-2b in GB/T 9704 layout (:file:`templates/official.css`)."""

    media = "pdf/a-2b"
    suffix = ".pdf"
    mimetype = "application/pdf"

    def __init__(self, fonts: FontStack | None = None, font_dir: Path | None = None) -> None:
        self.fonts = fonts or font_stack(font_dir)
        self._weasy: Any = None

    def html(self, pages: Sequence[Page], meta: DocumentMeta) -> str:
        return environment.get_template("base.html").render(pages=list(pages), meta=meta)

    def _prepare(self) -> Any:
        """Import WeasyPrint and parse the style sheet once (both take a while)."""
        if self._weasy is None:
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration
            from weasyprint.urls import URLFetcher

            allowed = {face.path.resolve().as_uri() for face in self.fonts.faces}

            class FontsOnly(URLFetcher):  # type: ignore[misc]
                """Fetch the stack's font files and nothing else: a revised template (or any
                text) cannot pull a file of the server or a URL into a document."""

                def fetch(self, url: str, headers: Any = None) -> Any:
                    if url.split("?")[0] not in allowed:
                        raise ValueError(f"documents load no resource but their fonts: {url}")
                    return super().fetch(url, headers)

            fetcher = FontsOnly(allowed_protocols={"file"})
            config = FontConfiguration()
            css = self.fonts.css() + "\n" + (TEMPLATES / "official.css").read_text("utf-8")
            sheet = weasyprint.CSS(string=css, font_config=config, url_fetcher=fetcher)
            self._weasy = (weasyprint, config, sheet, fetcher)
        return self._weasy

    def render(self, pages: Sequence[Page], meta: DocumentMeta) -> bytes:
        source = self.html(pages, meta)
        with _lock:
            weasyprint, config, sheet, fetcher = self._prepare()
            document = weasyprint.HTML(string=source, base_url=str(TEMPLATES), url_fetcher=fetcher)
            return document.write_pdf(
                stylesheets=[sheet],
                font_config=config,
                pdf_variant="pdf/a-2b",
                custom_metadata=True,
            )


_default: dict[Path | None, PdfRenderer] = {}


def default_renderer(font_dir: Path | None = None) -> PdfRenderer:
    """One renderer per font directory per process (its fonts and style sheet parsed once)."""
    if font_dir not in _default:
        _default[font_dir] = PdfRenderer(font_dir=font_dir)
    return _default[font_dir]
