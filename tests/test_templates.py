"""Site templates: learned per site from the corpus, copies counted once, audited, reused by check and explain."""

from __future__ import annotations

import json
from pathlib import Path

from cleaner import Settings, check, load_rules, run_clean
from cleaner.document import Document
from cleaner.explain import explain
from cleaner.pipeline import Pipeline, clean_documents
from cleaner.templates import SiteTemplates, fold, site_of

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "rules")
BANNER = "Headline: Bitcoin & Blockchain Searches Exceed Trump! Blockchain Stocks Are Next!"
SLOGAN = "The Daily Widget — news that fits in your pocket since 1998"


def _article(n: int, words: int = 60) -> str:
    return " ".join(f"w{n}x{k}" for k in range(words)) + "."


def _site(folder: Path, pages: int) -> None:
    folder.mkdir(parents=True)
    for n in range(pages):
        # the banner and slogan recur on every page; the body is each page's own
        (folder / f"p{n}.txt").write_text(
            f"{BANNER}\n\n{_article(n)}\n\nSecond paragraph {_article(n + 100)}\n\n{SLOGAN}\n"
        )


def _copies(folder: Path, copies: int) -> None:
    """One article republished ``copies`` times (its paragraphs recur in every copy) and one other."""
    folder.mkdir(parents=True)
    for n in range(copies):
        (folder / f"copy{n}.txt").write_text(f"{_article(7)}\n\nA second paragraph of it: {_article(8)}\n")
    (folder / "other.txt").write_text(f"{_article(9)}\n\nAnd more: {_article(10)}\n")


def _corpus(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    _site(raw / "widget", 6)
    _copies(raw / "republished", 5)
    return raw


def test_lines_recurring_across_a_sites_pages_go_as_template_of_that_site(tmp_path):
    raw = _corpus(tmp_path)
    report = run_clean(raw, tmp_path / "out", rules=RULES)
    rows = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    corpus = (tmp_path / "out" / "corpus.jsonl").read_text()
    assert BANNER not in corpus and "news that fits in your pocket" not in corpus
    widget = [r for r in rows if r["id"].startswith("widget/")]
    assert all({x["rule"] for x in r["removed"]} >= {"template:widget"} for r in widget)
    assert report["site_templates"]["widget"] == sorted([fold(BANNER), fold(SLOGAN)])
    assert report["by_rule"]["template:widget"]["documents"] == 6


def test_copies_of_one_article_count_once_so_its_paragraphs_are_no_template(tmp_path):
    raw = _corpus(tmp_path)
    report = run_clean(raw, tmp_path / "out", rules=RULES)
    assert "republished" not in report["site_templates"]
    rows = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert not [
        r for r in rows if any(x["rule"].startswith("template:") for x in r["removed"]) and "republished" in r["id"]
    ]


def test_a_line_in_few_pages_of_a_big_site_is_no_template():
    stage = SiteTemplates(min_docs=4, min_share=0.2)
    docs = [
        Document(f"p{n}", f"{_article(n)}\n\nShared line here\n" if n < 5 else _article(n), "site/p.txt")
        for n in range(30)
    ]
    assert stage.merge([stage.fit(docs)]) == {}  # in 5 of 30 pages: under a fifth
    assert stage.merge([stage.fit(docs[:10])]) == {"site": ["shared line here"]}


def test_the_site_is_the_urls_host_before_the_folder():
    doc = Document("a", "", "feeds/a.jsonl", metadata={"url": "https://www.example.org/2024/story"})
    assert site_of(doc) == "example.org"
    assert site_of(Document("b", "", "feeds/a.jsonl")) == "feeds"
    assert site_of(Document("c", "", "top.txt")) == "."


def test_a_page_without_an_address_belongs_to_the_rule_set_whose_when_matches_it(tmp_path):
    # one feed of many publishers, no URLs: two of them have rule sets (their "when" names them)
    rules = tmp_path / "rules"
    rules.mkdir()
    for name, when in (("widget", "daily widget"), ("gadget", "gadget gazette")):
        (rules / f"{name}.toml").write_text(
            f"[set]\nwhy = 'its own notices'\nwhen = '{when}'\n\n[[rules]]\nid = '{name}-notice'\n"
            f"kind = 'line'\nwhy = 'a notice'\npattern = '^{name} notice$'\nremove = ['{name} notice']\n"
            "keep = ['An article sentence.']\n"
        )
    sets = load_rules(rules)
    gadget_line = "Gadget Gazette: tips, reviews and the week in gadgets"
    raw = tmp_path / "raw"
    raw.mkdir()
    records = [{"id": f"w{n}", "text": f"{SLOGAN}\n\n{_article(n)}"} for n in range(5)]
    records += [{"id": f"g{n}", "text": f"{gadget_line}\n\n{_article(n + 50)}"} for n in range(5)]
    records += [{"id": f"o{n}", "text": f"{_article(n + 100)}\n\nMore: {_article(n + 200)}"} for n in range(20)]
    (raw / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    report = run_clean(raw, tmp_path / "out", rules=sets)
    assert report["site_templates"] == {"rules:gadget": [fold(gadget_line)], "rules:widget": [fold(SLOGAN)]}
    assert report["by_rule"]["template:rules:widget"]["documents"] == 5
    assert site_of(Document("o", _article(1), "feed.jsonl"), sets.site_sets) == "."
    # the URL's host still comes first; without the rule sets, the feed is one site where
    # neither line is in a fifth of the pages
    assert site_of(Document("w", SLOGAN, "feed.jsonl", metadata={"url": "https://x.org/a"}), sets.site_sets) == "x.org"
    alone = run_clean(raw, tmp_path / "alone", rules=RULES)
    assert alone["site_templates"] == {}


def test_fitting_in_shards_gives_the_state_fitting_at_once():
    stage = SiteTemplates()
    docs = [Document(f"p{n}", f"{BANNER}\n\n{_article(n)}", "s/x.txt") for n in range(12)]
    at_once = stage.merge([stage.fit(docs)])
    in_shards = stage.merge([stage.fit(docs[:5]), stage.fit(docs[5:9]), stage.fit(docs[9:])])
    assert at_once == in_shards == {"s": [fold(BANNER)]}


def test_explain_and_check_use_the_templates_the_run_learned(tmp_path):
    raw = _corpus(tmp_path)
    out = tmp_path / "out"
    run_clean(raw, out, rules=RULES)
    spans = explain("widget/p0", out, RULES, raw=raw).spans
    assert any(s.rule == "template:widget" for s in spans)
    new = tmp_path / "new" / "widget"
    new.mkdir(parents=True)
    (new / "furniture.txt").write_text(f"{BANNER}\n\n{SLOGAN}\n")  # nothing but the site's template
    against_the_corpus = check([tmp_path / "new"], against=out, rules=RULES)
    assert [f.kind for f in against_the_corpus.findings] == ["empty"]
    alone = check([tmp_path / "new"], rules=RULES)  # no corpus: no templates known
    assert not [f for f in alone.findings if f.kind == "empty"]


def test_a_single_text_or_a_stream_runs_without_templates():
    pipeline = Pipeline(Settings(), RULES)
    doc = pipeline.clean(Document("x", f"{BANNER}\n\n{_article(1)}", "x.txt", chars_in=10))
    assert not [r for r in doc.removals if r.rule.startswith("template:")]
    result = clean_documents([Document(f"p{n}", f"{BANNER}\n\n{_article(n)}", "s/p.txt") for n in range(6)], pipeline)
    assert all(BANNER not in d.text for d in result.documents)


def test_templates_can_be_turned_off(tmp_path):
    raw = _corpus(tmp_path)
    report = run_clean(raw, tmp_path / "out", settings=Settings(templates="off"), rules=RULES)
    assert report["site_templates"] == {} and "template:widget" not in report["by_rule"]


def test_a_template_taken_out_leaves_a_gap_for_the_line_model():
    ends = ["Alpha.", "Bravo.", "Charlie.", "Delta.", "Echo.", "Foxtrot."]
    docs = [
        Document(f"p{n}", f"{BANNER}\n\n{_article(n)}\n\n{SLOGAN}\n{end}", "site/p.txt") for n, end in enumerate(ends)
    ]
    stage = SiteTemplates(min_docs=4, min_share=0.2)
    stripped = stage.bind(stage.merge([stage.fit(docs)])).batch(docs)
    assert stripped[0].text == f"{_article(0)}\n\nAlpha."
    # the article lost the banner above it and the slogan below it; the last line, the slogan above it
    assert list(stripped[0].gaps) == [1 | 2, 1]
    # a stage with nothing to take leaves the gaps as they were
    assert stage.bind({}).batch([stripped[0]])[0].gaps == stripped[0].gaps
