"""The renderer, without Discord: any passage set fits every limit, and quotes stay verbatim."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.discord.render import (ATTRIBUTION_MAX, DESCRIPTION_LIMIT, ELLIPSIS, NO_MATCH, PER_PAGE_MAX, _render_span,
                                _trimmed, answer_pages, article_links, clip_words, dlen, footer_text, limit_problems,
                                page_embeds, quote_span, safe_url)
from bot.discord.safety import break_invites
from index.text.sentences import split_sentences
from index.types import Answer, Passage, PassageAttribution, TextSpan
from tests.bot.discord.harness import unmarked

TOKENS = ["**", "@everyone", "@here", "<@123456789012345678>", "<@&223456789012345678>", "<#323456789012345678>",
          "[x](https://e.com)", "||", "`", "```", "\\", "_", "~~", "<t:1:R>", "https://a.com/x_y", "😀", "…", "*",
          "</ask:1>", "<:emoji:1>", "’", "discord.gg/abc", "https://discord.com/invite/x"]
SEPARATORS = [" ", " ", " ", "  ", "\n", "\n\n", ". ", ". ", "! ", "? ", ".\n", "\n> ", "\n# ", "\n- ", "\n1. ",
              "\n  - "]

words = st.one_of(
    st.text(st.characters(exclude_categories=("Cs", "Z", "Cc", "Cf")), min_size=1, max_size=12),
    st.sampled_from(TOKENS),
)
# The list size is drawn first so that long passages (thousands of characters) are common.
texts = st.integers(1, 700).flatmap(
    lambda n: st.lists(st.tuples(words, st.sampled_from(SEPARATORS)), min_size=n, max_size=n)).map(
    lambda parts: "".join(w + s for w, s in parts).strip() or "x")

# Who a quote says is speaking: any words (the attribution line must fit and be escaped whatever they are).
text_spans = st.builds(TextSpan, st.one_of(texts, st.text(max_size=3000)), st.just(0), st.just(0))
said = st.builds(PassageAttribution, st.none() | text_spans, text_spans, st.none() | text_spans)


@st.composite
def passages(draw: st.DrawFn) -> Passage:
    text = draw(texts)
    spans = split_sentences(text)
    if spans and draw(st.booleans()):
        highlight = draw(st.sampled_from(spans))
    else:
        highlight = (draw(st.integers(-5, len(text) + 5)), draw(st.integers(-5, len(text) + 5)))
    return Passage(
        article_id="a", title=draw(st.text(max_size=400)),
        source=draw(st.none() | st.text(max_size=3000)), url=draw(st.none() | st.sampled_from(
            ["https://example.com/a", "http://x.org", "file:///etc/passwd", "javascript:alert(1)", "ftp://x",
             "https://", "https://a b", "not a url"]) | st.text(max_size=50)),
        date=draw(st.none() | st.text(max_size=3000)), text=text, start=0, end=len(text), highlight=highlight,
        score=draw(st.floats(-1, 2)), attribution=draw(st.none() | said))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(passages(), max_size=12), st.integers(-2, 9), st.text(max_size=1500))
def test_any_passage_set_renders_within_every_limit(items: list[Passage], per_page: int, question: str) -> None:
    answer = Answer(question=question, passages=tuple(items), found=bool(items))
    pages = answer_pages(answer, per_page)
    if not items:
        assert len(pages) == 1 and pages[0].content.startswith(NO_MATCH) and not pages[0].embeds
    else:
        shown = min(max(per_page, 1), PER_PAGE_MAX)
        assert len(pages) == math.ceil(len(items) / shown)
        assert [e.title.split(".")[0] for p in pages for e in p.embeds] == [str(n) for n in range(1, len(items) + 1)]
    for page in pages:
        links = [{"type": 2, "style": 5, "label": label, "url": url} for label, url in page.links]
        payload = {"content": page.content, "embeds": [e.to_dict() for e in page.embeds],
                   "components": [{"type": 1, "components": links}] if links else []}
        assert limit_problems(payload) == []


def _expected_visible(text: str, a: int, b: int) -> str:
    text = break_invites(text)
    return (ELLIPSIS + " " if text[:a].strip() else "") + text[a:b] + (" " + ELLIPSIS if text[b:].strip() else "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(passages(), st.integers(40, DESCRIPTION_LIMIT))
@example(Passage("a", "", None, None, None, "https://discord.com/invite/x 0 0 **", 0, 35, (0, 1), 0.0), 40)  # found
def test_quotes_are_cut_at_sentence_or_word_boundaries_and_keep_the_highlight(p: Passage, limit: int) -> None:
    markdown, a, b = quote_span(p.text, p.highlight, limit)
    assert dlen(markdown) <= limit
    if a == b:  # only when a single "word" is longer than the space
        assert max(len(w) for w in p.text.split()) * 2 + 8 > limit
        return
    assert unmarked(markdown) == _expected_visible(p.text, a, b)  # verbatim: nothing reworded
    assert a == 0 or p.text[a - 1].isspace()
    assert b == len(p.text) or p.text[b].isspace()
    bold = _trimmed(p.text, *p.highlight) if p.highlight[0] < p.highlight[1] else None
    if bold:
        core = [s for s in split_sentences(p.text) if s[0] < bold[1] and s[1] > bold[0]]
        # Rendered as quote_span renders it: invites broken first (a broken one is no URL, so it may be bold).
        if core and dlen(_render_span(break_invites(p.text), core[0][0], core[-1][1], bold)) <= limit:
            assert a <= core[0][0] and b >= core[-1][1]  # the highlighted sentence is always shown whole
        # Bold shows where the highlight is, except where Discord would read the marker as part of a link.
        assert markdown.count("**") in ((0, 2) if max(a, bold[0]) < min(b, bold[1]) else (0,))


def test_a_short_passage_is_shown_whole_with_its_sentence_in_bold() -> None:
    text = "First sentence. The answer is here. Last one."
    markdown, _, _ = quote_span(text, (16, 35), 4096)
    assert markdown == "First sentence. **The answer is here.** Last one."


def test_a_long_passage_keeps_the_highlighted_sentence_and_marks_the_cuts() -> None:
    text = " ".join(f"Sentence number {n} is here." for n in range(100))
    start = text.index("Sentence number 50")
    markdown, a, b = quote_span(text, (start, start + len("Sentence number 50 is here.")), 200)
    assert markdown.startswith(ELLIPSIS + " Sentence number") and markdown.endswith("here. " + ELLIPSIS)
    assert "**Sentence number 50 is here.**" in markdown and dlen(markdown) <= 200
    assert abs(text[:start].count(".") - text[:a].count(".") - (text[start:b].count(".") - 1)) <= 1  # centred


def test_a_sentence_longer_than_the_space_is_cut_after_a_whole_word() -> None:
    text = "Short one. " + " ".join(["word"] * 100) + " end."
    markdown, a, b = quote_span(text, (11, len(text)), 60)
    assert markdown.startswith("… **word word") and markdown.endswith("word** …") and dlen(markdown) <= 60


def test_an_invite_split_by_the_bold_marker_is_still_broken() -> None:
    text = "Join us at discord.gg/abc now."
    markdown, _, _ = quote_span(text, (text.index("gg"), len(text)), 4096)
    assert "discord.gg/" not in markdown.replace("**", "") and "\u2215abc" in markdown


def test_escaping_counts_against_the_limit() -> None:
    text = "*" * 50 + " " + "_" * 50
    markdown, _, _ = quote_span(text, (0, 0), 120)
    assert dlen(markdown) <= 120 and unmarked(markdown) == "*" * 50 + " " + ELLIPSIS


def test_only_http_links_are_used() -> None:
    assert safe_url("https://example.com/a?b=c") == "https://example.com/a?b=c"
    for bad in (None, "", "file:///etc/passwd", "javascript:alert(1)", "https://", "https://a b", "x" * 10):
        assert safe_url(bad) is None


def test_footer_is_source_and_strength_in_words_and_the_date_a_discord_timestamp() -> None:
    p = Passage("a", "T", "Example News", "https://e.com", "2017-09-05", "Text.", 0, 5, (0, 5), 0.6871)
    assert footer_text(p, 1) == "Example News · best match"
    assert footer_text(p, 2) == "Example News · also relevant"
    assert [e.footer.text for e in page_embeds([p, p], 4)] == ["Example News · also relevant"] * 2
    assert "0.69" not in str(page_embeds([p], 1)[0].to_dict())  # no raw score anywhere
    # a day alone is noon UTC: the same calendar day for readers from UTC-11 to UTC+11
    assert page_embeds([p], 1)[0].description == "Published <t:1504612800:D>\n**Text.**"
    timed = replace(p, date="2024-04-29T09:00:00+01:00")
    assert page_embeds([timed], 1)[0].description.startswith("Published <t:1714377600:D>\n")
    assert page_embeds([replace(p, date=None)], 1)[0].description == "Undated\n**Text.**"
    assert (footer_text(Passage("a", "T", None, None, None, "Text.", 0, 5, (0, 5), 0.1), 1)
            == "unknown source · best match")
    long = Passage("a", "T", "word " * 1000, None, "2017", "Text.", 0, 5, (0, 5), 0.1)
    assert dlen(footer_text(long, 1)) < 300


def test_clip_words_never_cuts_a_word() -> None:
    assert clip_words("one two three four", 100) == "one two three four"
    assert clip_words("one two three four", 12) == "one two …"
    assert clip_words("@everyone look", 100) == "@\u200beveryone look"


def test_pages_name_the_question_and_count_the_quotes() -> None:
    ps = tuple(Passage("a", f"T{n}", None, None, None, f"Quote {n}.", 0, 8, (0, 8), 0.5) for n in range(7))
    pages = answer_pages(Answer("who *won*?", ps, found=True), 3)
    assert [p.content for p in pages] == [f"**Quotes {r} of 7** for: who \\*won\\*?" for r in ("1–3", "4–6")] + [
        "**Quote 7 of 7** for: who \\*won\\*?"]
    assert answer_pages(Answer("q", ps[:1], found=True), 5)[0].content == "**1 quote** for: q"
    assert re.fullmatch(r"\d+\. T0", pages[0].embeds[0].title)


def test_the_answer_line_heads_the_first_page_escaped():
    from index.types import AnswerSpan

    passage = Passage(article_id="a", title="T", source="S", url=None, date=None, text="@everyone **Russia** did it.",
                      start=0, end=28, highlight=(0, 28), score=1.0)
    answer = Answer(question="who?", passages=(passage, passage), found=True,
                    answer=AnswerSpan("@everyone **Russia**", 0, 0, 20, 0.9))
    from bot.discord import render as rendering

    pages = rendering.answer_pages(answer, 1)
    first = pages[0].content.splitlines()
    assert first[1].startswith("**Answer:** ") and "\\*\\*Russia\\*\\*" in first[1] and "@\u200beveryone" in first[1]
    assert "Answer" not in pages[1].content
    plain = Answer(question="who?", passages=(passage,), found=True)
    assert "\n" not in rendering.answer_pages(plain, 1)[0].content


def test_an_open_article_link_per_quote_with_an_http_address() -> None:
    ps = [Passage("a", "T", None, url, None, "Text.", 0, 5, (0, 5), 0.5)
          for url in ("https://e.com/1", "file:///srv/news/2.txt", "javascript:alert(1)", "http://e.org/4")]
    assert article_links(ps, 3) == [("Open article 3", "https://e.com/1"), ("Open article 6", "http://e.org/4")]
    pages = answer_pages(Answer("q", tuple(ps), found=True), 2)
    assert [p.links for p in pages] == [[("Open article 1", "https://e.com/1")], [("Open article 4", "http://e.org/4")]]


def test_the_attribution_line_is_under_the_quote_escaped_and_short() -> None:
    said = PassageAttribution(source=TextSpan("the Russian defense ministry", 50, 78), cue=TextSpan("said", 79, 83),
                              via=TextSpan("SANA", 0, 4))
    p = Passage("a", "T", "S", None, "2017-09-05", "Text.", 0, 5, (0, 5), 0.5, said)
    assert (page_embeds([p], 1)[0].description
            == "Published <t:1504612800:D>\n**Text.**\n— the Russian defense ministry, via SANA")
    alone = replace(p, attribution=replace(said, via=None, source=TextSpan("SANA", 0, 4)))
    assert page_embeds([alone], 1)[0].description.endswith("**Text.**\n— SANA")
    hostile = replace(p, attribution=replace(said, via=None, source=TextSpan("@everyone **x** " + "word " * 200, 0, 0)))
    line = page_embeds([hostile], 1)[0].description.split("\n")[-1]
    assert line.startswith("— @\u200beveryone \\*\\*x\\*\\*") and line.endswith(" …")
    assert dlen(line) <= ATTRIBUTION_MAX
    nameless = replace(p, attribution=replace(said, source=None, via=None))  # a cue with no one named: no line
    assert page_embeds([nameless], 1)[0].description == "Published <t:1504612800:D>\n**Text.**"


def test_the_answer_line_names_its_sources_escaped_and_within_limits():
    from bot.discord.render import SOURCES_SHOWN_MAX, answer_line
    from index.types import AnswerSpan, Claim, Corroboration

    passage = Passage("a", "T", "S", None, None, "Russia did it.", 0, 14, (0, 14), 1.0)

    def line(corroboration: Corroboration | None) -> str:
        said = AnswerSpan("Russia", 0, 0, 6, 0.9, corroboration)
        return answer_line(Answer("who?", (passage,), found=True, answer=said))

    russia = Claim("Russia", "CNN", "c")
    assert line(Corroboration(("CNN", "Reuters", "SANA"), russia)) == (
        "**Answer:** Russia · reported by 3 sources: CNN, Reuters, SANA -# (quote 1)")
    assert line(Corroboration(("CNN",), russia)) == "**Answer:** Russia · reported by 1 source: CNN -# (quote 1)"
    assert line(None) == line(Corroboration()) == "**Answer:** Russia -# (quote 1)"  # nothing counted: no claim
    differ = Corroboration(("Reuters", "AP"), Claim("15 people", "Reuters", "r"), (Claim("12", "CNN", "c"),))
    assert line(differ) == "**Answer:** Russia · sources differ: 15 people (Reuters, AP) · 12 (CNN) -# (quote 1)"
    hostile = Corroboration(("@everyone **Daily**", "<@123456789012345678> " + "News " * 300), russia)
    shown = line(hostile)
    assert "@\u200beveryone \\*\\*Daily\\*\\*" in shown and "<@1" not in shown
    sources = shown.removeprefix("**Answer:** Russia · ").removesuffix(" -# (quote 1)")
    assert sources.endswith(" …") and dlen(sources) <= SOURCES_SHOWN_MAX
    page = answer_pages(Answer("who?", (passage,), found=True, answer=AnswerSpan("Russia", 0, 0, 6, 0.9, hostile)), 1)
    assert limit_problems({"content": page[0].content, "embeds": [e.to_dict() for e in page[0].embeds]}) == []
