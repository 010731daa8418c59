"""Fonts for chart text in any script: a fallback chain chosen by the glyphs needed.

matplotlib draws each character in the first family of ``font.family`` that has
its glyph, so a chart is drawn with DejaVu Sans (Latin, Cyrillic, Greek, Arabic,
Hebrew; shipped with matplotlib) followed by the fonts that cover whatever else
its labels hold (Chinese, Japanese, Korean, Thai...). Fonts are looked for among
matplotlib's known fonts, the machine's font folders (a font installed after
matplotlib built its cache is found too) and the optional ``cjk`` extra, which
ships Noto Sans CJK SC. Characters no font covers are reported by script, once
per run, with the way to get a font: never a chart of empty boxes without a word.

Right-to-left scripts: matplotlib 3.11 and later (the ``charts`` extra) lay text
out with libraqm, so Arabic and Hebrew are drawn right to left with joined
letters. A matplotlib built without libraqm draws them left to right unjoined;
the run then warns once. SVG keeps the text as written, and the browser lays it
out correctly.
"""

from __future__ import annotations

import logging
import textwrap
import unicodedata
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cxsurvey.errors import CxSurveyWarning

PRIMARY = "DejaVu Sans"

# Preferred fallbacks, best first; any other installed font that has a missing
# glyph is used after these (by name, so the choice is deterministic).
PREFERRED = (
    "Noto Sans",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans CJK TC",
    "Source Han Sans SC",
    "Source Han Sans",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Noto Sans Thai",
    "Noto Sans Devanagari",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
)

# The font file the ``cjk`` extra ships (the mplfonts package; only its files are used).
EXTRA_PACKAGE = "mplfonts"
EXTRA_FONT = "fonts/NotoSansCJKsc-Regular.otf"

RTL_SCRIPTS = ("Arabic", "Hebrew", "Syriac", "Thaana")

HINTS = {
    "Han": "pip install 'cxsurvey[cjk]' or Debian's fonts-noto-cjk",
    "Hiragana": "pip install 'cxsurvey[cjk]' or Debian's fonts-noto-cjk",
    "Katakana": "pip install 'cxsurvey[cjk]' or Debian's fonts-noto-cjk",
    "Hangul": "pip install 'cxsurvey[cjk]' or Debian's fonts-noto-cjk",
}
DEFAULT_HINT = "install a font that covers it (Debian's fonts-noto-core has most scripts)"


@dataclass(frozen=True)
class FontPlan:
    """The families a chart is drawn with, and what no installed font can draw."""

    families: tuple[str, ...]
    missing: dict[str, str] = field(default_factory=dict)  # script -> characters
    rtl: tuple[str, ...] = ()  # right-to-left scripts among the labels

    @property
    def warnings(self) -> list[str]:
        out = [
            f"charts: no installed font has the {script} characters {chars!r} of the "
            f"labels; they are drawn as empty boxes. To fix: {HINTS.get(script, DEFAULT_HINT)}"
            for script, chars in self.missing.items()
        ]
        if self.rtl and not _matplotlib_shapes():
            out.append(
                f"charts: {', '.join(self.rtl)} labels are drawn left to right without "
                "joining in PNG charts (SVG and HTML are right); this matplotlib has no "
                "libraqm: pip install 'matplotlib>=3.11'"
            )
        return out


def script_of(char: str) -> str:
    """A character's script, from its Unicode name ("CJK UNIFIED IDEOGRAPH-91D1" -> Han)."""
    name = unicodedata.name(char, "")
    if name.startswith(("CJK", "KANGXI", "IDEOGRAPHIC")):
        return "Han"
    if name.startswith("HANGUL"):
        return "Hangul"
    word = name.split(" ", 1)[0].split("-", 1)[0]  # KATAKANA-HIRAGANA PROLONGED... -> Katakana
    return word.title() if word else f"U+{ord(char):04X}"


def plan_fonts(texts: list[str]) -> FontPlan:
    """The fallback chain that draws every character of ``texts``, and what stays missing."""
    needed = list(dict.fromkeys(c for t in texts for c in t if c.isprintable() and not c.isspace()))
    families = [PRIMARY]
    missing: dict[str, list[str]] = {}
    uncovered = [c for c in needed if ord(c) not in _charmap(_path_of(PRIMARY))]
    for char in uncovered:
        family = next((f for f in _families_by_preference() if ord(char) in _coverage(f)), None)
        if family is None:
            missing.setdefault(script_of(char), []).append(char)
        elif family not in families:
            families.append(family)
    rtl = sorted({s for s in map(script_of, needed) if s in RTL_SCRIPTS})
    return FontPlan(tuple(families), {s: "".join(cs) for s, cs in missing.items()}, tuple(rtl))


def warn_once(plan: FontPlan) -> None:
    """Each missing-script or right-to-left warning once per process, as a CxSurveyWarning."""
    for message in plan.warnings:
        if message not in _warned:
            _warned.add(message)
            warnings.warn(message, CxSurveyWarning, stacklevel=2)


_warned: set[str] = set()


@cache
def _matplotlib_shapes() -> bool:
    """Whether matplotlib lays out bidirectional text itself (built with libraqm, 3.11+)."""
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", ""))


@cache
def _font_files() -> dict[str, str]:
    """Family name -> font file, for every font matplotlib or the machine has."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    known = {entry.fname for entry in manager.ttflist}
    extra = _extra_font()
    for path in [*font_manager.findSystemFonts(), *([extra] if extra else [])]:
        if path not in known:
            try:
                manager.addfont(path)  # a font installed after matplotlib's cache was built
            except Exception:  # an unreadable font file is simply not used
                continue
    files: dict[str, str] = {}
    for entry in sorted(manager.ttflist, key=lambda e: (e.name, e.weight != 400, e.fname)):
        if entry.style == "normal":
            files.setdefault(entry.name, entry.fname)
    return files


def _extra_font() -> str | None:
    from importlib.util import find_spec

    spec = find_spec(EXTRA_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / EXTRA_FONT
    return str(path) if path.is_file() else None


def _path_of(family: str) -> str | None:
    return _font_files().get(family)


@cache
def _families_by_preference() -> tuple[str, ...]:
    files = _font_files()
    preferred = [f for f in PREFERRED if f in files]
    others = sorted(f for f in files if f not in preferred and f != PRIMARY and not _placeholder(f))
    return (*preferred, *others)


def _placeholder(family: str) -> bool:
    """Fonts that map every character to a stand-in box (matplotlib ships one)."""
    return family.startswith("Last Resort")


def _coverage(family: str) -> frozenset[int]:
    return _charmap(_path_of(family))


@cache
def _charmap(path: str | None) -> frozenset[int]:
    if path is None:
        return frozenset()
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(path).get_charmap())
    except Exception:  # a font that cannot be read covers nothing
        return frozenset()


def chart_texts(obj: object) -> list[str]:
    """Every string a chart spec holds (titles, categories, legends, notes), found by walking it."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [t for k, v in obj.items() for t in (*chart_texts(k), *chart_texts(v))]
    if isinstance(obj, list | tuple):
        return [t for item in obj for t in chart_texts(item)]
    if hasattr(obj, "__dataclass_fields__"):
        return [t for name in obj.__dataclass_fields__ for t in chart_texts(getattr(obj, name))]
    return []


def chart_plan(spec: object) -> FontPlan:
    """The font plan of one chart spec."""
    return plan_fonts(chart_texts(spec))


# CSS for HTML: the families charts use first, then fonts readers commonly have for each script.
CSS_FAMILIES = (
    '"DejaVu Sans", "Noto Sans", "Segoe UI", "Helvetica Neue", Arial, '
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", '
    '"Microsoft YaHei", "Hiragino Sans", "Yu Gothic", "Meiryo", "Malgun Gothic", '
    '"Noto Sans Arabic", "Noto Sans Hebrew", Tahoma, sans-serif'
)


@contextmanager
def quiet_font_manager():
    """Silence matplotlib's per-glyph font log lines (a CJK font without a bold face, say)."""
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def wrap_lines(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, where Chinese, Japanese and Korean
    characters take two columns (they are drawn about twice as wide as Latin letters) and a
    run of them with no spaces may break between any two characters. Text without such
    characters wraps exactly as ``textwrap.wrap``."""
    if not any(_wide(c) for c in text):
        return textwrap.wrap(text, width)
    lines: list[str] = []
    line, used = "", 0
    for word in text.split():
        pieces = _chunks(word, width)
        for i, piece in enumerate(pieces):
            size = _columns(piece)
            gap = 1 if line and i == 0 else 0
            if line and used + gap + size > width:
                lines.append(line)
                line, used, gap = "", 0, 0
            line += " " * gap + piece
            used += gap + size
    if line:
        lines.append(line)
    return lines


def fill(text: str, width: int) -> str:
    """``wrap_lines`` joined by newlines (``textwrap.fill`` for any script)."""
    return "\n".join(wrap_lines(text, width))


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _columns(text: str) -> int:
    return sum(2 if _wide(c) else 1 for c in text)


def _chunks(word: str, width: int) -> list[str]:
    """A word cut into pieces of at most ``width`` columns (most words are one piece)."""
    if _columns(word) <= width:
        return [word]
    pieces, piece, used = [], "", 0
    for char in word:
        size = 2 if _wide(char) else 1
        if piece and used + size > width:
            pieces.append(piece)
            piece, used = "", 0
        piece += char
        used += size
    return [*pieces, piece] if piece else pieces
