"""Exact and near-duplicates on the cleaned text."""

from __future__ import annotations

import random

import pytest

from cleaner.dedup import Candidate, canonical_words, estimated_similarity, minhash_signature, near_duplicate_clusters


def candidate(doc_id, text, ngram=5, num_perm=128):
    import xxhash

    words = canonical_words(text)
    return Candidate(
        doc_id, len(text), xxhash.xxh3_64_hexdigest(" ".join(words).encode()), minhash_signature(words, ngram, num_perm)
    )


def article(seed, words=400):
    rng = random.Random(seed)
    vocab = [f"w{rng.randrange(5000)}" for _ in range(2000)]
    return " ".join(rng.choice(vocab) for _ in range(words))


def test_exact_copies_cluster_and_the_longest_is_kept():
    a = article(1)
    dups = near_duplicate_clusters([candidate("b", a), candidate("a", a), candidate("c", article(2))])
    (dup,) = dups
    assert (dup.id, dup.of, dup.exact, dup.similarity) == ("b", "a", True, 1.0)  # a tie: the smallest id is kept
    dups = near_duplicate_clusters([candidate("b", a.upper() + "!"), candidate("a", a)])
    assert [(d.id, d.of, d.exact) for d in dups] == [("a", "b", True)]  # same words, longer text kept


def test_small_edits_are_near_duplicates_distinct_texts_are_not():
    base = article(3)
    edited = base.replace(base.split()[50], "changed", 1) + " one extra closing sentence"
    truncated = " ".join(base.split()[:360])
    dups = near_duplicate_clusters(
        [
            candidate("orig", base),
            candidate("edit", edited),
            candidate("trunc", truncated),
            candidate("other", article(4)),
        ]
    )
    assert {(d.id, d.of) for d in dups} == {("orig", "edit"), ("trunc", "edit")}
    assert all(0.7 <= d.similarity < 1.0 and not d.exact for d in dups)


def test_candidates_below_the_threshold_are_not_joined():
    base = article(5).split()
    half = " ".join(base[:200] + article(6).split()[:200])
    dups = near_duplicate_clusters([candidate("a", " ".join(base)), candidate("b", half)], threshold=0.7)
    assert dups == []


def test_signatures_are_deterministic_bytes():
    words = canonical_words(article(7))
    assert minhash_signature(words, 5, 64) == minhash_signature(words, 5, 64)
    assert len(minhash_signature(words, 5, 64)) == 64 * 4


def test_similarity_estimate_tracks_overlap():
    base = article(8, 1000).split()
    a = minhash_signature(base, 5, 256)
    b = minhash_signature(base[:500], 5, 256)  # about half of a's shingles
    assert 0.35 < estimated_similarity(a, b) < 0.65


def test_result_does_not_depend_on_input_order():
    texts = {f"d{i}": article(i % 3, 300) + (" tail" * (i % 2)) for i in range(9)}
    cands = [candidate(k, v) for k, v in texts.items()]
    assert near_duplicate_clusters(cands) == near_duplicate_clusters(list(reversed(cands)))


def test_signatures_equal_datasketch_minhash():
    """The vectorized signature is datasketch's own MinHash of the same shingles."""
    import numpy as np
    from datasketch import MinHash

    from cleaner.dedup import shingle_hash, shingles

    words = canonical_words(article(9))
    expected = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash, scheme="affine32")
    expected.update_batch(shingles(words, 5))
    assert minhash_signature(words, 5, 128) == expected.hashvalues.astype("<u4").tobytes()
    empty = MinHash(num_perm=64, seed=1, hashfunc=shingle_hash, scheme="affine32")
    assert minhash_signature([], 5, 64) == np.asarray(empty.hashvalues, dtype="<u4").tobytes()


@pytest.mark.parametrize(
    "words", [["a"], ["a", "b", "c"], ["one", "two", "three", "four", "five", "six", "seven"], ["été"] * 9]
)
def test_shingle_hashes_hash_each_ngram_in_order(words):
    from cleaner.dedup import shingle_hash, shingle_hashes

    ngram = 5
    grams = [words] if len(words) <= ngram else [words[i : i + ngram] for i in range(len(words) - ngram + 1)]
    assert shingle_hashes(words, ngram).tolist() == [shingle_hash(" ".join(g).encode()) for g in grams]


def test_shingle_hashes_tell_order_and_words_apart():
    from cleaner.dedup import shingle_hashes

    hashes = {int(shingle_hashes(g.split(), 5)[0]) for g in ("a b c d e", "b a c d e", "a b c d f", "ab c d e")}
    assert len(hashes) == 4


def paragraphs_article(seed, n=10):
    return "\n\n".join(article(seed * 100 + i, 60) for i in range(n))


def sized(doc_id, text, order=0, anchored=False):
    from cleaner.dedup import shingles

    c = candidate(doc_id, text)
    n = len(shingles(canonical_words(text), 5))
    return Candidate(c.id, c.chars, c.digest, c.signature, n, order, anchored)


def test_a_truncated_copy_is_found_by_containment_not_by_jaccard():
    full = paragraphs_article(11)
    cut = "\n\n".join(full.split("\n\n")[:6])  # 60%: Jaccard about 0.6, containment 1
    pair = [sized("full", full), sized("cut", cut)]
    assert near_duplicate_clusters(pair, threshold=0.7, containment=1.0) == []
    (dup,) = near_duplicate_clusters(pair, threshold=0.7, containment=0.8)
    assert (dup.id, dup.of) == ("cut", "full") and 0.5 < dup.similarity < 0.7


def test_keep_first_keeps_the_earliest_read():
    base = paragraphs_article(12)
    longer = base + "\n\n" + article(99, 30)
    docs = [sized("b", base, order=0), sized("a", longer, order=1)]
    assert [(d.id, d.of) for d in near_duplicate_clusters(docs, keep="longest")] == [("b", "a")]
    assert [(d.id, d.of) for d in near_duplicate_clusters(docs, keep="first")] == [("a", "b")]


def test_documents_already_in_the_corpus_stay_kept():
    base = paragraphs_article(13)
    longer = base + "\n\n" + article(98, 30)
    docs = [sized("old", base, anchored=True), sized("new", longer)]
    assert [(d.id, d.of) for d in near_duplicate_clusters(docs)] == [("new", "old")]


def test_foreign_paragraphs_stay_out_of_the_signature():
    from cleaner.dedup import fingerprint
    from cleaner.document import Document

    body = article(14)
    notice = " ".join(["Note de la rédaction : les textes publiés sur ce site sont reproduits"] * 20)
    text = f"{body}\n\n{notice}"
    foreign = ({"lang": "fr", "start": len(body) + 2, "end": len(text), "chars": len(notice), "prob": 1.0},)
    with_flag = fingerprint(Document("x", text, "x.txt", foreign=foreign))
    alone = fingerprint(Document("y", body, "y.txt"))
    assert with_flag.signature == alone.signature and with_flag.digest == alone.digest


def test_band_grouping_finds_exactly_what_minhashlsh_finds():
    import numpy as np
    from datasketch import LeanMinHash, MinHashLSH

    from cleaner.dedup import lsh_bands, lsh_candidate_pairs

    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**32, size=(150, 128), dtype=np.uint32)
    copies = base[:60].copy()
    mask = rng.random(copies.shape) < 0.4  # change 40% of slots: some bands survive, some do not
    copies[mask] = rng.integers(0, 2**32, size=int(mask.sum()), dtype=np.uint32)
    signatures = np.concatenate([base, copies])
    bands, rows = lsh_bands(0.5, 128)
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for i, sig in enumerate(signatures):
        lsh.insert(i, LeanMinHash(seed=1, hashvalues=sig, scheme="affine32"))
    expected = {
        tuple(sorted((i, j)))
        for i, sig in enumerate(signatures)
        for j in lsh.query(LeanMinHash(seed=1, hashvalues=sig, scheme="affine32"))
        if j != i
    }
    found = {tuple(p) for p in lsh_candidate_pairs(signatures, bands, rows).tolist()}
    assert expected and found == expected


def test_a_band_shared_by_many_documents_proposes_a_star_and_a_chain_not_every_pair():
    import numpy as np

    from cleaner.dedup import MAX_BAND_GROUP, lsh_candidate_pairs

    rng = np.random.default_rng(3)
    n = 5 * MAX_BAND_GROUP
    signatures = rng.integers(0, 2**32, size=(n, 8), dtype=np.uint32)
    signatures[:, :4] = 42  # all n share the first band (a site's furniture): n * (n - 1) / 2 pairs
    found = {tuple(p) for p in lsh_candidate_pairs(signatures, 2, 4).tolist()}
    assert found == {(0, j) for j in range(1, n)} | {(j, j + 1) for j in range(1, n - 1)}
    signatures[:MAX_BAND_GROUP, :4] = 7  # a bucket of MAX_BAND_GROUP: every pair, as MinHashLSH gives
    found = {tuple(p) for p in lsh_candidate_pairs(signatures, 2, 4).tolist()}
    assert {(i, j) for i in range(MAX_BAND_GROUP) for j in range(i + 1, MAX_BAND_GROUP)} <= found


def test_many_copies_of_one_text_are_one_cluster_beyond_the_band_group_limit():
    from cleaner.dedup import MAX_BAND_GROUP

    base = paragraphs_article(40)
    texts = {f"c{k:03d}": f"{base} Reported by desk {k}." for k in range(2 * MAX_BAND_GROUP)}  # every band shared
    found = near_duplicate_clusters([fingerprinted(i, t) for i, t in texts.items()], texts=texts.get)
    assert len(found) == len(texts) - 1 and len({d.of for d in found}) == 1


def test_furniture_shared_by_many_short_texts_is_not_a_quadratic_number_of_proposals():
    import numpy as np

    from cleaner.dedup import lsh_bands, lsh_candidate_pairs, signature_array

    wrapper = article(41, 100)  # a site's header and footer, on every page no rule or template removed
    texts = {f"p{k:03d}": f"{wrapper}\n\n{article(100 + k, 50)}" for k in range(600)}
    texts["p599"] = edited(texts["p007"], 0.02, 1)  # one real copy among them
    docs = [fingerprinted(i, t) for i, t in texts.items()]
    signatures = np.stack([signature_array(d.signature) for d in docs])
    pairs = lsh_candidate_pairs(signatures, *lsh_bands(0.35, 128))
    assert len(pairs) < 20 * len(docs) < len(docs) * (len(docs) - 1) // 8  # every pair was proposed
    found = near_duplicate_clusters(docs, texts=texts.get)
    assert [(d.id, d.of) for d in found] in ([("p599", "p007")], [("p007", "p599")])


# verification on the texts (issue 15)


def fingerprinted(doc_id, text, order=0, anchored=False):
    from cleaner.dedup import fingerprint
    from cleaner.document import Document
    from cleaner.pipeline import candidate as candidate_of

    found = candidate_of(fingerprint(Document(doc_id, text, "t")), order)
    return Candidate(**{**{f: getattr(found, f) for f in Candidate.__slots__}, "anchored": anchored})


def edited(text, share, seed):
    rng = random.Random(seed)
    words = text.split(" ")
    for _ in range(round(len(words) * share)):
        words[rng.randrange(len(words))] = f"edit{rng.randrange(10**6)}"
    return " ".join(words)


def test_a_chinese_copy_with_a_few_characters_changed_is_found_distinct_articles_are_not():
    rng = random.Random(11)
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]

    def chinese(chars):  # clauses of 8 to 20 characters: each a single run of word characters
        out = []
        while sum(map(len, out)) < chars:
            out.append("".join(rng.choice(pool) for _ in range(rng.randint(8, 20))) + rng.choice("，。"))
        return "".join(out)

    base, other = chinese(400), chinese(400)
    copy = list(base)
    for at in rng.sample(range(len(copy)), 8):  # 2% of the characters replaced
        copy[at] = rng.choice(pool) if copy[at] not in "，。" else copy[at]
    texts = {"a": base, "b": "".join(copy), "c": other}
    found = near_duplicate_clusters([fingerprinted(i, t) for i, t in texts.items()], texts=texts.get)
    assert [(d.id, d.of) for d in found] in ([("a", "b")], [("b", "a")])


def test_a_copy_with_five_percent_of_its_words_replaced_is_found_on_the_texts_not_on_the_estimate():
    from cleaner.dedup import Profile, jaccard, overlap

    base = paragraphs_article(21)
    copy = edited(base, 0.05, 1)
    measured = overlap(Profile.of(base, 5), Profile.of(copy, 5), 5)
    assert jaccard(Profile.of(base, 5), Profile.of(copy, 5)) < 0.7 < 0.85 < measured.similarity  # 5-grams broken
    pair = [fingerprinted("a", base), fingerprinted("b", copy)]
    assert near_duplicate_clusters(pair) == []  # the estimate alone: a Jaccard of about 0.63
    texts = {"a": base, "b": copy}
    (dup,) = near_duplicate_clusters(pair, texts=texts.get)
    assert {dup.id, dup.of} == {"a", "b"} and dup.measured
    assert dup.similarity == measured.similarity  # the exact figure, not an estimate


def test_an_excerpt_is_a_duplicate_of_the_text_it_was_cut_from():
    full = paragraphs_article(22)
    excerpt = full.split("\n\n")[4]  # one paragraph of ten: a Jaccard of 0.1, out of LSH's reach
    docs = [fingerprinted("full", full), fingerprinted("part", excerpt), fingerprinted("other", paragraphs_article(23))]
    texts = {"full": full, "part": excerpt, "other": paragraphs_article(23)}
    (dup,) = near_duplicate_clusters(docs, texts=texts.get)
    assert (dup.id, dup.of, dup.containment) == ("part", "full", 1.0) and dup.similarity < 0.25
    assert near_duplicate_clusters(docs, containment=1.0, texts=texts.get) == []  # containment off


def test_a_short_excerpt_under_the_minimum_length_is_not_a_duplicate():
    from cleaner.dedup import MIN_NEAR_WORDS

    full = paragraphs_article(24)
    words = full.split("\n\n")[2].split()
    for size, expected in ((MIN_NEAR_WORDS - 1, []), (MIN_NEAR_WORDS + 10, [("part", "full")])):
        part = " ".join(words[:size])
        docs = [fingerprinted("full", full), fingerprinted("part", part)]
        found = near_duplicate_clusters(docs, texts={"full": full, "part": part}.get)
        assert [(d.id, d.of) for d in found] == expected, size


def test_two_articles_that_quote_the_same_paragraph_stay_apart():
    quote = article(25, 60)
    a = "\n\n".join([article(26, 120), quote, article(27, 120)])
    b = "\n\n".join([article(28, 120), quote, article(29, 120)])
    docs = [fingerprinted("a", a), fingerprinted("b", b), fingerprinted("q", quote)]
    texts = {"a": a, "b": b, "q": quote}
    found = near_duplicate_clusters(docs, texts=texts.get)
    # the quote alone is inside both (an excerpt); the two articles are not copies of each other
    assert [(d.id, d.of) for d in found] == [("q", "a")]
    assert near_duplicate_clusters(docs[:2], texts=texts.get) == []


def test_a_text_that_cannot_be_read_falls_back_to_the_estimate():
    base = paragraphs_article(30)
    copy = base + " one more closing line"
    pair = [fingerprinted("a", base), fingerprinted("b", copy)]
    (dup,) = near_duplicate_clusters(pair, texts={"a": base}.get)  # b's text is gone
    assert (dup.id, dup.of, dup.measured, dup.containment) == ("a", "b", False, None)


def test_a_common_phrase_is_not_evidence_of_an_excerpt():
    import numpy as np

    from cleaner.dedup import MAX_SAMPLE_GROUP, sample_pairs

    samples = [np.array([7, 100 + i], dtype=np.uint32) for i in range(MAX_SAMPLE_GROUP + 1)]
    assert len(sample_pairs(samples)) == 0  # 7 is in every document
    samples.append(np.array([7, 100], dtype=np.uint32))  # shares a rare shingle with document 0
    assert sample_pairs(samples).tolist() == [[0, len(samples) - 1]]
