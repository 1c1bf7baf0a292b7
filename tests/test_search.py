"""Roster search: ranking, filters, sorting, narrowing as you type, highlights, hostile text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rmtui.db import Participant, Store
from rmtui.search import SORT_KEYS, RosterIndex, RosterRow, Vocabulary, word_score, word_scores
from rmtui.text import fold

# (id, name, email, role, job_title, level, department, line_of_business, status, hobbies, interests)
ROSTER = [
    (1, "John Smith", "john.smith@example.com", "mentee", "Head of Claims", 8, "Claims", "Commercial Insurance",
     "active", '["chess", "running"]', '["leadership"]'),
    (2, "Joan Smyth", "joan.smyth@example.com", "mentor", "Analyst", 3, "Finance", "Retail Banking",
     "active", '["baking"]', '["machine learning"]'),
    (3, "John Smithers", "j.smithers@example.com", "mentee", "Underwriter", 6, "Underwriting", "Personal Lines",
     "applicant", '["golf"]', '["negotiation"]'),
    (4, "Jon Smit", "jon.smit@example.com", "mentor", "Data Scientist", 2, "Data & Analytics", "Group Functions",
     "active", '["chess"]', '["generative ai"]'),
    (5, "José Núñez", "jose.nunez@example.com", "mentor", "Financial Analyst", 4, "Finance", "Wealth Management",
     "active", '["salsa dancing"]', '["sustainability"]'),
    (6, "Jose Nunes", "jose.nunes@example.com", "mentee", "Actuary", 7, "Actuarial", "Personal Lines",
     "withdrawn", '["cycling"]', '["ethics"]'),
    (7, "Agnieszka Krawczyk", "a.krawczyk@example.com", "mentor", "Claims Adjuster", 3, "Claims", "Claims",
     "active", '["pottery"]', '["coaching"]'),
    (8, "Craig Kraus", "craig.kraus@example.com", "mentee", "Director of Finance", 9, "Finance",
     "Group Functions", "alumni", '["sailing"]', '["strategy"]'),
    (9, "Priya Sharma", "priya.sharma@example.com", "mentor", "Software Engineer", 2, "Human Resources",
     "Group Functions", "active", '["chess", "yoga"]', '["claims automation"]'),
    (10, "María González", "maria.gonzalez@example.com", "mentee", "Vice President", 8, "Finance",
     "Retail Banking", "active", '["hiking"]', '["public speaking"]'),
    (11, "Mario Gonzales", "mario.g@example.com", "mentor", "Recruiter", None, "Human Resources",
     "Retail Banking", "applicant", "[]", "[]"),
    (12, "Smith Goldberg", "s.goldberg@example.com", "mentee", "Legal Counsel", 7, "Legal", "Group Functions",
     "active", '["running"]', '["ethics"]'),
    (13, "Tom Baker", "tom.baker@example.com", "mentee", "Graduate Trainee", None, "Legal", "Group Functions",
     "alumni", "[]", "[]"),
    (14, "Ann Lee", "ann.lee@example.com", "mentee", "Baker", None, "Operations", "Group Functions",
     "alumni", "[]", "[]"),
]


@pytest.fixture(scope="module")
def index() -> RosterIndex:
    return RosterIndex.from_rows(ROSTER)


def names(result, limit: int | None = None) -> list[str]:
    count = result.total if limit is None else min(limit, result.total)
    return [result.row(i).name for i in range(count)]


def first(index: RosterIndex, query: str) -> str:
    result = index.search(query)
    assert result.total, f"{query!r} found no one"
    return result.row(0).name


# -- ranking -------------------------------------------------------------------------------


def test_typos_find_john_smith_before_the_decoys(index):
    result = index.search("jhon smtih")
    assert names(result)[0] == "John Smith"
    assert "John Smithers" in names(result)


def test_exact_name_outranks_longer_and_similar_names(index):
    assert first(index, "john smith") == "John Smith"
    assert first(index, "jon smit") == "Jon Smit"
    assert first(index, "joan smyth") == "Joan Smyth"


def test_word_order_does_not_matter(index):
    assert first(index, "smith john") == "John Smith"


def test_accents_are_ignored_both_ways(index):
    assert first(index, "jose nunez") == "José Núñez"
    assert first(index, "JOSÉ NÚÑEZ") == "José Núñez"
    assert first(index, "jose nunes") == "Jose Nunes"


def test_lookalike_letters_from_other_scripts_still_match(index):
    assert first(index, "mariа gonzalez") == "María González"  # Cyrillic а


def test_partial_words_match_as_prefixes(index):
    assert first(index, "kraw") == "Agnieszka Krawczyk"
    assert first(index, "prі") == "Priya Sharma"  # Ukrainian і, a prefix being typed


def test_a_name_match_outranks_the_same_word_in_other_fields(index):
    assert names(index.search("baker")) == ["Tom Baker", "Ann Lee"]  # Ann Lee is a baker by title
    assert names(index.search("smith"), 3) == ["John Smith", "Smith Goldberg", "John Smithers"]


def test_equal_matches_are_listed_by_name(index):
    # "Claims" is in both their job titles (and Krawczyk's department and business too).
    assert names(index.search("claims"), 2) == ["Agnieszka Krawczyk", "John Smith"]
    assert names(index.search("chess")) == ["John Smith", "Jon Smit", "Priya Sharma"]


def test_every_searchable_field_is_searched(index):
    assert first(index, "smithers@example") == "John Smithers"
    assert first(index, "underwriter") == "John Smithers"
    assert first(index, "actuarial") == "Jose Nunes"
    assert first(index, "wealth") == "José Núñez"
    assert first(index, "salsa") == "José Núñez"
    assert first(index, "sustainability") == "José Núñez"


def test_every_query_word_must_match(index):
    assert index.search("john zzzzzz").total == 0


def test_empty_query_lists_everyone_by_name(index):
    result = index.search("")
    assert result.total == len(ROSTER)
    listed = names(result)
    assert listed[0] == "Agnieszka Krawczyk"
    assert listed.index("José Núñez") < listed.index("Mario Gonzales")  # accent-insensitive order


def test_rows_carry_what_the_roster_displays(index):
    row = index.search("mario gonzales").row(0)
    assert row == RosterRow(11, "Mario Gonzales", "mario.g@example.com", "mentor", "Recruiter", None,
                            "Human Resources", "Retail Banking", "applicant")


# -- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("role:mentor", {2, 4, 5, 7, 9, 11}),
        ("role:mentee", {1, 3, 6, 8, 10, 12, 13, 14}),
        ("dept:finance", {2, 5, 8, 10}),
        ("dept:FINANCE", {2, 5, 8, 10}),
        ('dept:"human resources"', {9, 11}),
        ("dept:analytics", {4}),
        ("lob:claims", {7}),
        ("lob:retail", {2, 10, 11}),
        ("status:active", {1, 2, 4, 5, 7, 9, 10, 12}),
        ("status:withdrawn", {6}),
        ("level:8", {1, 10}),
        ("level:>=8", {1, 8, 10}),
        ("level:>8", {8}),
        ("level:<3", {4, 9}),
        ("level:<=3", {2, 4, 7, 9}),
        ("level:3-6", {2, 3, 5, 7}),
        ("role:mentor dept:finance", {2, 5}),
        ("role:mentee level:>=7 status:active", {1, 10, 12}),
    ],
)
def test_filter_tokens(index, query, expected):
    result = index.search(query)
    assert {result.row(i).id for i in range(result.total)} == expected
    assert result.problems == []


def test_filters_combine_with_free_text(index):
    assert names(index.search("role:mentor chess")) == ["Jon Smit", "Priya Sharma"]
    assert names(index.search("dept:finance anal")) == ["Joan Smyth", "José Núñez"]
    assert names(index.search("jose status:active")) == ["José Núñez"]


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ("level:>=x", "level:>=x — level needs a number, like level:>=5"),
        ("level:high", "level needs a number"),
        ("role:boss", "role is mentor or mentee"),
        ("status:asleep", "status is one of applicant, active, withdrawn, alumni"),
        ("colour:red", 'no "colour:" filter'),
        ("dept:zoology", 'no department contains "zoology"'),
    ],
)
def test_bad_filter_tokens_are_explained_and_ignored(index, query, complaint):
    result = index.search(f"{query} jose")
    assert len(result.problems) == 1 and complaint in result.problems[0]
    if not query.startswith("dept:"):
        assert "José Núñez" in names(result)


def test_a_filter_being_typed_is_not_a_problem(index):
    result = index.search("dept:")
    assert result.problems == [] and result.total == len(ROSTER)


# -- sorting -------------------------------------------------------------------------------


@pytest.mark.parametrize("column", SORT_KEYS)
def test_sort_by_each_column(index, column):
    result = index.search("", sort=column)
    rows = [result.row(i) for i in range(result.total)]

    def key(row: RosterRow):
        value = getattr(row, column)
        if isinstance(value, str):
            return (False, fold(value))
        return (value is None, value if value is not None else 0)

    assert [key(r) for r in rows] == sorted(key(r) for r in rows)


def test_sort_descending_keeps_missing_levels_last(index):
    result = index.search("", sort="level", descending=True)
    levels = [result.row(i).level for i in range(result.total)]
    assert levels[0] == 9 and levels[-1] is None


def test_sort_applies_to_the_matched_set(index):
    result = index.search("dept:finance", sort="level", descending=True)
    assert names(result) == ["Craig Kraus", "María González", "José Núñez", "Joan Smyth"]


def test_ties_in_a_sorted_column_go_by_name(index):
    result = index.search("role:mentor", sort="role")
    assert names(result) == sorted(names(result), key=fold)


def test_unknown_sort_key_is_a_programming_error(index):
    with pytest.raises(ValueError):
        index.search("", sort="shoe_size")


# -- narrowing as you type -----------------------------------------------------------------


def typed(text: str) -> list[str]:
    return [text[: i + 1] for i in range(len(text))]


@pytest.mark.parametrize(
    "text", ["jhon smtih", "jose nunez", "role:mentor chess", "mariа gonzales", "smith john", "kraw"]
)
def test_narrowing_returns_what_a_fresh_search_does(index, text):
    previous = None
    for value in typed(text):
        narrowed = index.search(value, previous=previous)
        fresh = index.search(value)
        assert narrowed.order.tolist() == fresh.order.tolist(), value
        previous = narrowed


def test_narrowing_on_a_large_roster_matches_fresh_search():
    people = [
        (i, f"{first} {last}", f"{first.lower()}.{last.lower()}{i}@example.com", "mentor", "Analyst", i % 9,
         "Finance", "Claims", "active", json.dumps(["chess"]), "[]")
        for i, (first, last) in enumerate(
            ((f, s) for f in ("John", "Joan", "Jon", "Jonas", "Johan", "Jhon") for s in
             ("Smith", "Smyth", "Smit", "Smithers", "Schmidt", "Smithson", "Mitchell")),
            start=1,
        )
    ]
    big = RosterIndex.from_rows(people)
    previous = None
    for value in typed("jhon smtih") + ["jhon smti", "jhon smt", "jhon smtt"]:
        narrowed = big.search(value, previous=previous)
        assert narrowed.order.tolist() == big.search(value).order.tolist(), value
        previous = narrowed


def test_narrowing_only_scores_the_previous_survivors(index):
    wide = index.search("j")
    narrow = index.search("jo", previous=wide)
    assert set(narrow._survivors.tolist()) <= set(wide._survivors.tolist())
    # A finished word keeps only its real matches as survivors.
    done = index.search("jose ", previous=index.search("jose"))
    assert len(done._survivors) == done.total


def test_a_previous_result_with_other_filters_is_not_reused(index):
    previous = index.search("role:mentor jo")
    result = index.search("role:mentee jos", previous=previous)
    assert names(result) == names(index.search("role:mentee jos"))


# -- highlighting --------------------------------------------------------------------------


def spans_of(result, i: int) -> list[str]:
    name = result.row(i).name
    return [name[a:b] for a, b in result.name_spans(i)]


def test_name_spans_point_at_the_matched_characters(index):
    assert spans_of(index.search("kraw"), 0) == ["Kraw"]
    assert spans_of(index.search("john smith"), 0) == ["John", "Smith"]
    assert spans_of(index.search("smith"), 0) == ["Smith"]


def test_name_spans_cover_typos_and_accents(index):
    assert spans_of(index.search("jhon smtih"), 0) == ["John", "Smith"]
    assert spans_of(index.search("jose nunez"), 0) == ["José", "Núñez"]
    assert spans_of(index.search("smi"), 0) == ["Smi"]


def test_name_spans_are_empty_without_free_text_or_a_name_match(index):
    assert index.search("role:mentor").name_spans(0) == []
    result = index.search("salsa")
    assert result.row(0).name == "José Núñez" and result.name_spans(0) == []


def _spans_as_first_written(name: str, tokens: tuple[str, ...]) -> list[tuple[int, int]]:
    """name_spans as it was first written (every character folded, every word scored per row):
    the reference its ASCII shortcut and its cache of word marks must agree with."""
    from rapidfuzz.distance import LCSseq

    from rmtui.search.words import SHOWN_SIMILARITY, WORD, search_key

    if not tokens:
        return []
    folded_chars, origin = [], []
    for j, ch in enumerate(name):
        for f in search_key(ch):
            folded_chars.append(f)
            origin.append(j)
    folded = "".join(folded_chars)
    marked: set[int] = set()
    for token in dict.fromkeys(tokens):
        for m in WORD.finditer(folded):
            word, start = m.group(), m.start()
            if word_score(token, word) < SHOWN_SIMILARITY:
                continue
            at = word.find(token)
            if at >= 0:
                marked.update(range(start + at, start + at + len(token)))
                continue
            equal = [op for op in LCSseq.opcodes(token, word) if op.tag == "equal"]
            if equal:
                marked.update(range(start + equal[0].dest_start, start + equal[-1].dest_end))
    spans: list[tuple[int, int]] = []
    for k in sorted({origin[k] for k in marked}):
        if spans and spans[-1][1] == k:
            spans[-1] = (spans[-1][0], k + 1)
        else:
            spans.append((k, k + 1))
    return spans


def test_name_spans_are_those_of_the_per_character_reference():
    """The ASCII shortcut and the cached word marks change no highlight: every name (ASCII,
    accented, ligatures, look-alike letters, emoji) against typed prefixes and typos, the same
    pair asked twice (the second answer from the cache)."""
    names = [row[1] for row in ROSTER] + [
        "Zoë O'Brien-Smith", "ǅemal Ǆurić", "Straße Weiß", "ﬁona ﬂynn", "Аnna Ѕmith", "😀 Jo Jo",
        "van der Berg, Jan", "Mary-Jo Smith Smith", "Łukasz Żółw", "İsmail Iğdır", "", "123 Jo4n",
    ]
    queries = ["j", "jo", "joh", "john", "jhon smtih", "smi th", "jose nunez", "s", "zoe", "ob", "dzemal",
               "strasse", "weiss", "fiona", "anna smith", "jo jo", "berg jan", "lukasz", "ismail", "4", "jo4n",
               "maria gonzalez", "kraw", "krwa"]
    index = RosterIndex.from_rows(
        [(i, name, "", "mentor", "", None, "", "", "active", None, None) for i, name in enumerate(names, 1)]
    )
    checked = 0
    for _ in range(2):
        for query in queries:
            tokens = tuple(query.split())
            for position, name in enumerate(names):
                assert index.name_spans(position, tokens) == _spans_as_first_written(name, tokens), (name, query)
                checked += bool(_spans_as_first_written(name, tokens))
    assert checked > 50  # most queries highlight something


def test_one_word_is_scored_as_the_whole_vocabulary_scores_it():
    words = ["john", "jon", "joan", "johnson", "smith", "smithers", "goldsmith", "smit", "j", "a", "krawczyk"]
    vocabulary = Vocabulary(words)
    for token in ["j", "jo", "jhon", "smtih", "smith", "mit", "kraw", "krwa", "a", "zz", "goldsmiths"]:
        bulk = word_scores(token, vocabulary)
        assert [round(word_score(token, w), 5) for w in words] == [round(float(x), 5) for x in bulk], token


# -- hostile text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["[red]x[/]", "[bold", "😀😀 jose", "a" * 10_000, "jo\x00se", "\x1b[31mjose", "level:" + "9" * 40,
     'dept:"', ":", "::::", "role:", "jose " * 2000, "\u202ejose", "ǆ ß ﬁ"],
)
def test_hostile_queries_never_crash(index, query):
    result = index.search(query)
    for i in range(min(result.total, 5)):
        result.row(i)
        result.name_spans(i)


def test_hostile_names_are_searchable_and_highlighted():
    hostile = RosterIndex.from_rows(
        [
            (1, "[red]x[/]", None, "mentor", "", None, "", "", "active", None, None),
            (2, "😀 Zoë", "", "mentee", "", 3, "", "", "active", "not json", "[1, 2]"),
            (3, "!!!", "", "mentee", "", 3, "", "", "active", "[]", "[]"),
        ]
    )
    assert hostile.search("red").row(0).name == "[red]x[/]"
    result = hostile.search("zoe")
    assert result.row(0).name == "😀 Zoë" and spans_of(result, 0) == ["Zoë"]
    assert hostile.search("").total == 3
    assert hostile.search("json").total == 1


def test_an_empty_roster_searches_to_nothing():
    empty = RosterIndex.from_rows([])
    assert len(empty) == 0
    assert empty.search("").total == 0
    assert empty.search("jose level:>3", sort="level").total == 0


# -- reading the store ---------------------------------------------------------------------


def test_from_store_reads_a_real_database(tmp_path: Path):
    with Store(tmp_path / "programme.db", actor="tester") as store:
        with store.write() as writer:
            for row in ROSTER:
                writer.insert(
                    Participant(
                        id=row[0], name=row[1], email=row[2], role=row[3], job_title=row[4], level=row[5],
                        department=row[6], line_of_business=row[7], status=row[8],
                        hobbies=json.loads(row[9]), interests=json.loads(row[10]),
                    )
                )
        index = RosterIndex.from_store(store, chunk=5)  # several chunks
    assert len(index) == len(ROSTER)
    result = index.search("jhon smtih")
    assert result.row(0).id == 1
    assert index.search("salsa").row(0).name == "José Núñez"
    assert np.array_equal(index.search("").order, RosterIndex.from_rows(ROSTER).search("").order)


def test_name_matches_puts_names_containing_the_text_first_then_typos() -> None:
    from rmtui.search import name_matches
    from rmtui.text import fold

    names = [fold(n) for n in ["Maria Schmidt", "Omar Ali", "Marianne Ng", "Tamar Cohen", "Mária Schmitt"]]
    # "mar" is inside all five: those where it starts first, then alphabetically (accents folded).
    assert name_matches("mar", names, 10) == [0, 4, 2, 1, 3]
    # No name contains the typo; fuzzy matching still finds both Schmidt and Schmitt first.
    assert name_matches("mara schmit", names, 3)[:2] == [0, 4]
    assert name_matches("", names, 3) == []
    assert name_matches("zzzz", names, 3) == []


def test_the_index_and_its_results_are_frozen(index: RosterIndex) -> None:
    """A built index and a search result refuse changes: screens share them across threads."""
    with pytest.raises(AttributeError):
        index.word_count = 0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        index.extra = 1  # type: ignore[attr-defined]
    result = index.search("smith")
    with pytest.raises(AttributeError):
        result.total = 0  # type: ignore[misc]
    assert index.search("smith").total == result.total


# -- the fast paths equal the plain ones -------------------------------------------------------

GROUP_FIRST = ["John", "Jon", "José", "María", "Zoë", "Ann", "Priya", "Łukasz", "O'Brien", "Jean-Luc", ""]
GROUP_LAST = ["Smith", "Smyth", "Núñez", "García", "Lee", "Krawczyk", "Van der Berg", "Smithers", "42"]
GROUP_VALUES = ["Head of Claims", "Analyst", "Data & Analytics", "", None, "Senior Software Engineer", "Smith Lead",
                "Claims", "Vice President, Finance", "Café Société"]
GROUP_ITEMS = ["chess", "rock climbing", "board games", "jazz piano", "smith craft", "", "Éclairs au café", "go"]
GROUP_QUERIES = ["j", "s", "jo", "jhon smtih", "jose nunez", "maria garcia", "head claims", "claims", "anal",
                 "rock", "jazz pian", "smith", "example", "example com", "acme", "42", "cafe", "zzzzzz", "q",
                 "role:mentor ch", "dept:data anal", "vice fin", "board gmes", "smtih lead", "lee 42"]


def group_rows(seed: int, count: int) -> list[tuple]:
    """Seeded people whose titles, departments, hobbies and e-mail domains repeat, some odd."""
    import random

    rng = random.Random(seed)
    rows = []
    for i in range(1, count + 1):
        first, last = rng.choice(GROUP_FIRST), rng.choice(GROUP_LAST)
        local = rng.choice([f"{first}.{last}".lower(), f"{last}{i}".lower(), "info", f"{first}"])
        domain = rng.choice(["example.com", "acme.co.uk", "smith-lee.org", "", "jose.example"])
        email = rng.choice([f"{local}@{domain}", local, None, f"{local}@{domain}@x"])
        hobbies = json.dumps(rng.sample(GROUP_ITEMS, rng.randrange(0, 4)))
        interests = rng.choice([json.dumps(rng.sample(GROUP_ITEMS, 2)), "[]", None, "not json"])
        rows.append((i, f"{first} {last}".strip(), email, rng.choice(["mentor", "mentee"]), rng.choice(GROUP_VALUES),
                     rng.choice([None, 1, 5, 9]), rng.choice(GROUP_VALUES), rng.choice(GROUP_VALUES),
                     rng.choice(["active", "alumni"]), hobbies, interests))
    return rows


def plain_index(rows: list[tuple], monkeypatch) -> RosterIndex:
    """The index as built before groups: every person's postings hold all their terms."""
    import rmtui.search.build as build

    def inline(self, field_class, text, words, terms_of, new_term):
        return terms_of(field_class, words(text))

    with monkeypatch.context() as patch:
        patch.setattr(build.Groups, "entries", inline)
        patch.setattr(build, "_person_entries", lambda name, local, values, term_word: [*name, *local, *values] or [0])
        plain = RosterIndex.from_rows(rows)
    assert len(plain._data.group_keys) == 0
    return plain


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shared_values_scored_once_score_as_every_term_did(seed: int, monkeypatch) -> None:
    """Groups (a title, department, hobby or e-mail domain of several words, scored once per
    query word) and the e-mail words a name already has give every person the best score their
    terms gave, bit for bit, and every search the same rows in the same order."""
    rows = group_rows(seed, 400)
    fast, plain = RosterIndex.from_rows(rows), plain_index(rows, monkeypatch)
    assert len(fast._data.group_keys) > 5 and len(fast._data.postings) < len(plain._data.postings)
    for query in GROUP_QUERIES:
        for token in query.split():
            assert np.array_equal(fast._full_best(token), plain._full_best(token)), token
        previous_fast = previous_plain = None
        for value in typed(query):
            got = fast.search(value, previous=previous_fast)
            want = plain.search(value, previous=previous_plain)
            assert got.order.tolist() == want.order.tolist(), value
            previous_fast, previous_plain = got, want


def test_updates_keep_groups_as_a_fresh_build_makes_them(monkeypatch) -> None:
    """An edit bringing a new multi-word title, hobby and domain adds groups; searches then
    answer as a plain index built afresh."""
    rows = group_rows(4, 120)
    edited = (5, "Zoë Quux", "zoe.quux@brand-new.example", "mentor", "Principal Quux Wrangler", 3, "New Dept Here",
              "Claims", "active", '["underwater hockey"]', "[]")
    added = (500, "Ann Quux", "ann@brand-new.example", "mentee", "Principal Quux Wrangler", 2, "Analyst",
             "Claims", "active", '["underwater hockey", "chess"]', "[]")
    index = RosterIndex.from_rows(rows)
    for query in ("quux", "und hock"):
        index.search(query)  # cached words are carried over to the update
    updated = index.with_changes([edited]).with_changes([added])
    table = {row[0]: row for row in rows} | {5: edited, 500: added}
    plain = plain_index(sorted(table.values()), monkeypatch)
    for query in ["quux", "wrangler", "und hock", "underwater", "brand new", "new dept", "chess", *GROUP_QUERIES]:
        assert updated.search(query).order.tolist() == plain.search(query).order.tolist(), query
        for token in query.split():
            assert np.array_equal(updated._full_best(token), plain._full_best(token)), token


@pytest.mark.parametrize("sort", [None, "name", "level", "department"])
@pytest.mark.parametrize("descending", [False, True])
def test_the_first_rows_sorted_at_once_are_those_of_the_full_sort(sort, descending, monkeypatch) -> None:
    """A large result sorts only its first rows at once; they, and every row after them, are
    where sorting all the matches puts them (ties by name, missing levels last).

    The partial sort may give the first rows in any order (numpy's happens to give a short
    head sorted): here it gives them shuffled, so an unsorted head is seen."""
    from rmtui.search import index as index_module
    from rmtui.search.index import Ranking

    real_argpartition = np.argpartition
    rng = np.random.default_rng(7)

    def shuffled_head(values: np.ndarray, kth: int) -> np.ndarray:
        chosen = real_argpartition(values, kth)
        chosen[:kth] = rng.permutation(chosen[:kth])  # still a partition around kth
        return chosen

    monkeypatch.setattr(index_module.np, "argpartition", shuffled_head)
    monkeypatch.setattr(Ranking, "HEAD", 16)
    index = RosterIndex.from_rows(group_rows(5, 900))
    partial = 0
    for query in ["", "j", "jo", "smith", "claims", "zzzzzz", "role:mentor a"]:
        result = index.search(query, sort=sort, descending=descending)
        partial += result._ranking._full is None
        rows = [result.row_id(i) for i in range(result.total)]  # the head first, before the full sort
        fresh = index.search(query, sort=sort, descending=descending)
        ids = index.ids()
        assert rows == [int(ids[p]) for p in fresh._index._ordered(fresh._ranking._positions, fresh._ranking._key,
                                                                   fresh._ranking._reverse)], query
        assert rows == [int(ids[p]) for p in result.order], query
    assert partial >= 3  # the partial sort was what answered


@pytest.mark.parametrize("seed", [1, 2])
def test_best_terms_by_length_equal_the_max_per_person_over_the_postings(seed: int) -> None:
    """The full pass's layout (people grouped by their count of terms, a maximum down each
    column) gives every person the maximum over their postings, bit for bit, for any scores;
    also on an empty roster and one where everyone has a single term."""
    from rmtui.search.index import ByLength

    rng = np.random.default_rng(seed)
    people = group_rows(seed, 300) + [(1000 + i, "", None, "mentor", None, None, None, None, "active", "[]", "[]")
                                      for i in range(5)]  # no words at all: the empty term only
    for rows in (people, people[-5:], []):
        data = RosterIndex.from_rows(rows)._data
        layout = ByLength(data.postings, data.starts)
        for _ in range(5):
            scores = rng.random(len(data.term_word)).astype(np.float32) * (rng.random(len(data.term_word)) < 0.3)
            want = (np.maximum.reduceat(scores.take(data.postings), data.starts[:-1]) if data.n
                    else np.zeros(0, np.float32))
            assert np.array_equal(layout.best(scores), want)


def test_the_index_keeps_no_object_per_person_for_names_and_emails() -> None:
    """At 100,000 people the index's 200,000 name and e-mail strings, made among the rows'
    other strings and freed ones, pinned 50 MB of free memory the C library could not give
    back (issue 14). They are packed: the objects the index keeps do not grow with the people
    (the words repeat here), and every name and address still reads back, after edits too."""
    import gc
    import sys

    firsts = ["Ann", "Ben", "Cleo", "Dev", "Eva", "Femi", "Gus", "Hana", "Ines", "Jon"] * 4
    lasts = [f"{a}{b}" for a in ("Lee", "Okafor", "Park", "Rao", "Silva") for b in ("", "son", "berg", "ton", "ley",
                                                                                   "er", "ez", "ic", "man", "y")]

    def rows(n: int, first: int = 1):  # (the words repeat: the index's vocabulary stays small)
        for i in range(first, first + n):
            given, family = firsts[i % 40], lasts[(i // 40) % 50]
            yield (i, f"{given} {family}", f"{given}.{family}@example.com".lower(), "mentee", "Analyst", 3, "Claims",
                   "Claims", "active", '["chess"]', "[]")

    def kept(n: int) -> tuple[int, RosterIndex]:
        gc.collect()
        before = sys.getallocatedblocks()
        index = RosterIndex.from_rows(rows(n))
        gc.collect()
        return sys.getallocatedblocks() - before, index

    kept(100)  # (what a first index makes once: caches, lazily made parts of the libraries)
    few, _ = kept(2_000)
    many, index = kept(20_000)
    assert many - few < 1_000  # (a string per name and address: 36,000 more)
    assert [(index.row(p).name, index.row(p).email) for p in range(len(index))] == [row[1:3] for row in rows(20_000)]
    edited = index.with_changes([(5, "Zoë Łukasz", "zoe@example.com", "mentee", "Analyst", 3, "Claims", "Claims",
                                  "active", "[]", "[]"), *rows(3, first=30_000)])
    shown = {edited.row(p).id: edited.row(p) for p in range(len(edited))}
    assert (shown[5].name, shown[5].email) == ("Zoë Łukasz", "zoe@example.com")
    assert [(shown[i].name, shown[i].email) for i in (4, 6, 30_002)] == [
        row[1:3] for row in (*rows(1, first=4), *rows(1, first=6), *rows(1, first=30_002))]
    assert names(edited.search("zoe lukasz"))[0] == "Zoë Łukasz"
