"""Benchmark: keystroke → roster results at 10k and 100k people, against ``fzf --filter``.

Run ``python tests/bench/bench_search.py [--quick]``; pytest also collects it and prints the
same figures (``RMTUI_BENCH_QUICK=1`` makes it small, as CI runs it). Nothing here asserts a
time: budgets (DESIGN.md) are read off the printed figures.

Each keystroke is timed as the roster screen experiences it: ``search(previous=...)`` with the
last keystroke's result, then building the rows and name highlights of the first screenful.
"""

from __future__ import annotations

import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from rmtui.db import Store
from rmtui.search import RosterIndex

pytestmark = pytest.mark.bench

SCREENFUL = 40

FIRST_NAMES = (
    "John Mary James Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty "
    "Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua "
    "Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah José María "
    "Juan Lucía Carlos Sofía Luis Valentina Jorge Camila Andrés Martina Raúl Inés Álvaro Pilar "
    "João Beatriz Gonçalo Conceição François Hélène Amélie Jérôme Zoé Loïc Maëlle Björn Åsa Sören "
    "Jürgen Günther Käthe Jörg Małgorzata Paweł Łukasz Wojciech Krzysztof Agnieszka Zoë Siobhán "
    "Seán Aoife Niamh Oisín Priya Rahul Ananya Vikram Aarav Saanvi Wei Jing Hao Mei Yuki Haruto "
    "Sakura Ren Minjun Seoyeon Olumide Chiamaka Kwame Ama Fatima Mohammed Aisha Omar Layla Youssef "
    "Nguyễn Thảo Dmitri Olga Sergei Anastasia Ivan Ekaterina Jon Joan Johan Jonathan Johanna "
    "Ingrid Astrid Lars Anders Henrik Mette Søren Øystein Ólafur Guðrún Þóra Ákos Zsófia Tamás Ágnes"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez González Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen "
    "Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Núñez Muñoz "
    "Peña Ibáñez Gómez Jiménez Fernández Díaz Álvarez Romero Navarro Gutiérrez Ortiz Rubio Marín "
    "Sanz Castaño Conceição Gonçalves Magalhães Simões Araújo Müller Schröder Schäfer Weiß Bäcker "
    "Köhler Krüger Große Lefèvre Dubois Moreau Girard Bérénice Faure Rousseau Krawczyk Wiśniewski "
    "Wójcik Kamiński Lewandowski Zieliński Szymański Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski "
    "O'Brien O'Connor Murphy Kelly Ó'Súilleabháin Ní Bhriain Patel Sharma Gupta Iyer Reddy Nair Chen "
    "Wang Li Zhang Liu Yamamoto Tanaka Suzuki Watanabe Kim Park Choi Okafor Adeyemi Mensah Boateng "
    "Haddad Khalil Nasser Petrov Ivanova Smirnov Kuznetsova Andersson Johansson Karlsson Nilsson "
    "Larsen Sørensen Jørgensen Østergaard Kovács Szabó Tóth Nagy Horváth Smyth Smit Smithers "
    "Goldsmith Smithson Jonsson Johns Johnston Nunes Nunez Gonzales Gonsalves"
).split()
SYLLABLES = (
    "ka ri mo la ne to sa vi ber gen hol man son sen ski wicz ová ard ell ingh ton ley field worth "
    "stein berg haus dal bø ström qvist ic ić escu ian yan idis opoulos oğlu ç ez ão"
).split()
TITLES = (
    "Analyst|Senior Analyst|Data Scientist|Claims Adjuster|Underwriter|Actuary|Software Engineer|"
    "Senior Software Engineer|Product Manager|Designer|HR Business Partner|Recruiter|Accountant|"
    "Financial Analyst|Risk Analyst|Head of Claims|Director of Finance|Chief Data Officer|"
    "Customer Service Advisor|Operations Manager|Compliance Officer|Legal Counsel|Marketing Lead|"
    "Graduate Trainee|Apprentice|Team Leader|Vice President|Engineering Manager|QA Engineer"
).split("|")
DEPARTMENTS = (
    "Finance|Human Resources|Technology|Claims|Underwriting|Actuarial|Marketing|Legal|Compliance|"
    "Operations|Customer Service|Data & Analytics|Risk|Procurement|Strategy"
).split("|")
BUSINESSES = "Retail Banking|Commercial Insurance|Personal Lines|Claims|Wealth Management|Group Functions".split("|")
HOBBIES = (
    "chess|rock climbing|running|cycling|photography|baking|gardening|knitting|piano|guitar|"
    "football|cricket|yoga|birdwatching|board games|video games|painting|pottery|sailing|hiking|"
    "swimming|salsa dancing|woodworking|calligraphy|origami|astronomy|beekeeping|fishing|tennis|"
    "padel|volunteering|choir singing|theatre|crossword puzzles|sourdough|marathons|karaoke"
).split("|")
INTERESTS = (
    "machine learning|sustainability|public speaking|negotiation|product design|leadership|"
    "cloud computing|diversity and inclusion|behavioural economics|cyber security|agile delivery|"
    "data visualisation|generative AI|mental health|coaching|storytelling|accessibility|ethics"
).split("|")
STATUSES = ("active",) * 6 + ("applicant", "applicant", "withdrawn", "alumni")


def _surname(rng: random.Random) -> str:
    """A surname: mostly common ones, some invented, some double-barrelled (realistic spread)."""
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(LAST_NAMES)
    if roll < 0.9:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
    return f"{rng.choice(LAST_NAMES)}-{rng.choice(LAST_NAMES)}"


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def synthetic_people(count: int, seed: int = 7) -> list[tuple]:
    """Return ``count`` participant rows in RosterIndex.from_rows order, deterministic per seed."""
    rng = random.Random(seed)
    rows = []
    for i in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), _surname(rng)
        name = f"{first} {last}"
        email = f"{_ascii(first)}.{_ascii(last).replace(' ', '').replace(chr(39), '')}{i}@example.com"
        role = "mentor" if rng.random() < 0.5 else "mentee"
        level = rng.randint(1, 4) if role == "mentor" else rng.randint(4, 9)
        rows.append(
            (
                i,
                name,
                email,
                role,
                rng.choice(TITLES),
                level if rng.random() > 0.02 else None,
                rng.choice(DEPARTMENTS),
                rng.choice(BUSINESSES),
                rng.choice(STATUSES),
                json.dumps(rng.sample(HOBBIES, rng.randint(1, 4))),
                json.dumps(rng.sample(INTERESTS, rng.randint(1, 3))),
            )
        )
    # The people the scripted queries look for.
    for i, name in enumerate(("John Smith", "José Núñez", "María González"), start=1):
        row = list(rows[-i])
        row[1] = name
        row[2] = f"{_ascii(name).replace(' ', '.')}@example.com"
        rows[-i] = tuple(row)
    return rows


def write_store(path: Path, rows: list[tuple]) -> None:
    """Put ``rows`` into a real rmtui database at ``path`` (bulk insert)."""
    columns = ("id", "name", "email", "role", "job_title", "level", "department",
               "line_of_business", "status", "hobbies", "interests")
    with Store(path, actor="bench") as store, store.write() as writer:
        now = "2026-01-01T00:00:00Z"
        writer.insert_many(
            "participants",
            ({**dict(zip(columns, row, strict=True)), "created_at": now, "updated_at": now} for row in rows),
        )


# What coordinators type, typos included; "\b" is a backspace.
TYPING = (
    "jhon smtih",
    "smith john",
    "jose nunez",
    "mariа gonzales",  # the "а" is Cyrillic
    "dept:finance anal",
    "role:mentor chess",
    "level:>=5 data sci",
    "kraw",
    "claims adj",
    "jhon smti\b\b\bith",
)


def keystrokes(text: str) -> list[str]:
    """Return the successive field values while ``text`` is typed (``\\b`` deletes)."""
    values, current = [], ""
    for ch in text:
        current = current[:-1] if ch == "\b" else current + ch
        values.append(current)
    return values


def final_query(text: str) -> str:
    return keystrokes(text)[-1]


def type_queries(index: RosterIndex, texts: tuple[str, ...]) -> tuple[list[float], list[float]]:
    """Type each text keystroke by keystroke; return each keystroke's wall and CPU milliseconds.

    CPU time (this thread's) is what the keystroke costs on an idle machine; wall time also
    holds whatever else the shared cores were doing.
    """
    wall, cpu = [], []
    for text in texts:
        previous = None
        for value in keystrokes(text):
            start, start_cpu = time.perf_counter(), time.thread_time()
            result = index.search(value, previous=previous)
            for i in range(min(SCREENFUL, result.total)):
                result.row(i)
                result.name_spans(i)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            previous = result
    return wall, cpu


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def fzf_ms(names_file: Path, query: str, repeat: int) -> float | None:
    """Return the median milliseconds of ``fzf --filter query`` over ``names_file``."""
    fzf = shutil.which("fzf")
    if fzf is None:
        return None
    times = []
    for _ in range(repeat):
        with names_file.open("rb") as names:
            start = time.perf_counter()
            subprocess.run([fzf, "--filter", query], stdin=names, stdout=subprocess.DEVNULL, check=False)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(quick: bool) -> dict[int, dict[str, float]]:
    """Run the benchmark, print its figures and return them by roster size."""
    sizes = (2_000, 5_000) if quick else (10_000, 100_000)
    texts = TYPING[:3] if quick else TYPING
    budgets = {10_000: 16.0, 100_000: 50.0}
    figures: dict[int, dict[str, float]] = {}
    print(f"\nroster search benchmark ({'quick' if quick else 'full'}; {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            rows = synthetic_people(size)
            path = Path(tmp) / f"roster{size}.db"
            write_store(path, rows)
            names_file = Path(tmp) / f"names{size}.txt"
            names_file.write_text("\n".join(r[1] for r in rows) + "\n", encoding="utf-8")
            del rows
            gc.collect()
            before = rss_mb()
            start = time.perf_counter()
            with Store(path, actor="bench") as store:
                index = RosterIndex.from_store(store)
            build = time.perf_counter() - start
            gc.collect()
            after = rss_mb()
            load = os.getloadavg()[0]
            timings, cpu = type_queries(index, texts)
            fresh, fzf = [], []
            for text in texts:
                query = final_query(text)
                index._token_cache.clear()  # from scratch: nothing remembered from the typing
                start = time.perf_counter()
                index.search(query)
                fresh.append((time.perf_counter() - start) * 1000)
                fzf_time = fzf_ms(names_file, query, 1 if quick else 3)
                if fzf_time is not None:
                    fzf.append(fzf_time)
            p50, p95, worst = percentile(timings, 0.5), percentile(timings, 0.95), max(timings)
            cpu50, cpu95 = percentile(cpu, 0.5), percentile(cpu, 0.95)
            figures[size] = {"p50": p50, "p95": p95, "max": worst, "cpu_p50": cpu50, "cpu_p95": cpu95,
                             "build_s": build, "rss_delta_mb": after - before, "rss_mb": after}
            budget = budgets.get(size)
            verdict = "" if budget is None else (" — within budget" if p95 <= budget else " — OVER BUDGET")
            print(f"{size:>7,} people: {len(timings)} keystrokes  p50 {p50:.1f} ms  p95 {p95:.1f} ms  "
                  f"max {worst:.1f} ms{verdict}" + (f" (p95 ≤ {budget:.0f} ms)" if budget else ""))
            print(f"{'':>15} CPU per keystroke p50 {cpu50:.1f} ms  p95 {cpu95:.1f} ms "
                  f"(load average {load:.1f} on {os.cpu_count()} cores)")
            print(f"{'':>15} index built in {build:.2f} s from SQLite, "
                  f"RSS +{after - before:.0f} MB (process {after:.0f} MB); {index.word_count:,} distinct words")
            if fzf:
                ours, theirs = statistics.median(fresh), statistics.median(fzf)
                figures[size].update(fresh_ms=ours, fzf_ms=theirs)
                print(f"{'':>15} final queries from scratch: rmtui median {ours:.1f} ms (7 fields) vs "
                      f"fzf --filter median {theirs:.1f} ms (names only, incl. process start): "
                      f"ratio {ours / theirs:.2f}")
                for text, ours_q, theirs_q in zip(texts, fresh, fzf, strict=True):
                    print(f"{'':>17}{final_query(text)!r:<24} rmtui {ours_q:6.1f} ms   fzf {theirs_q:6.1f} ms")
            del index
            gc.collect()
    return figures


def test_search_benchmark_prints_figures() -> None:
    """Print keystroke latency, build time, memory and the fzf ratio (no timing asserts)."""
    figures = run(quick=os.environ.get("RMTUI_BENCH_QUICK") == "1")
    assert figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:] or os.environ.get("RMTUI_BENCH_QUICK") == "1")
