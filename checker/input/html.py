"""Visible text of an HTML page, with an exact map back to the submitted HTML.

Findings are reported as offsets into the HTML the user submitted, so every
character of the extracted text carries the span of HTML it came from.  The map
is built while parsing; nothing is ever located by searching for the text again
(the same words may appear in a hidden block or an attribute).

Offsets are Python string indices (code points) into ``html``.

Two parts: ``_Extractor`` parses (recovering from broken markup as browsers do),
keeps the open elements and decides what is visible; ``_VisibleText`` builds the
text and its map back, collapsing whitespace and placing line and paragraph breaks.

Decisions, chosen to match what a browser renders closely enough for sentence
matching, while staying robust on broken markup:

* Parsing uses the standard library ``html.parser.HTMLParser`` with
  ``convert_charrefs=False`` so each entity arrives on its own and can be mapped.
  Offsets come from ``getpos()`` plus precomputed line starts.  HTMLParser counts
  lines by ``\\n`` only (``\\r`` is an ordinary column character), so line starts
  are computed the same way and CRLF / bare CR input maps exactly.
* Hidden, never extracted: ``script style noscript template head title iframe
  noembed noframes datalist rp audio video canvas``, comments, doctype,
  processing instructions and ``<![CDATA[`` (a bogus comment in HTML), and any
  element with a ``hidden`` attribute (except ``hidden="until-found"``, which
  find-in-page reveals), ``aria-hidden="true"`` (hidden from assistive tech:
  decorative or duplicated, the accessible copy is kept) or an inline style with
  ``display:none`` / ``visibility:hidden|collapse``.  Only inline styles are
  seen: class-based CSS and JavaScript are not evaluated, so text that scripts
  reveal later (accordions, tabs) is dropped only when hidden inline.
  Attributes on ``<html>`` and ``<body>`` are ignored: pages often hide the
  whole body until scripts load, and dropping everything would hide all claims.
  Attribute text (``alt``, ``title``, ``placeholder``, ``value``) is not text.
* SVG: only text inside ``<text>`` (with its ``tspan``/``textPath``) is
  rendered, so that is kept; icon titles, descriptions, ``defs`` and the like
  are dropped.  ``<foreignObject>`` content is ordinary HTML again, and an
  HTML block or phrasing tag such as ``<p>`` ends an unclosed ``<svg>`` (as in
  browsers), so a broken icon cannot hide the rest of the page.
* ``textarea``, ``pre``, ``listing``, ``xmp``, ``plaintext`` are visible; in
  them line breaks survive as ``\\n`` (at most two in a row), other whitespace
  still collapses.
* Whitespace (space, tab, CR, LF, FF, and also U+00A0 / ``&nbsp;`` so phrases
  match with a plain space) collapses to one U+0020 that maps to the first
  whitespace character or reference of the run.  Whitespace at the edges of a
  block is dropped.  U+0000, soft hyphen, U+200B, U+2060 and U+FEFF are dropped
  from the text (invisible, and they would split words).
* Block elements separate paragraphs: a break of ``"\\n\\n"`` is inserted
  between blocks, ``<br>`` gives ``"\\n"`` (two ``<br>`` give ``"\\n\\n"``); at
  most two newlines in a row and never at the start or end of the text.  These
  separator characters are synthetic: each maps to a zero-width span
  ``(p, p)`` at the start of the tag that caused it.  Form controls
  (``button input select textarea``) count as blocks so a label never runs into
  a neighbour.  Inline elements add nothing: ``<b>cures</b> MS`` -> ``cures MS``.
* Entities: named ones via ``html.entities.html5``, including the legacy names
  browsers accept without ``;`` (``&amp`` ``&eacute``), also as a prefix
  (``&ampx`` -> ``&x``).  Numeric ones follow the HTML spec: 0, surrogates and
  values above U+10FFFF give U+FFFD; 0x80-0x9F use the Windows-1252 mapping.
  Every character of a decoded reference maps to the whole reference.
* Malformed markup is never rejected.  Unclosed elements close implicitly the
  way browsers close the common ones (``p li dd dt tr td th option a button``
  headings, and ``<head>`` when body content starts); stray end tags are
  ignored; a self-closing ``<x/>`` is treated as empty (browsers would keep a
  non-void element open; treating it as empty never hides the rest of a page).
  Inside ``title textarea iframe noscript noembed noframes xmp`` markup is not
  structure, as browsers read those as raw text.  At end of input an
  unterminated comment, tag or unclosed script runs to the end and is dropped,
  as browsers do; anything else left over is text.
* Nesting deeper than ``max_depth`` open elements raises ``HtmlInputError``
  (512 is also where Chromium stops nesting).  The parser and the element stack
  are iterative, so depth never causes ``RecursionError``.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from html.entities import html5 as _HTML5
from html.parser import HTMLParser
from typing import Sequence

from checker.text.offsets import SpanMap

__all__ = ["HtmlInputError", "ExtractedHtml", "extract_html"]


class HtmlInputError(ValueError):
    """The HTML cannot be processed safely (for example it is nested too deeply)."""


@dataclass(frozen=True)
class ExtractedHtml:
    """Visible text plus, for each of its characters, the HTML span it came from.

    ``html[source_starts[i]:source_ends[i]]`` is the character itself, a
    character reference decoding to it, or whitespace collapsed into it; it is
    empty (``start == end``, at the causing tag) for synthetic paragraph/line
    break characters.  Both sequences are non-decreasing.  Treat them as
    read-only.
    """

    text: str
    source_starts: Sequence[int]
    source_ends: Sequence[int]
    html: str

    def __post_init__(self) -> None:
        if not (len(self.source_starts) == len(self.source_ends) == len(self.text)):
            raise ValueError("source_starts and source_ends must have one entry per character of text")

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map the text span ``[start, end)`` to the HTML span ``[html_start, html_end)``.

        The HTML span runs from the source start of the first character to the
        source end of the last one, so markup inside the span is included.  An
        empty text span maps to an empty HTML span at the matching position.
        """
        past_end = self.source_ends[-1] if self.text else 0
        return SpanMap(self.source_starts, self.source_ends, past_end).to_source(start, end)


def extract_html(html: str, *, max_depth: int = 512) -> ExtractedHtml:
    """Extract the visible text of ``html`` with a per-character source map.

    Raises ``HtmlInputError`` when more than ``max_depth`` elements are open at
    once; any other malformed HTML is accepted and handled like a browser would.
    """
    if not isinstance(html, str):
        raise TypeError(f"html must be str, not {type(html).__name__}")
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    return _Extractor(html, max_depth).run()


# --- element classes -------------------------------------------------------

# Never rendered, or not copy: their content is skipped whatever it contains. <nav> is
# shown by browsers, but a menu's link labels ("Home", "Book now") are not the page's
# claims, and read as sentences they are false alarms (readers' modes drop menus too).
_SKIP = frozenset(
    "script style noscript template head title iframe noembed noframes datalist rp "
    "audio video canvas nav".split()
)
# Tags that may appear in <head>; any other start tag means the body has begun.
_HEAD_TAGS = frozenset("title meta link style script noscript base template basefont bgsound".split())
_VOID = frozenset(
    "area base br col embed hr img image input link meta param source track wbr keygen basefont "
    "bgsound frame".split()
)
# Start and end separate paragraphs.  'text'/'foreignobject' only occur in SVG.
_BLOCK = frozenset(
    (
        "address article aside blockquote body button caption center dd details dialog dir div dl dt "
        "fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr input "
        "legend li listing main marquee menu nav ol optgroup option p plaintext pre search section "
        "select summary table tbody td textarea tfoot th thead tr ul xmp svg text foreignobject"
    ).split()
)
# Whitespace is significant (line breaks are kept).
_PRE = frozenset("pre listing xmp plaintext textarea".split())
# Inside <svg>, never rendered.
_SVG_UNRENDERED = frozenset(
    "defs symbol title desc metadata style script clippath mask pattern marker lineargradient "
    "radialgradient filter".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Browsers read these as raw text up to their own end tag, so markup inside is
# not structure (HTMLParser only does this for script and style).
_RAWTEXT = frozenset("title textarea iframe noscript noembed noframes xmp".split())
# HTML start tags that end an open <svg> (browsers break out of foreign content),
# so an unclosed inline icon cannot swallow the rest of the page.
_SVG_BREAKOUT = frozenset(
    (
        "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li "
        "listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var"
    ).split()
)
# Start tags that implicitly close an open <p>.
_CLOSES_P = frozenset(
    (
        "address article aside blockquote center details dialog dir div dl fieldset figcaption figure "
        "footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section summary table "
        "ul li dd dt listing plaintext xmp search"
    ).split()
)
# Elements that stop the search for an element to close implicitly.
_SCOPE = frozenset("applet caption html table td th marquee object template button svg".split())
_LI_SCOPE = _SCOPE | {"ul", "ol", "menu", "dir"}
_DD_SCOPE = _SCOPE | {"dl"}
_CELL_SCOPE = frozenset("tr table tbody thead tfoot template".split())
_ROW_SCOPE = frozenset("table tbody thead tfoot template".split())
_SECTION_SCOPE = frozenset("table template".split())
_OPTION_SCOPE = _SCOPE | {"select", "datalist", "optgroup"}
_OPTGROUP_SCOPE = _SCOPE | {"select", "datalist"}

_HIDDEN_STYLE = re.compile(r"(?<![-\w])(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse))(?![-\w])", re.I)

# Rendering state of an element's content.
_VISIBLE, _SVG_GRAPHICS, _HIDDEN = 0, 1, 2

# --- text --------------------------------------------------------------------

_WS = " \t\n\r\f\xa0"  # collapsible (HTML whitespace plus no-break space)
_DROP = "\x00\xad\u200b\u2060\ufeff"  # invisible, and would split words
# Everything in a text chunk that is not copied verbatim: whitespace runs other
# than a single interior space, and droppable characters.  Text between matches
# maps contiguously, so typical prose costs one slice, not per-char work.
_SPECIAL = re.compile(r"[\t\n\r\f\xa0][ \t\n\r\f\xa0]*| [ \t\n\r\f\xa0]+|[\x00\xad\u200b\u2060\ufeff]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CHARREF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")
_ENTITY_NAME = re.compile(r"&([a-zA-Z][-.a-zA-Z0-9]*)")
_COMMENT_END = re.compile(r"--!?>")
_MAX_LEGACY = max(len(k) for k in _HTML5 if not k.endswith(";"))


def _c1_remap() -> dict[int, str]:
    # HTML maps &#128;..&#159; through Windows-1252 (e.g. &#150; is an en dash).
    out: dict[int, str] = {}
    for b in range(0x80, 0xA0):
        try:
            out[b] = bytes([b]).decode("cp1252")
        except UnicodeDecodeError:
            pass  # undefined in cp1252: the spec keeps the code point
    return out


_C1 = _c1_remap()

# Parser input is fed in chunks so that the parser's own restarts (it copies its
# whole remaining buffer each time it pauses) stay cheap on hostile input.
_CHUNK = 16 * 1024


def _charref_value(digits: str, hexadecimal: bool) -> str:
    digits = digits.lstrip("0")
    if len(digits) > 8:  # far out of range; also avoids int() limits on huge inputs
        return "\ufffd"
    num = int(digits, 16 if hexadecimal else 10) if digits else 0
    if num == 0 or num > 0x10FFFF or 0xD800 <= num <= 0xDFFF:
        return "\ufffd"
    return _C1.get(num) or chr(num)


def _line_starts(html: str) -> list[int]:
    # Same line notion as HTMLParser.updatepos: only "\n" ends a line.
    starts = [0]
    find = html.find
    i = find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def _is_hidden(attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if name == "hidden":
            if (value or "").strip().lower() != "until-found":
                return True
        elif name == "aria-hidden":
            if value is not None and value.strip().lower() == "true":
                return True
        elif name == "style":
            if value and _HIDDEN_STYLE.search(value):
                return True
    return False


class _VisibleText:
    """The extracted text and, for each of its characters, the HTML span it came from,
    built in document order. Separators (a collapsed space, line and paragraph breaks) are
    held until the next visible character, so that none lead or trail and runs merge."""

    def __init__(self, html: str) -> None:
        self._html = html
        self._parts: list[str] = []
        self._starts = array("l")
        self._ends = array("l")
        self.n = 0  # characters emitted
        self._space: tuple[int, int] | None = None
        self._breaks: list[tuple[int, int]] = []

    def result(self) -> tuple[str, array, array]:
        text = "".join(self._parts)
        if len(text) != len(self._starts):  # internal invariant
            raise RuntimeError("extract_html: text and source map lengths diverged")
        return text, self._starts, self._ends

    def line_break(self, pos: int, level: int) -> None:
        """Level 1 (<br>) adds a line break; level 2 (block edge) ensures a paragraph break."""
        self._space = None  # whitespace at a line/block edge is not rendered
        breaks = self._breaks
        if level == 1:
            if len(breaks) < 2:
                breaks.append((pos, pos))
        else:
            while len(breaks) < 2:
                breaks.append((pos, pos))

    def newline(self, start: int, end: int) -> None:
        # A preserved line break inside <pre>-like elements; maps to its source.
        breaks = self._breaks
        if breaks and breaks[-1][1] == start and self._html[start - 1 : start + 1] == "\r\n":
            breaks[-1] = (breaks[-1][0], end)  # "\r" and "\n" arrived in separate chunks
        elif len(breaks) < 2:
            breaks.append((start, end))

    def space(self, start: int, end: int) -> None:
        if self._space is None:
            self._space = (start, end)

    def _flush(self) -> None:
        """Emit pending separators before a visible character (call only if some are pending)."""
        if self.n:
            if self._breaks:
                for start, end in self._breaks:
                    self._parts.append("\n")
                    self._starts.append(start)
                    self._ends.append(end)
                self.n += len(self._breaks)
            elif self._space is not None:
                self._parts.append(" ")
                self._starts.append(self._space[0])
                self._ends.append(self._space[1])
                self.n += 1
        self._breaks.clear()
        self._space = None

    def char(self, ch: str, start: int, end: int) -> None:
        """One visible character that html[start:end] stands for (a decoded reference)."""
        if self._breaks or self._space is not None:
            self._flush()
        self._parts.append(ch)
        self._starts.append(start)
        self._ends.append(end)
        self.n += 1

    def plain(self, seg: str, off: int) -> None:
        # seg has no whitespace except single spaces, possibly at either edge.
        if seg[0] == " ":
            self.space(off, off + 1)
            seg = seg[1:]
            off += 1
            if not seg:
                return
        trailing = seg[-1] == " "
        if trailing:
            seg = seg[:-1]
        n = len(seg)
        if self._breaks or self._space is not None:
            self._flush()
        self._parts.append(seg)
        self._starts.extend(range(off, off + n))
        self._ends.extend(range(off + 1, off + n + 1))
        self.n += n
        if trailing:
            self.space(off + n, off + n + 1)


class _OpenElements:
    """Tree building: the stack of open elements, with the end tags browsers imply and
    the depth limit, and the visibility state (mode, inside SVG, preformatted) of the
    innermost one. Knows nothing of text or offsets."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        # open elements: (tag, mode, in_svg, pre); state of the top cached below
        self.stack: list[tuple[str, int, bool, bool]] = []
        self.open: dict[str, int] = {}
        self.mode = _VISIBLE
        self.in_svg = False
        self.pre = False

    def top(self) -> str | None:
        return self.stack[-1][0] if self.stack else None

    def push(self, tag: str, mode: int, in_svg: bool, pre: bool, off: int) -> None:
        if len(self.stack) >= self.max_depth:
            raise HtmlInputError(
                f"HTML nesting too deep: more than {self.max_depth} elements open at once "
                f"(at <{tag}>, offset {off})"
            )
        self.stack.append((tag, mode, in_svg, pre))
        self.open[tag] = self.open.get(tag, 0) + 1
        self.mode, self.in_svg, self.pre = mode, in_svg, pre

    def pop_to(self, idx: int) -> bool:
        """Close the element at stack index idx and everything inside it; True if a block closed."""
        stack = self.stack
        block = False
        for tag, _mode, _svg, _pre in stack[idx:]:
            self.open[tag] -= 1
            block = block or tag in _BLOCK
        del stack[idx:]
        if stack:
            _tag, self.mode, self.in_svg, self.pre = stack[-1]
        else:
            self.mode, self.in_svg, self.pre = _VISIBLE, False, False
        return block

    def close_in_scope(self, names: tuple[str, ...], barrier: frozenset[str]) -> None:
        if not any(self.open.get(name) for name in names):
            return
        stack = self.stack
        for idx in range(len(stack) - 1, -1, -1):
            tag = stack[idx][0]
            if tag in names:
                self.pop_to(idx)
                return
            if tag in barrier:
                return

    def implied_end(self, tag: str) -> None:
        # The end tags browsers imply; without them unclosed <p>/<li>/<td> would
        # nest ever deeper on ordinary pages.
        if tag in _CLOSES_P:
            self.close_in_scope(("p",), _SCOPE)
        if tag == "li":
            self.close_in_scope(("li",), _LI_SCOPE)
        elif tag == "dd" or tag == "dt":
            self.close_in_scope(("dd", "dt"), _DD_SCOPE)
        elif tag == "td" or tag == "th":
            self.close_in_scope(("td", "th"), _CELL_SCOPE)
        elif tag == "tr":
            self.close_in_scope(("tr",), _ROW_SCOPE)
        elif tag in ("tbody", "thead", "tfoot"):
            self.close_in_scope(("tbody", "thead", "tfoot"), _SECTION_SCOPE)
        elif tag == "option":
            self.close_in_scope(("option",), _OPTION_SCOPE)
        elif tag == "optgroup":
            self.close_in_scope(("option",), _OPTION_SCOPE)
            self.close_in_scope(("optgroup",), _OPTGROUP_SCOPE)
        elif tag in _HEADINGS:
            if self.stack and self.stack[-1][0] in _HEADINGS:
                self.pop_to(len(self.stack) - 1)
        elif tag == "a":
            self.close_in_scope(("a",), _SCOPE)
        elif tag == "button":
            self.close_in_scope(("button",), _SCOPE - {"button"})

    def close_head(self) -> None:
        if self.open.get("head"):
            for idx in range(len(self.stack) - 1, -1, -1):
                if self.stack[idx][0] == "head":
                    self.pop_to(idx)
                    return


class _Extractor(HTMLParser):
    """Parsing and its recovery (HTMLParser driven as browsers read markup), references
    decoded, and each piece of text sent to the output if the open elements show it."""

    def __init__(self, html: str, max_depth: int) -> None:
        super().__init__(convert_charrefs=False)
        self._html = html
        self._line_starts = _line_starts(html)
        self._fed = 0  # how much of html has been given to the parser
        # output
        self._out = _VisibleText(html)
        self._tree = _OpenElements(max_depth)
        self._body_started = False  # set by body tags; emitted text (self._out.n) also counts
        # characters of html up to here were already emitted by us (see handle_data)
        self._skip_until = 0

    # --- driver -------------------------------------------------------------

    def run(self) -> ExtractedHtml:
        html = self._html
        n = len(html)
        while self._fed < n:
            # Grow the chunk while the parser waits on one long construct, so
            # re-scanning it stays linear overall.
            size = max(_CHUNK, len(self.rawdata))
            piece = html[self._fed : self._fed + size]
            self._fed += len(piece)
            self.feed(piece)
            self._settle(final=self._fed >= n)
        # close() is deliberately not called: everything was consumed by _settle,
        # which applies browser rules where HTMLParser.close() would turn
        # unterminated markup into text (and drops the '&' of a final "&amp").
        text, starts, ends = self._out.result()
        return ExtractedHtml(text=text, source_starts=starts, source_ends=ends, html=html)

    def _settle(self, final: bool) -> None:
        while self.rawdata:
            before = len(self.rawdata)
            self.feed("")  # resume after the parser's own pauses (e.g. its '&#' bail-out)
            if len(self.rawdata) < before:
                continue
            if not self._resolve_head(final):
                return  # waiting for more input

    def _advance(self, k: int) -> None:
        # Skip k buffered characters we handled ourselves, keeping getpos() right.
        self.updatepos(0, k)
        self.rawdata = self.rawdata[k:]

    def _resolve_head(self, final: bool) -> bool:
        """Handle the construct the parser is stuck on; False if more input is needed."""
        raw = self.rawdata
        off = self._fed - len(raw)
        if self.cdata_elem is not None:
            if final:  # unclosed <script>/<style>: invisible to the end
                self._advance(len(raw))
                return True
            return False
        if raw.startswith("&#"):
            # Stuck here when no ';' follows: decode it ourselves, otherwise the
            # parser would hold the rest of the page until the end of input.
            m = _CHARREF.match(self._html, off)
            if m is not None:
                if not final and m.end() >= self._fed:
                    return False
                self._charref_match(m, off)
                self._advance(m.end() - off)
                return True
            if len(raw) < 3 and not final:
                return False
            self._text("&#", off)
            self._advance(2)
            return True
        if not final:
            return False
        if raw.startswith("&"):
            m = _ENTITY_NAME.match(raw)
            if m is None:
                self._text("&", off)
                self._advance(1)
            else:
                name = m.group(1)
                semi = raw.startswith(";", m.end())
                self._entity(off, name, semi)
                self._advance(m.end() + semi)
            return True
        if raw.startswith("<!--"):
            self._advance(len(raw))  # unterminated comment runs to the end
            return True
        if raw.startswith(("<!", "<?")) or (raw.startswith("</") and len(raw) > 2):
            # bogus comment, declaration or end tag: up to '>' or the end
            k = raw.find(">")
            self._advance(len(raw) if k < 0 else k + 1)
            return True
        if raw.startswith("<") and len(raw) > 1 and raw[1].isascii() and raw[1].isalpha() and ">" not in raw:
            self._advance(len(raw))  # EOF inside a start tag: browsers drop the tag
            return True
        # Plain text the parser held back ("<" or "</" at the very end, ...):
        # emit one '<', or text up to the next markup, and let the parser resume.
        k = 1
        if raw[0] != "<":
            while k < len(raw) and raw[k] not in "<&":
                k += 1
        self._text(raw[:k], off)
        self._advance(k)
        return True

    # --- parser overrides ---------------------------------------------------

    def parse_comment(self, i: int, report: int = 1) -> int:
        # Browser comment ends: "<!-->" and "<!--->" end at once, otherwise the
        # first "-->" or "--!>" (HTMLParser also accepts "-- >" and misses "--!>").
        raw = self.rawdata
        j = i + 4
        if raw.startswith(">", j):
            return j + 1
        if raw.startswith("->", j):
            return j + 2
        m = _COMMENT_END.search(raw, j)
        return -1 if m is None else m.end()

    def parse_html_declaration(self, i: int) -> int:
        # "<![...": _markupbase raises AssertionError on unknown keywords; in HTML
        # content browsers treat it as a bogus comment up to the next '>'.
        if self.rawdata.startswith("<![", i):
            return self.parse_bogus_comment(i)
        return super().parse_html_declaration(i)

    # --- handlers -------------------------------------------------------------

    def _pos(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self._pos(), False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self._pos(), True)

    def handle_endtag(self, tag: str) -> None:
        self._end(tag, self._pos())

    def handle_data(self, data: str) -> None:
        off = self._pos()
        if off < self._skip_until:  # digits of a reference we already decoded
            cut = min(len(data), self._skip_until - off)
            data = data[cut:]
            off += cut
            if not data:
                return
        if data == "&#" and self.cdata_elem is None:
            # HTMLParser gives up on "&#233x" (it wants a non-hex terminator) and
            # passes "&#" as text; browsers decode the digits, so do that here.
            m = _CHARREF.match(self._html, off)
            if m is not None:
                self._charref_match(m, off)
                self._skip_until = m.end()
                return
        self._text(data, off)

    def handle_entityref(self, name: str) -> None:
        off = self._pos()
        self._entity(off, name, self._html.startswith(";", off + 1 + len(name)))

    def handle_charref(self, name: str) -> None:
        off = self._pos()
        end = off + 2 + len(name)
        if self._html.startswith(";", end):
            end += 1
        if name[0] in "xX":
            value = _charref_value(name[1:], True)
        else:
            value = _charref_value(name, False)
        self._decoded(value, off, end)

    # --- references -----------------------------------------------------------

    def _charref_match(self, m: re.Match[str], off: int) -> None:
        hexdigits, decdigits = m.group(1), m.group(2)
        value = _charref_value(hexdigits, True) if hexdigits is not None else _charref_value(decdigits, False)
        self._decoded(value, off, m.end())

    def _entity(self, off: int, name: str, semi: bool) -> None:
        end = off + 1 + len(name) + semi
        if semi:
            value = _HTML5.get(name + ";")
            if value is not None:
                self._decoded(value, off, end)
                return
        # Legacy names that browsers accept without ';', even followed by more
        # letters; the keys of html5 without ';' are exactly those names.
        for k in range(min(len(name), _MAX_LEGACY), 1, -1):
            value = _HTML5.get(name[:k])
            if value is not None:
                self._decoded(value, off, off + 1 + k)
                self._text(self._html[off + 1 + k : end], off + 1 + k)
                return
        self._text(self._html[off:end], off)

    # --- elements -------------------------------------------------------------

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], off: int, closed: bool) -> None:
        stack = self._tree.stack
        if stack and stack[-1][0] in _RAWTEXT and not self._tree.in_svg:
            return  # markup inside <title>, <textarea>, <noscript>... is text to a browser
        if tag == "html":
            return
        if tag == "body":
            self._tree.close_head()
            self._body_started = True
            self._break(off, 2)
            return
        if tag == "head":
            # A second or late <head> is ignored by browsers; obeying it would hide the page.
            if not (self._body_started or self._out.n) and not self._tree.open.get("head"):
                self._tree.push("head", _HIDDEN, False, False, off)
            return
        in_svg = self._tree.in_svg
        if in_svg and tag in _SVG_BREAKOUT:
            while self._tree.in_svg:
                self._tree.pop_to(len(stack) - 1)
            in_svg = False
        if not in_svg:
            if tag not in _HEAD_TAGS:
                if self._tree.top() == "head":
                    self._tree.close_head()
                self._body_started = True
            self._tree.implied_end(tag)
            if tag in _VOID:
                if tag == "br":
                    self._break(off, 1)
                elif tag in _BLOCK:
                    self._break(off, 2)
                return
        if tag in _BLOCK:
            self._break(off, 2)
        if closed:
            return
        mode = self._tree.mode
        pre = self._tree.pre
        child_svg = in_svg
        if in_svg:
            if tag == "foreignobject":
                child_svg = False
                if mode != _HIDDEN:
                    mode = _VISIBLE
            elif tag in _SVG_UNRENDERED:
                mode = _HIDDEN
            elif tag == "text" and mode != _HIDDEN:
                mode = _VISIBLE
        elif tag == "svg":
            child_svg = True
            if mode != _HIDDEN:
                mode = _SVG_GRAPHICS
        else:
            if tag in _SKIP:
                mode = _HIDDEN
            if tag in _PRE:
                pre = True
        if mode != _HIDDEN and attrs and _is_hidden(attrs):
            mode = _HIDDEN
        self._tree.push(tag, mode, child_svg, pre, off)

    def _end(self, tag: str, off: int) -> None:
        stack = self._tree.stack
        if stack and stack[-1][0] in _RAWTEXT and stack[-1][0] != tag and not self._tree.in_svg:
            return  # only its own end tag closes a raw-text element
        if tag == "br" and not self._tree.in_svg:  # browsers treat </br> as <br>
            self._break(off, 1)
            return
        if tag == "html" or tag == "body":
            return
        block = tag in _BLOCK
        if self._tree.open.get(tag):
            for idx in range(len(stack) - 1, -1, -1):
                if stack[idx][0] == tag:
                    block = self._tree.pop_to(idx) or block
                    break
        if block:
            self._break(off, 2)

    # --- output ---------------------------------------------------------------

    def _break(self, pos: int, level: int) -> None:
        """Level 1 (<br>) adds a line break; level 2 (block edge) ensures a paragraph break."""
        if self._tree.mode != _HIDDEN:
            self._out.line_break(pos, level)

    def _can_show(self, text: str) -> bool:
        if self._tree.mode == _VISIBLE:
            return True
        # Non-blank text directly in <head> starts the body, as in browsers.
        if self._tree.top() == "head" and text.strip(" \t\n\r\f"):
            self._tree.close_head()
            self._body_started = True
            return self._tree.mode == _VISIBLE
        return False

    def _text(self, data: str, off: int) -> None:
        """Emit raw text found at html[off:off+len(data)]."""
        if not data or (self._tree.mode != _VISIBLE and not self._can_show(data)):
            return
        out = self._out
        if not self._tree.pre and not data.strip(" \t\n\r\f"):
            out.space(off, off + 1)  # fast path: indentation between tags
            return
        pos = 0
        for m in _SPECIAL.finditer(data):
            a, b = m.span()
            if a > pos:
                out.plain(data[pos:a], off + pos)
            first = data[a]
            if first in _DROP:
                pass
            elif self._tree.pre and ("\n" in m.group() or "\r" in m.group()):
                for lb in _LINE_BREAK.finditer(data, a, b):
                    out.newline(off + lb.start(), off + lb.end())
            else:
                out.space(off + a, off + a + 1)
            pos = b
        if pos < len(data):
            out.plain(data[pos:] if pos else data, off + pos)

    def _decoded(self, value: str, start: int, end: int) -> None:
        """Emit the characters a reference at html[start:end] decodes to."""
        if not self._can_show(value):
            return
        out = self._out
        for ch in value:
            if ch in _WS:
                if self._tree.pre and ch in "\n\r":
                    out.newline(start, end)
                else:
                    out.space(start, end)
            elif ch not in _DROP:
                out.char(ch, start, end)
