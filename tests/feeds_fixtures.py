"""Feeds and article pages for the feed and fetch tests: RSS 2.0, Atom and RDF built from a few fields, and
news pages as a site serves them."""

from __future__ import annotations

from html import escape
from textwrap import dedent


def page(title: str, *sentences: str, date: str | None = None) -> str:
    """An article page trafilatura reads: a title, a date when given, a few paragraphs."""
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    body = "".join(f"<p>{escape(s)}</p>" for s in sentences)
    return (f"<html><head><title>{escape(title)}</title>{meta}</head><body><nav>Home | World | Sport</nav>"
            f"<article><h1>{escape(title)}</h1>{body}</article><footer>© The Paper</footer></body></html>")


def rss(title: str, items: list[dict[str, str]]) -> str:
    """RSS 2.0; an item's keys: title, link, guid, date (RFC 2822), description, content (content:encoded)."""
    parts = []
    for it in items:
        xml = f"<title>{escape(it.get('title', ''))}</title>"
        if "link" in it:
            xml += f"<link>{escape(it['link'])}</link>"
        if "guid" in it:
            xml += f'<guid isPermaLink="false">{escape(it["guid"])}</guid>'
        if "date" in it:
            xml += f"<pubDate>{it['date']}</pubDate>"
        if "description" in it:
            xml += f"<description>{escape(it['description'])}</description>"
        if "content" in it:
            xml += f"<content:encoded><![CDATA[{it['content']}]]></content:encoded>"
        parts.append(f"<item>{xml}</item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>{escape(title)}</title>'
            f"<link>http://example.invalid/</link><description>news</description>{''.join(parts)}</channel></rss>")


def atom(title: str, items: list[dict[str, str]]) -> str:
    """Atom 1.0; an item's keys: title, link, id, published, updated, summary, content (HTML)."""
    parts = []
    for it in items:
        xml = f"<title>{escape(it.get('title', ''))}</title><id>{escape(it.get('id', it.get('link', '')))}</id>"
        if "link" in it:
            xml += f'<link rel="alternate" href="{escape(it["link"])}"/>'
        for key in ("published", "updated"):
            if key in it:
                xml += f"<{key}>{it[key]}</{key}>"
        if "summary" in it:
            xml += f"<summary>{escape(it['summary'])}</summary>"
        if "content" in it:
            xml += f'<content type="html">{escape(it["content"])}</content>'
        parts.append(f"<entry>{xml}</entry>")
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:feed</id><updated>2024-05-01T00:00:00Z</updated>"
            f"{''.join(parts)}</feed>")


def rdf(title: str, items: list[dict[str, str]]) -> str:
    """RSS 1.0 (RDF); an item's keys: title, link, date (dc:date, ISO), description."""
    parts = "".join(
        f'<item rdf:about="{escape(it["link"])}"><title>{escape(it["title"])}</title><link>{escape(it["link"])}</link>'
        + (f"<dc:date>{it['date']}</dc:date>" if "date" in it else "")
        + (f"<description>{escape(it['description'])}</description>" if "description" in it else "")
        + "</item>" for it in items)
    return dedent(f"""\
        <?xml version="1.0"?>
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
                 xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel rdf:about="http://example.invalid/"><title>{escape(title)}</title><link>http://example.invalid/</link>
        <description>news</description></channel>{parts}</rdf:RDF>""")


STORM = """<!doctype html><html><head><title>Storm floods the harbour | Coast Daily</title>
<meta property="og:site_name" content="Coast Daily">
<meta property="article:published_time" content="2022-09-19T06:10:00+02:00">
{canonical}</head><body><nav><a href="/">Home</a></nav><article><h1>Storm floods the harbour</h1>
<p>The storm reached Port Ellen on Monday morning, flooding the harbour and closing the coast road.</p>
<p>Harbour master Ines Calloway said the water rose {rise} overnight and that the ferry stayed in port.</p>
</article><footer>Copyright Coast Daily</footer></body></html>"""


def storm(rise: str = "two metres", canonical: str = "") -> str:
    return STORM.format(rise=rise, canonical=f'<link rel="canonical" href="{canonical}">' if canonical else "")


NO_TEXT = "<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>"  # a page with no article
