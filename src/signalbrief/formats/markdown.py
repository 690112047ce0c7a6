"""Markdown: `<edition>/<view>/<id>.md`, a brief to paste elsewhere."""

from __future__ import annotations

from signalbrief.formats import BriefView, Files, OutputFormat
from signalbrief.languages import BI


class BriefMarkdown(OutputFormat):
    """`<edition>/<view>/<id>.md`: a brief as one edition shows it, as clean Markdown."""

    name = "brief-markdown"
    group = "md"
    per_brief = True

    def brief_files(self, brief: BriefView) -> Files:
        template = "brief_bi.md" if brief.view == BI else "brief.md"
        yield f"{brief.base}.md", tidy(self.site.markdown.get_template(template).render(brief.context))


def tidy(markdown: str) -> str:
    """Collapse the blank lines that template blocks leave, so the Markdown pastes cleanly."""
    lines: list[str] = []
    for line in markdown.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip() + "\n"
