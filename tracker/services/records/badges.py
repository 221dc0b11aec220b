"""The image of a path's achievement: an SVG badge drawn from the path's title, for credentials to show.

The title is the only text that comes from outside; it is escaped for XML and wrapped on word boundaries.
The drawing holds no script, no link, no external reference and no style element: shapes and text only.
"""

from __future__ import annotations

import textwrap
from xml.sax.saxutils import escape

from sqlmodel import Session

from tracker.services import access
from tracker.services.curriculum.queries import get_learning_path
from tracker.services.errors import NotFound

LINE_CHARS = 22
LINES_MAX = 3
MEDIA_TYPE = "image/svg+xml"


def title_lines(title: str) -> list[str]:
    """The title wrapped for the badge: at most three lines, the last one ending in an ellipsis if cut."""
    words = " ".join(title.split()) or "Learning path"
    lines = textwrap.wrap(words, LINE_CHARS, break_long_words=True) or [words]
    if len(lines) > LINES_MAX:
        lines = lines[:LINES_MAX]
        lines[-1] = lines[-1][:LINE_CHARS - 1].rstrip() + "…"
    return lines


def badge_svg(title: str) -> str:
    """The badge for a path called `title`: a round seal with the title in it."""
    lines = title_lines(title)
    first_y = 150 - (len(lines) - 1) * 13
    text = "".join(f'<tspan x="150" y="{first_y + 26 * n}">{escape(line)}</tspan>' for n, line in enumerate(lines))
    label = escape(f"Completion badge: {' '.join(title.split())}", {'"': "&quot;"})
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300" '
        f'role="img" aria-label="{label}">'
        '<circle cx="150" cy="150" r="140" fill="#1f4e79"/>'
        '<circle cx="150" cy="150" r="122" fill="#ffffff" stroke="#c9a227" stroke-width="8"/>'
        '<text x="150" y="82" text-anchor="middle" font-family="sans-serif" font-size="15" '
        'fill="#1f4e79" letter-spacing="2">COMPLETED</text>'
        f'<text text-anchor="middle" font-family="sans-serif" font-size="19" font-weight="bold" '
        f'fill="#16324f">{text}</text>'
        '<text x="150" y="232" text-anchor="middle" font-family="sans-serif" font-size="13" '
        'fill="#555555">learning path</text>'
        "</svg>\n"
    )


def path_badge(*, session: Session, slug: str) -> str:
    """The badge of the path with this slug, for anyone (credentials link to it): what a visitor may see, so
    NotFound for a draft, a learner's own path (which issues no credential) or an unknown path."""
    path = get_learning_path(session=session, slug=slug)
    if path is None or not access.can_see_path(None, path, session=session):
        raise NotFound(f"There is no path called '{slug[:80]}'.")
    return badge_svg(path.title)
