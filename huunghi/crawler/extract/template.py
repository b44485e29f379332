"""Site templates: what a site's pages share, learned from the pages themselves.

For every block signature (DOM slot) of a site the model keeps how much text it held and how
much of that was article text, page after page, plus which short texts recur in one slot on
several different URLs (menus, "aa", "Xin chờ trong giây lát...", footers). Once a few pages
are learned, a new page is read slot by slot: article slots are kept in order, furniture is
dropped, and no generic extractor runs. A page the model does not cover falls back to generic
extraction and teaches the model.

Trap 1 of the field notes: article X's own title and lead appear in other pages' sidebars.
Nothing here removes text because it was seen elsewhere; recurrence is counted per slot, so
X's lead in X's lead slot is never confused with X's lead in a sidebar slot.
"""

from __future__ import annotations

import json
import statistics
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from huunghi.crawler.extract.blocks import Block

MODEL_VERSION = 1
MIN_PAGES = 3  # pages learned before the model extracts on its own
MIN_SLOT_PAGES = 2  # a slot seen on fewer pages is not evidence
CONTENT_RATIO = 0.3  # share of a slot's text that was article text for the slot to be kept
RECUR_PAGES = 2  # one text in one slot on this many other URLs is furniture
RECUR_MAX_CHARS = 120  # only short texts are tracked for recurrence (menus, widgets, footers)
MIN_COVERAGE = 0.6  # share of a page's text in known slots for the model to apply
URLS_PER_TEXT = 3
BACKOFF_STEPS = 2  # an unseen slot may borrow from a parent at most this far up
AUDIT_FIRST = 1  # the first template reading of a site is checked against a generic one
TITLE_SIG = "\x01title"  # the recurrence key of <title> parts
AUDIT_EVERY = 20  # then every n-th: catches a template gone wrong, and keeps it learning


@dataclass
class SlotStats:
    pages: int = 0
    chars: int = 0
    content: int = 0
    last_page: int = -1

    @property
    def ratio(self) -> float:
        return self.content / self.chars if self.chars else 0.0


@dataclass
class Decision:
    """The model's reading of one page: which blocks are the article, or why it cannot tell."""

    keep: list[bool] | None
    reason: str = ""
    coverage: float = 0.0


def _url_key(url: str) -> int:
    return zlib.crc32(url.encode("utf-8", "surrogatepass"))


def _text_key(sig: str, text: str) -> int:
    return zlib.crc32(f"{sig}\x00{text}".encode("utf-8", "surrogatepass"))


@dataclass
class SiteTemplate:
    """The learned model of one site (host)."""

    host: str
    pages: int = 0
    slots: dict[str, SlotStats] = field(default_factory=dict)
    prefixes: dict[str, SlotStats] = field(default_factory=dict)
    recurring: dict[int, list[int]] = field(default_factory=dict)
    content_sizes: list[int] = field(default_factory=list)
    headlines: dict[str, int] = field(default_factory=dict)  # title or lead -> its page's URL key
    template_pages: int = 0
    fallbacks: int = 0
    misreads: int = 0
    dirty: bool = False

    # -- learning -------------------------------------------------------------------------
    def needs_audit(self) -> bool:
        """Whether the next template page should also be read generically (to check and learn)."""
        return self.template_pages < AUDIT_FIRST or self.template_pages % AUDIT_EVERY == 0

    def first_audit(self) -> bool:
        """Whether the next audit is the template's first: always read by trafilatura."""
        return self.template_pages < AUDIT_FIRST

    def observe(self, blocks: Sequence[Block], url: str) -> None:
        """Count the recurring short texts of a page; alone, for a page read by the template itself.

        Slot shares are learned only from independent (generic) readings: learning them from the
        template's own output would only confirm its mistakes.
        """
        url_key = _url_key(url)
        for block in blocks:
            if len(block.text) <= RECUR_MAX_CHARS:
                urls = self.recurring.setdefault(_text_key(block.sig, block.text), [])
                if url_key not in urls and len(urls) < URLS_PER_TEXT:
                    urls.append(url_key)
                    self.dirty = True

    def learn(self, blocks: Sequence[Block], content: Sequence[bool], url: str) -> None:
        """Add one page: its blocks and which of them were the article."""
        page = self.pages
        self.pages += 1
        self.dirty = True
        content_chars = 0
        for block, is_content in zip(blocks, content):
            n = len(block.text)
            c = n if is_content else 0
            content_chars += c
            self._add(self.slots, block.sig, n, c, page)
            sig = block.sig
            cut = sig.rfind(">")
            for _ in range(BACKOFF_STEPS):  # parents only as far up as an unseen slot may look
                if cut <= 0:
                    break
                sig = sig[:cut]
                self._add(self.prefixes, sig, n, c, page)
                cut = sig.rfind(">")
        self.observe(blocks, url)
        if content_chars:
            self.content_sizes.append(content_chars)
            del self.content_sizes[:-50]
        if self.pages % 50 == 0:
            self._prune()

    @staticmethod
    def _add(table: dict[str, SlotStats], key: str, chars: int, content: int, page: int) -> None:
        st = table.get(key)
        if st is None:
            st = table[key] = SlotStats()
        if st.last_page != page:
            st.pages += 1
            st.last_page = page
        st.chars += chars
        st.content += content

    def _prune(self) -> None:
        """Forget slots and texts seen once long ago, so the model stays small for years."""
        horizon = self.pages - 50
        for table in (self.slots, self.prefixes):
            for key in [k for k, st in table.items() if st.pages < 2 and st.last_page < horizon]:
                del table[key]
        if len(self.recurring) > 20_000:
            self.recurring = {k: v for k, v in self.recurring.items() if len(v) > 1}

    # -- reading --------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.pages >= MIN_PAGES and bool(self.content_sizes)

    def _ratio(self, sig: str) -> float | None:
        """The slot's article share; an unseen slot borrows its parent's only when that is clear-cut."""
        st = self.slots.get(sig)
        if st is not None and st.pages >= MIN_SLOT_PAGES:
            return st.ratio
        cut = sig.rfind(">")
        for _ in range(BACKOFF_STEPS):
            if cut <= 0:
                break
            sig = sig[:cut]
            st = self.prefixes.get(sig)
            if st is not None and st.pages >= MIN_SLOT_PAGES:
                ratio = st.ratio
                return ratio if ratio >= 0.9 or ratio <= 0.1 else None
            cut = sig.rfind(">")
        return None

    def _seen(self, sig: str) -> bool:
        st = self.slots.get(sig)
        return st is not None and st.pages >= MIN_SLOT_PAGES

    def recurs(self, block: Block, url_key: int) -> bool:
        """Whether the block's text sat in its slot on RECUR_PAGES other URLs (furniture)."""
        if len(block.text) > RECUR_MAX_CHARS:
            return False
        urls = self.recurring.get(_text_key(block.sig, block.text), ())
        return sum(1 for u in urls if u != url_key) >= RECUR_PAGES

    # -- the site's own headlines: teasers and the site's name ---------------------------
    def note_headlines(self, url: str, title: str, lead: str, title_parts: Sequence[str]) -> None:
        """Remember a read page's title and lead (another page's teaser is made of them) and the
        parts of its <title> (a part many pages share is the site's name, never a title)."""
        key = _url_key(url)
        for text in (title, lead):
            if len(text) >= 20:
                self.headlines[text] = key
                self.dirty = True
        if len(self.headlines) > 2000:
            for old in list(self.headlines)[:500]:
                del self.headlines[old]
        for part in title_parts:
            urls = self.recurring.setdefault(_text_key(TITLE_SIG, part), [])
            if key not in urls and len(urls) < URLS_PER_TEXT:
                urls.append(key)
                self.dirty = True

    def shared_title(self, text: str, url: str) -> bool:
        """A <title> part on RECUR_PAGES other pages of the site: its name, not a headline."""
        urls = self.recurring.get(_text_key(TITLE_SIG, text), ())
        own = _url_key(url)
        return sum(1 for u in urls if u != own) >= RECUR_PAGES

    def teaser(self, block: Block, url: str) -> bool:
        """Whether the block carries another page's title or lead (a teaser of that page).

        Per page, not per text: the page whose lead it is keeps it (trap 1)."""
        if not self.headlines or len(block.text) > 3000:
            return False
        own = _url_key(url)
        text = block.text
        return any(key != own and headline in text for headline, key in self.headlines.items())

    def unexplained(self, block: Block, url: str) -> bool:
        """Whether nothing learned says this block is furniture: its slot was never seen (nor a
        clear-cut parent), or it holds far more text than the slot usually does, and its text
        does not recur there."""
        n = len(block.text)
        if self.recurs(block, _url_key(url)):
            return False
        st = self.slots.get(block.sig)
        if st is not None and st.pages >= MIN_SLOT_PAGES:
            return n > 3 * st.chars / st.pages
        return self._ratio(block.sig) is None

    def doubts(self, blocks: Sequence[Block], keep: Sequence[bool], url: str) -> bool:
        """Whether the template dropped long, link-free text that no furniture evidence explains."""
        kept = sum(len(b.text) for b, k in zip(blocks, keep) if k)
        missing = sum(
            len(b.text)
            for b, k in zip(blocks, keep)
            if not k and len(b.text) >= 150 and b.link_density < 0.2 and self.unexplained(b, url)
        )
        return missing > 0.1 * max(kept, 1)

    def _keep_inside_body(
        self, blocks: Sequence[Block], keep: list[bool], ratios: dict[str, float | None], url_key: int
    ) -> int:
        """Blocks in slots never seen (a blockquote, a list, a table, an embed) that sit inside the
        body's own element, between kept blocks, are the article's: returns the characters added."""
        added = 0
        prev: Block | None = None
        for i, block in enumerate(blocks):
            if keep[i]:
                prev = block
                continue
            if prev is None or ratios.get(block.sig, 0.0) is not None or block.link_density >= 0.5:
                continue
            if self.recurs(block, url_key) or not any(keep[i + 1 : i + 30]):
                continue
            container = prev.element.getparent()
            if (
                container is not None
                and container.tag not in ("body", "html")
                # inside the body's element, or written straight into it (a crosshead's text)
                and (block.element is container or any(a is container for a in block.element.iterancestors()))
            ):
                keep[i] = True
                added += len(block.text)
        return added

    def decide(self, blocks: Sequence[Block], url: str) -> Decision:
        """Which blocks are the article, or a reason the page does not fit the model."""
        if not self.ready:
            return Decision(None, f"template not learned yet ({self.pages}/{MIN_PAGES} pages)")
        total = known = kept_chars = 0
        url_key = _url_key(url)
        keep: list[bool] = []
        ratios: dict[str, float | None] = {}  # many blocks share a slot (rails, lists)
        for block in blocks:
            n = len(block.text)
            total += n
            ratio = ratios.get(block.sig, -1.0)
            if ratio == -1.0:
                ratio = ratios[block.sig] = self._ratio(block.sig)
            if ratio is None:
                keep.append(False)
                continue
            known += n
            is_content = ratio >= CONTENT_RATIO and not self.recurs(block, url_key)
            if is_content and block.link_density >= 0.5:
                is_content = False  # a line of links is navigation whatever slot holds it
            keep.append(is_content)
            kept_chars += n if is_content else 0
        kept_chars += self._keep_inside_body(blocks, keep, ratios, url_key)
        coverage = known / total if total else 0.0
        if coverage < MIN_COVERAGE:
            return Decision(
                None, f"page does not fit the template ({coverage:.0%} of its text in known slots)", coverage
            )
        typical = statistics.median(self.content_sizes)
        if kept_chars < max(150, 0.1 * typical):
            return Decision(None, f"template found too little article text ({kept_chars} chars)", coverage)
        return Decision(keep, "", coverage)

    # -- persistence ----------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {
                "version": MODEL_VERSION,
                "host": self.host,
                "pages": self.pages,
                "template_pages": self.template_pages,
                "fallbacks": self.fallbacks,
                "misreads": self.misreads,
                "content_sizes": self.content_sizes,
                "slots": {k: [s.pages, s.chars, s.content, s.last_page] for k, s in self.slots.items()},
                "prefixes": {k: [s.pages, s.chars, s.content, s.last_page] for k, s in self.prefixes.items()},
                "recurring": [[k, v] for k, v in self.recurring.items() if len(v) > 1],
                "headlines": list(self.headlines.items())[-500:],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, host: str, text: str) -> SiteTemplate:
        """A stored model; an unreadable or outdated one starts afresh instead of failing."""
        try:
            data = json.loads(text)
            if data.get("version") != MODEL_VERSION:
                return cls(host)
            return cls(
                host=host,
                pages=int(data["pages"]),
                template_pages=int(data.get("template_pages", 0)),
                fallbacks=int(data.get("fallbacks", 0)),
                misreads=int(data.get("misreads", 0)),
                content_sizes=list(data.get("content_sizes", [])),
                slots={k: SlotStats(*v) for k, v in data["slots"].items()},
                prefixes={k: SlotStats(*v) for k, v in data["prefixes"].items()},
                recurring={int(k): list(v) for k, v in data.get("recurring", [])},
                headlines={str(k): int(v) for k, v in data.get("headlines", [])},
            )
        except (ValueError, KeyError, TypeError):
            return cls(host)


class TemplateBook:
    """The templates of every site seen, loaded on demand and saved when they changed."""

    def __init__(
        self,
        load: Callable[[str], str | None] | None = None,
        save: Callable[[str, str, int], object] | None = None,
    ) -> None:
        self._load = load
        self._save = save
        self.sites: dict[str, SiteTemplate] = {}

    def get(self, host: str) -> SiteTemplate:
        site = self.sites.get(host)
        if site is None:
            stored = self._load(host) if self._load else None
            site = SiteTemplate.from_json(host, stored) if stored else SiteTemplate(host)
            self.sites[host] = site
        return site

    def flush(self) -> int:
        """Save the templates that changed; returns how many were saved."""
        saved = 0
        for site in self.sites.values():
            if site.dirty and self._save:
                self._save(site.host, site.to_json(), site.pages)
                site.dirty = False
                saved += 1
        return saved
