"""Title and header metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.document import Document
from cleaner.metadata import extract_metadata, extract_title, parse_date

CASES = json.loads((Path(__file__).parent / "data" / "titles.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_title_detection(case):
    doc = extract_title(Document("x", case["text"], "x.txt"))
    assert doc.metadata.get("title") == case["title"]
    if case["title"]:
        assert not doc.text.startswith(case["title"])
        assert doc.removals[-1].rule == "title"
    else:
        assert doc.text == case["text"]


def test_a_known_title_is_taken_out_of_the_text_only_when_it_leads():
    doc = Document(
        "x", "Council Votes Budget\n\nThe council voted.", "x.html", metadata={"title": "Council votes budget"}
    )
    assert extract_title(doc).text == "The council voted."
    other = Document("x", "The council voted.\n\nMore.", "x.html", metadata={"title": "Council Votes Budget"})
    assert extract_title(other).text == "The council voted.\n\nMore."


def test_a_known_title_repeated_with_decoration_goes_a_paragraph_stays():
    title = "Council Votes Budget"
    text = f"*** {title.upper()} ***\n\nThe council voted on Monday.\n\n{'Council votes budget. ' * 5}"
    doc = extract_title(Document("x", text, "x.html", metadata={"title": title}))
    assert doc.text == f"The council voted on Monday.\n\n{'Council votes budget. ' * 5}".strip()


def test_a_text_without_its_title_is_left_alone_on_a_second_pass():
    first = extract_title(Document("x", "Big News Today\n\nShort opening line\n\nMore body.", "x.txt"))
    again = extract_title(first)
    assert again.text == first.text and again.metadata["title"] == "Big News Today"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("09 mars 2016", "2016-03-09"),
        ("March 09, 2017", "2017-03-09"),
        ("8 March 2017", "2017-03-08"),
        ("5 de mayo de 2020", "2020-05-05"),
        ("1er avril 2016", "2016-04-01"),
        ("3. Oktober 2019", "2019-10-03"),
        ("12 марта 2018", "2018-03-12"),
        ("2021-05-04T10:00:00", "2021-05-04"),
        ("Tuesday", None),
        ("32 mars 2016", None),
        ("9 Smarch 2016", None),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_header_dates_become_iso():
    doc = Document("x", "Body.", "x.txt", metadata={"date": "05 avril 2016", "original_date": "someday"})
    assert extract_metadata(doc).metadata == {"date": "2016-04-05", "original_date": "someday"}
