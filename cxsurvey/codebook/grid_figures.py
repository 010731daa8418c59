"""The figures a draft gives a grid: readable by default, never one bar per item and code.

- A grid whose options read as an ordered scale (at least 4 whole-number codes,
  or at least 2 labels of agreement, frequency, quality, likelihood...) gets a
  ``Top 2 box`` net (the two highest points; the two lowest when the labels run
  from positive to negative, e.g. 1 = Strongly agree ... 5 = Strongly disagree),
  and its figure shows that net: one bar per item.
- Any other grid keeps one figure of every item and option when that is at most
  ``MAX_ROWS`` rows; beyond, one figure per option (``show: <label>``), each with
  one bar per item.
"""

from __future__ import annotations

import re

from cxsurvey.codebook.model import Entry, Option

TOP2 = "Top 2 box"
MAX_ROWS = 40
_ORDERED = re.compile(
    r"agree|disagree|never|always|rarely|sometimes|often|satisf|likely|poor|excellent|"
    r"good|bad|important|strongly|very|somewhat|neutral|neither|weak|strong|priority",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"disagree|dissatisf|unlikely|not at all|never|poor|bad|weak|terrible|worst|"
    r"unimportant|not important|not a priority|very low",
    re.IGNORECASE,
)


def scale_points(e: Entry) -> list[Option]:
    """The grid's answers other than "don't know" style ones, in scale order."""
    points = [o for o in e.options if not o.not_applicable]
    if all(isinstance(o.code, int | float) for o in points):
        points = sorted(points, key=lambda o: float(o.code))  # type: ignore[arg-type]
    return points


def top_two(e: Entry) -> tuple[str, list] | None:
    """(net label, codes) of a grid that reads as an ordered scale, else None."""
    if e.type != "grid":
        return None
    points = scale_points(e)
    if len(points) < 3:
        return None
    numeric = all(isinstance(o.code, int) for o in points)
    labelled = sum(bool(_ORDERED.search(o.label)) for o in points) >= 2
    if not ((numeric and len(points) >= 4) or labelled):
        return None
    if {o.label for o in e.options} & {TOP2}:
        return None  # an option already has the name
    low, high = points[0].label, points[-1].label
    reverse = bool(_NEGATIVE.search(high)) and not _NEGATIVE.search(low)
    top = points[:2] if reverse else points[-2:]
    return TOP2, [o.code for o in top]


def grid_figures(e: Entry, title: str) -> list[tuple[str, str, str | None]]:
    """(id, title, show) of each figure drafted for a grid."""
    net = top_two(e)
    if net is not None:
        return [(e.name, f"{title} ({net[0].lower()})", net[0])]
    options = scale_points(e) or list(e.options)
    if len(e.items) * len(e.options) <= MAX_ROWS:
        return [(e.name, title, None)]
    return [
        (f"{e.name}_{k}", f"{title}: {o.label}", o.label) for k, o in enumerate(options, start=1)
    ]
