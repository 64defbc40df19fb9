"""Generate a benchmark corpus from raw/: varied articles, republisher wrappers, near-duplicates.

Bodies are built from the seeds' sentences with a share of words swapped for words from a
generated vocabulary, so every article is distinct text of about the seeds' length; each is
wrapped in one of several republisher headers and tails. A share of documents are republished
copies of an earlier article (another wrapper, a small edit), labelled in ``pairs.tsv``.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from cleaner import clean_text, load_rules

WRAPPERS = [
    (
        "Par {author}\n\nMondialisation.ca, {day:02d} mars 2016\n\n",
        "\n\nLa source originale de cet article est {author}\n\nCopyright © {author}, 2016\n\n"
        "Avis de non-responsabilité : Les opinions exprimées dans cet article n'engagent que le ou les auteurs. "
        "Le Centre de recherche sur la mondialisation se dégage de toute responsabilité concernant le contenu de cet "
        "article et ne sera pas tenu responsable pour des erreurs ou informations incorrectes ou inexactes.\n\n"
        "Contact média: media@globalresearch.ca",
    ),
    (
        "By {author}\n\nGlobal Research, March {day:02d}, 2017\n\nRegion: Middle East & North Africa\n\n",
        "\n\nThe original source of this article is {author}\n\nCopyright © {author}, 2017\n\n"
        "Disclaimer: The contents of this article are of sole responsibility of the author(s). The Centre for "
        "Research on Globalization will not be responsible for any inaccurate or incorrect statement in this article.",
    ),
    (
        "",
        "\n\nIf you're able, and if you like our content and approach, please support the project. Our work "
        "wouldn't be possible without your help: PayPal: southfront@list.ru\n\nSubscribe our channel!\n\nFollow us on "
        "Social Media:",
    ),
    (
        "By {author}\n\n{day} March 2021\n\n",
        "\n\nThis article is republished from The Conversation under a Creative Commons license. Read the original "
        "article.\n\nTags: Syria, Russia, war",
    ),
]
# A long notice in French that no shipped rule knows: on English articles, only the per-paragraph
# language check keeps it out of the signatures (hard negatives: distinct short bodies, one notice).
UNKNOWN_NOTICE = (
    "Note de la rédaction : les textes publiés sur ce site sont reproduits avec l'accord de leurs auteurs et "
    "n'engagent en rien la responsabilité de notre association, qui se réserve le droit de modifier ou de retirer "
    "tout contenu à tout moment. Les lecteurs qui souhaitent reproduire ces textes sont priés de citer la source "
    "et de prévenir la rédaction par courrier, en indiquant le titre de l'article, la date de sa publication et "
    "le nom du site sur lequel il sera repris. Nous remercions nos lecteurs pour leur fidélité et leur soutien."
)
AUTHORS = ["South Front", "Jane Roe", "Ali Hassan", "Marie Dubois", "Ivan Petrov"]


def _sentences(raw: Path) -> list[str]:
    rules = load_rules(Path(__file__).resolve().parent.parent / "rules")
    found = []
    for path in sorted(raw.glob("*.txt")):
        body = clean_text(path.read_text(encoding="utf-8"), rules).text
        found += [s for s in re.split(r"(?<=[.!?])\s+", body) if len(s.split()) >= 6]
    return found


#: How a planted copy differs from its original, besides 1-5% of its words replaced.
COPY_KINDS = ("edits", "dropped paragraphs", "truncated", "excerpt")


def _copy(body: str, variant: str, rng: random.Random, vocab: list[str]) -> str:
    """A republished copy of ``body``: one of `COPY_KINDS`, with 1-5% of its words replaced."""
    paragraphs = body.split("\n\n")
    if variant == "dropped paragraphs" and len(paragraphs) > 4:
        for _ in range(max(1, len(paragraphs) // 6)):
            paragraphs.pop(rng.randrange(1, len(paragraphs)))
    elif variant == "truncated" and len(paragraphs) > 3:
        paragraphs = paragraphs[: max(2, round(len(paragraphs) * rng.uniform(0.6, 0.85)))]
    elif variant == "excerpt":  # one paragraph of the article (never the notice some carry)
        paragraphs = [rng.choice([p for p in paragraphs if p != UNKNOWN_NOTICE])]
    words = "\n\n".join(paragraphs).split(" ")
    for _ in range(max(1, round(len(words) * rng.uniform(0.01, 0.05)))):
        swapped = rng.choice(vocab)
        at = rng.randrange(len(words))
        words[at] = swapped + _trailing(words[at])
    return " ".join(words)


def _trailing(word: str) -> str:
    """The punctuation after ``word``, kept when a generated word takes its place ("word." ->
    "xkcd."): a sentence keeps its stop."""
    return word[len(word.rstrip(_TRAILING)) :]


#: What may follow a word in the seeds' sentences and stays when the word is swapped.
_TRAILING = ".,;:!?…\"'”’»)]"


def generate(
    out: Path, docs: int, raw: Path, seed: int = 0, dup_share: float = 0.1, target_chars: int = 4000
) -> dict[str, int]:
    """Write ``docs`` documents to ``out/raw/corpus.jsonl``, and their duplicate pairs to ``out/pairs.tsv``."""
    rng = random.Random(seed)
    sentences = _sentences(raw)
    vocab = ["".join(rng.choice("abcdefghijklmnoprstuvwyz") for _ in range(rng.randint(3, 9))) for _ in range(20000)]
    (out / "raw").mkdir(parents=True, exist_ok=True)
    bodies: list[tuple[str, str]] = []
    pairs: list[tuple[str, str, str]] = []
    written = 0
    with open(out / "raw" / "corpus.jsonl", "w", encoding="utf-8") as handle:
        for number in range(docs):
            doc_id = f"doc{number:07d}"
            short = rng.random() < 0.05
            if bodies and rng.random() < dup_share:
                original_id, body = rng.choice(bodies)
                variant = rng.choice(COPY_KINDS)
                body = _copy(body, variant, rng, vocab)
                pairs.append((original_id, doc_id, variant))
            else:
                paragraphs, size = [], 0
                while size < (target_chars * (0.15 if short else 0.75)):
                    chosen = rng.sample(sentences, k=min(4, len(sentences)))
                    text = " ".join(
                        " ".join(w if rng.random() > 0.3 else rng.choice(vocab) + _trailing(w) for w in s.split())
                        for s in chosen
                    )
                    paragraphs.append(text)
                    size += len(text)
                body = "\n\n".join(paragraphs)
                if short:
                    body += "\n\n" + UNKNOWN_NOTICE
                bodies.append((doc_id, body))
            head, tail = rng.choice(WRAPPERS)
            author, day = rng.choice(AUTHORS), rng.randint(1, 28)
            title = " ".join(rng.choice(vocab).capitalize() for _ in range(rng.randint(5, 10)))
            text = f"{title}\n\n{head.format(author=author, day=day)}{body}{tail.format(author=author)}"
            handle.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
            written += len(text.encode())
    with open(out / "pairs.tsv", "w", encoding="utf-8") as handle:
        handle.write("a\tb\trelation\tnote\n")
        copies: dict[str, list[str]] = {}
        for a, b, note in pairs:
            handle.write(f"{a}\t{b}\tpositive\t{note}\n")
            copies.setdefault(a, []).append(b)
        for original, of_it in copies.items():  # copies of one original are copies of each other
            for i, x in enumerate(of_it):
                for y in of_it[i + 1 :]:
                    handle.write(f"{x}\t{y}\tpositive\tcopies of {original}\n")
    return {"documents": docs, "bytes": written, "duplicate_pairs": len(pairs)}  # original-copy pairs
