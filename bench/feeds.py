"""Feed benchmark (run by hand): `quotebot update` over a local server against the bare embedding speed.

  python bench/feeds.py                        # 20 feeds x 25 new entries, per_host_delay_s 0
  python bench/feeds.py --delay 1.0            # with the default politeness (one request a second per host)
  python bench/feeds.py --feeds 4 --entries 5  # a quick look

A local HTTP server answers for 20 host names (127.0.0.1 .. 127.0.0.20, all loopback, so each feed is a
host of its own as real news sites are): each serves robots.txt, one RSS feed and its entries' article
pages. Half the feeds carry each article's full text (content:encoded), half only a teaser, so their
pages are fetched and read by trafilatura. The real packaged model indexes everything (loaded and warmed
first, so its load time is not counted); then the same chunk texts are embedded again on their own
(``encode_documents`` in the ingest's batches of 512 chunks): the bare throughput that update is held to.
Peak memory is the process's maximum RSS (``ru_maxrss``) before and after. Results: bench/out/feeds.json.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import threading
import time
from dataclasses import replace
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.config import FetchSettings, load_settings  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.feeds.follow_list import Feed, FeedList  # noqa: E402
from index.feeds.polling import update  # noqa: E402
from index.indexing import EMBED_BATCH_CHUNKS  # noqa: E402

_WORDS = ("harbour council ferry storm river mayor budget school election hospital market bridge police "
          "court minister farmers prices rail strike festival museum water housing airport tram").split()


def article(rng: random.Random, n: int, chars: int) -> tuple[str, list[str]]:
    """A title and news-like paragraphs of about ``chars`` characters."""
    title = f"Story {n}: the {rng.choice(_WORDS)} and the {rng.choice(_WORDS)}"
    paras, size = [], 0
    while size < chars:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 20)))
            sentences.append(f"The {rng.choice(_WORDS)} said on {rng.choice(['Monday', 'Friday'])} that "
                             f"{rng.randint(2, 900)} {words}.")
        paras.append(" ".join(sentences))
        size += len(paras[-1])
    return title, paras


def build_site(feeds: int, entries: int, chars: int) -> dict[str, dict[str, tuple[str, bytes]]]:
    """host -> path -> (content type, body)."""
    rng = random.Random(7)
    sites: dict[str, dict[str, tuple[str, bytes]]] = {}
    for f in range(feeds):
        host = f"127.0.0.{f + 1}"
        routes: dict[str, tuple[str, bytes]] = {"/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n")}
        items = []
        for e in range(entries):
            title, paras = article(rng, f * entries + e, chars)
            html = "".join(f"<p>{escape(p)}</p>" for p in paras)
            path = f"/news/{e}.html"
            routes[path] = ("text/html", (f"<html><head><title>{escape(title)}</title></head><body><nav>Home</nav>"
                                          f"<article><h1>{escape(title)}</h1>{html}</article></body></html>").encode())
            body = f"<content:encoded><![CDATA[{html}]]></content:encoded>" if f % 2 == 0 else \
                f"<description>{escape(paras[0][:150])}</description>"
            items.append(f"<item><title>{escape(title)}</title><link>http://{host}:{{port}}{path}</link>"
                         f"<pubDate>Wed, 01 May 2024 {e % 24:02d}:00:00 +0200</pubDate>{body}</item>")
        feed = (f'<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                f"<channel><title>Site {f}</title>{''.join(items)}</channel></rss>")
        routes["/rss.xml"] = ("application/rss+xml", feed.encode())
        sites[host] = routes
    return sites


def serve(sites: dict[str, dict[str, tuple[str, bytes]]]) -> list[ThreadingHTTPServer]:
    """One server per host name, each on its own loopback address (nothing outside this machine listens)."""
    servers = []
    for host, routes in sites.items():
        class Handler(BaseHTTPRequestHandler):
            table = routes

            def do_GET(self) -> None:  # noqa: N802
                found = self.table.get(self.path)
                kind, body = found if found else ("text/plain", b"not found")
                body = body.replace(b"{port}", str(self.server.server_address[1]).encode())
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer((host, 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--entries", type=int, default=25)
    ap.add_argument("--chars", type=int, default=2500, help="characters of text per article")
    ap.add_argument("--delay", type=float, default=0.0, help="[fetch] per_host_delay_s")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "feeds.json")
    args = ap.parse_args()

    servers = serve(build_site(args.feeds, args.entries, args.chars))
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(index_dir=Path(tmp) / "index")
        settings = replace(settings, fetch=FetchSettings(allow_private_networks=True, per_host_delay_s=args.delay))
        engine = Engine(settings)
        engine.models.embedder.encode(["warm up"])
        feeds = FeedList(engine.folder)
        for f in range(args.feeds):
            host, port = servers[f].server_address[:2]
            feeds.add(Feed(f"http://{host}:{port}/rss.xml", f"Site {f}", "2024-05-01T00:00:00+00:00"))
        before = peak_mb()
        started = time.perf_counter()
        report = update(engine)
        update_s = time.perf_counter() - started
        after = peak_mb()
        assert not report.failed, report.failed[:3]
        articles = list(engine.store.articles())
        texts = [engine._embed_text(a, c) for a in articles for c in engine._chunk(a)]
        started = time.perf_counter()
        for lo in range(0, len(texts), EMBED_BATCH_CHUNKS):
            engine.models.embedder.encode_documents(texts[lo : lo + EMBED_BATCH_CHUNKS])
        embed_s = time.perf_counter() - started
    for server in servers:
        server.shutdown()
    result = {
        "feeds": args.feeds, "entries": report.new, "chunks": len(texts), "chars_per_article": args.chars,
        "per_host_delay_s": args.delay, "update_s": round(update_s, 2), "bare_embed_s": round(embed_s, 2),
        "update_entries_per_s": round(report.new / update_s, 2), "bare_entries_per_s": round(report.new / embed_s, 2),
        "update_vs_bare": round(embed_s / update_s, 3),
        "peak_rss_mb_before": round(before), "peak_rss_mb_after": round(after),
        "model": settings.model.name,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
