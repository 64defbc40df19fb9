"""Reading: every supported format, and every bad document accounted for with file and line."""

from __future__ import annotations

import gzip
import json

import pytest

from cleaner.errors import InputError
from cleaner.read import decode_bytes, document_id, read_documents

HTML = """<html><head><title>Council Votes Budget - Town News</title>
<meta name="author" content="Jane Roe"><meta property="article:published_time" content="2021-05-04">
</head><body><nav>Home | About</nav><article><h1>Council Votes Budget</h1>
<p>The town council voted on Tuesday to approve the budget for next year, after a long debate.</p>
<p>Members argued for hours about the cost of the new library and the state of the roads.</p>
</article><footer>Copyright 2021 Town News</footer></body></html>"""


def by_id(raw):
    return {d.id: d for d in read_documents(raw)}


def test_text_and_markdown_files_keep_their_text(make_raw):
    docs = by_id(make_raw({"a.txt": "Hello there.", "sub/b.md": "# Title\n\nBody."}))
    assert docs["a"].text == "Hello there." and docs["a"].source == "a.txt"
    assert docs["sub/b"].text == "# Title\n\nBody." and docs["sub/b"].source == "sub/b.md"
    assert docs["a"].chars_in == len("Hello there.")


def test_html_goes_through_trafilatura_keeping_title_author_date(make_raw):
    doc = by_id(make_raw({"page.html": HTML}))["page"]
    assert "voted on Tuesday" in doc.text and "Members argued" in doc.text
    assert "Home | About" not in doc.text
    assert doc.metadata["title"] == "Council Votes Budget"
    assert doc.metadata["author"] == "Jane Roe"
    assert doc.metadata["date"] == "2021-05-04"
    assert "\n\n" in doc.text  # paragraphs stay paragraphs


def test_jsonl_records_keep_id_and_other_fields_as_metadata(make_raw):
    lines = [
        json.dumps({"id": "x1", "text": "First.", "url": "https://example.org/1", "metadata": {"title": "T"}}),
        json.dumps({"text": "No id here.", "source": "crawl-7"}),
    ]
    docs = by_id(make_raw({"feed.jsonl": "\n".join(lines) + "\n"}))
    assert docs["x1"].metadata == {"url": "https://example.org/1", "title": "T"}
    assert docs["x1"].line == 1
    assert docs["feed:2"].text == "No id here."
    assert docs["feed:2"].metadata == {"record_source": "crawl-7"}


def test_gzipped_files_of_each_kind(make_raw):
    raw = make_raw(
        {
            "a.txt.gz": gzip.compress(b"Zipped text."),
            "b.jsonl.gz": gzip.compress(b'{"id": "r", "text": "Zipped record."}\n'),
        }
    )
    docs = by_id(raw)
    assert docs["a"].text == "Zipped text." and docs["r"].text == "Zipped record."


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "bin.txt: binary content (NUL byte"),
        ("noise.txt", bytes(range(1, 32)) * 20, "noise.txt: binary content"),
        ("bad.txt.gz", b"not gzip at all", "bad.txt.gz: not a valid gzip file"),
        ("slides.pdf", b"%PDF-1.4", "slides.pdf: unsupported file type"),
    ],
)
def test_unreadable_files_become_errors_naming_the_file(make_raw, name, content, reason):
    (doc,) = list(read_documents(make_raw({name: content})))
    assert doc.status == "error"
    assert doc.reason.startswith(reason), doc.reason


def test_malformed_jsonl_lines_are_errors_naming_file_and_line(make_raw):
    content = "\n".join(
        [
            '{"id": "ok", "text": "Fine."}',
            '{"id": "broken", "text": ',
            '["a", "list"]',
            '{"id": "nt"}',
            '{"id": "num", "text": 42}',
            "",
            '{"id": "ok2", "text": "Also fine."}',
        ]
    )
    docs = by_id(make_raw({"f.jsonl": content}))
    assert docs["ok"].status == docs["ok2"].status == "kept"
    assert docs["f:2"].reason.startswith("f.jsonl line 2: invalid JSON")
    assert docs["f:3"].reason == "f.jsonl line 3: expected a JSON object, got list"
    assert docs["nt"].reason == "f.jsonl line 4: missing 'text'"
    assert docs["num"].reason == "f.jsonl line 5: 'text' is int, not a string"
    assert len(docs) == 6  # the blank line is not a document


def test_other_encodings_are_detected_and_recorded(make_raw):
    text = "Le député a déclaré que l'été serait très chaud à Montréal et à Genève."
    docs = by_id(
        make_raw(
            {
                "latin.txt": text.encode("cp1252"),
                "u16.txt": text.encode("utf-16"),
                "bom.txt": b"\xef\xbb\xbf" + text.encode(),
            }
        )
    )
    assert docs["latin"].text == text and docs["latin"].metadata["encoding"] != "utf-8"
    assert docs["u16"].text == text and docs["u16"].metadata["encoding"] == "utf-16"
    assert docs["bom"].text == text


def test_hidden_files_are_skipped_and_order_is_stable(make_raw):
    raw = make_raw({"b.txt": "B", "a.txt": "A", ".DS_Store": b"\x00\x01", ".git/config": "x", "c/d.txt": "D"})
    assert [d.id for d in read_documents(raw)] == ["a", "b", "c/d"]


def test_missing_input_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        list(read_documents(tmp_path / "nope"))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a.txt", "a"),
        ("sub/dir/b.md", "sub/dir/b"),
        ("c.jsonl.gz", "c"),
        ("v1.2.txt", "v1.2"),
    ],
)
def test_document_ids_are_paths_without_extensions(path, expected):
    assert document_id(path) == expected


def test_decode_prefers_utf8():
    assert decode_bytes("naïve — ok".encode()) == ("naïve — ok", "utf-8")


def test_jsonl_is_streamed_and_a_truncated_gzip_keeps_what_came_before(make_raw):
    lines = b"".join(json.dumps({"id": f"r{i}", "text": f"Record number {i}."}).encode() + b"\n" for i in range(2000))
    packed = gzip.compress(lines)
    docs = list(read_documents(make_raw({"cut.jsonl.gz": packed[: len(packed) // 2]})))
    assert docs[0].id == "r0" and docs[0].status == "kept"
    last = docs[-1]
    assert last.status == "error" and last.reason.startswith("cut.jsonl.gz after line ")
    assert "not a valid gzip file" in last.reason
    assert all(d.status == "kept" for d in docs[:-1]) and len(docs) > 10
