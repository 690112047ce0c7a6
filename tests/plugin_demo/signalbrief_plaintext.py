"""A plain-text copy of each brief in each edition: `<edition>/<view>/<id>.txt` (`--format text`).

It sees only what the edition may show (a gated brief): a locked section reaches it as a lock card,
its title and nothing of its content.
"""

from __future__ import annotations

from signalbrief.formats import BriefView, Files, OutputFormat
from signalbrief.gating import OpenSection
from signalbrief.hookspecs import hookimpl
from signalbrief.render import plain


class PlainText(OutputFormat):
    """`<edition>/<view>/<id>.txt` in each language view (the bilingual view has none)."""

    name = "plain-text"
    group = "text"
    per_brief = True

    def brief_files(self, brief: BriefView) -> Files:
        if brief.view == "bi":
            return
        lang, gated = brief.view, brief.gated
        lines = [plain(gated.brief.signal, lang), "", plain(gated.brief.summary, lang), ""]
        lines += [plain(paragraph, lang) for paragraph in gated.brief.body]
        for section in gated.sections:
            lines += ["", plain(section.title, lang)]
            if isinstance(section, OpenSection):
                lines += [plain(paragraph, lang) for paragraph in section.body]
        yield f"{brief.base}.txt", "\n".join(lines) + "\n"


@hookimpl
def signalbrief_output_formats() -> list[type[OutputFormat]]:
    return [PlainText]
