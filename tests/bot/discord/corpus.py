"""Articles for the Discord tests (fake-hash embedder): a plain one, a hostile one, a long one; two servers'
own news (bees, owls) to upload as files; and a question each of them answers."""

from __future__ import annotations

import json

VOLCANO_SENTENCES = [
    f"The volcano eruption on day {n} sent ash over the valley, and volcano experts measured the eruption again."
    for n in range(1, 31)
]

ARTICLES = [
    {"id": "deir", "title": "Syrian forces break ISIS siege of Deir Ezzor", "source": "Example News",
     "url": "https://example.com/deir-ezzor", "date": "2017-09-05",
     "text": ("Syrian regime forces have broken a three-year ISIS siege of the eastern city of Deir Ezzor. "
              "Russia said it backed the Syrian army offensive with cruise missiles fired from a warship. "
              "The city had been cut off since 2014.")},
    {"id": "garden", "title": "**Gardeners** _say_ @everyone <@123456789012345678>", "source": "Garden Weekly",
     "url": "javascript:alert(1)", "date": "2020-05-01",
     # Short sentences, so every hostile one lands whole in some chunk whatever the chunk size.
     "text": ("Tomato gardeners grow tomatoes. "
              "Tomato gardeners tell @everyone and @here. "
              "Tomato gardeners ping <@123456789012345678> and <@&223456789012345678>. "
              "Tomato gardeners share [this tomato link](https://evil.example). "
              "Tomato gardeners hide ||a tomato spoiler||. "
              "Tomato gardeners write **bold tomato** and `tomato code`.")},
    {"id": "volcano", "title": "Volcano erupts again", "source": "Geo Daily", "url": "https://example.com/volcano",
     "date": "2021-03-19", "text": " ".join(VOLCANO_SENTENCES)},
]

TEXTS = {a["id"]: a["text"] for a in ARTICLES}
DEIR = "who backed the Syrian army offensive on Deir Ezzor?"

# One server's news is about bees, the other's about owls: uploaded with harness.index_file.
BEES = ("Bees return to the city\n\nHoneybee colonies returned to rooftop hives this spring. "
        "Beekeepers counted forty hives.")
OWLS = "Owls nest in the bell tower\n\nA pair of barn owls nested in the church bell tower. Five owlets hatched in May."
ASK_BEES = "did honeybee colonies return to rooftop hives?"
ASK_OWLS = "how many barn owlets hatched in the bell tower?"


def corpus_jsonl(articles: list[dict[str, str]] = ARTICLES) -> bytes:
    return "".join(json.dumps(a) + "\n" for a in articles).encode()
