"""The demo programme: a deterministic, realistic reverse-mentoring programme to try rmtui on.

:func:`build_demo` fills an empty store with participants (junior mentors, senior mentees,
real reporting lines), a pilot wave that is mostly finished and a second wave in progress,
and pairs whose sessions show every state a coordinator triages relative to ``today``: on
track, overdue, notes late, follow-up missing, completed, paused, closed early, re-matched
and proposed. The same ``seed`` and ``today`` always give the same rows: every date and
timestamp derives from ``today`` and every choice from one ``random.Random(seed)``.

The build streams rows into one transaction so that 100,000 people take seconds, not
minutes, and never hold the whole programme in memory as dicts.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import json
import random
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pendulum

from rmtui.coaches import add_coach_in, assign_coach_in
from rmtui.db import Store, Wave, Writer
from rmtui.schedule import checkpoint_seq, wave_session_days
from rmtui.surveys import Answer, record_answer_in
from rmtui.waves import insert_wave

EVERY_STATE_PEOPLE = 50  # the smallest demo guaranteed to show every state
MENTOR_SHARE = 0.45
CADENCE_DAYS = 21  # The Hartford: every three to four weeks
SESSIONS_PLANNED = 7  # The Hartford: seven sessions in a wave
SESSION_MINUTES = 60
GRACE_DAYS = 3
NOTES_DUE_DAYS = 3  # session notes are due within three days
CHECKPOINT_SEQ = checkpoint_seq(SESSIONS_PLANNED)  # the mid-point checkpoint (4 of 7)
BUILD_CACHE_KIB = 64 * 1024

Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind the demo build wrote."""

    participants: int
    waves: int
    pairs: int
    sessions: int
    feedback: int


# -- the organisation -----------------------------------------------------------------------

# line of business -> (weight, departments, mentor job titles, chief title)
LINES_OF_BUSINESS: dict[str, tuple[int, tuple[str, ...], tuple[str, ...], str]] = {
    "Claims": (
        16,
        ("Property Claims", "Auto Claims", "Claims Operations", "Fraud Investigation"),
        ("Claims Analyst", "Claims Associate", "Claims Handler"),
        "Chief Claims Officer",
    ),
    "Finance": (
        12,
        ("Financial Planning & Analysis", "Treasury", "Group Accounting", "Tax"),
        ("Financial Analyst", "Finance Associate", "Accountant"),
        "Chief Financial Officer",
    ),
    "Technology": (
        18,
        ("Platform Engineering", "Data & Analytics", "Cyber Security", "Digital Products"),
        ("Software Engineer", "Data Analyst", "Cloud Engineer", "UX Designer"),
        "Chief Technology Officer",
    ),
    "Marketing": (
        9,
        ("Brand", "Digital Marketing", "Customer Insight", "Communications"),
        ("Marketing Executive", "Content Designer", "Social Media Analyst"),
        "Chief Marketing Officer",
    ),
    "HR": (
        8,
        ("Talent Acquisition", "Learning & Development", "Reward", "Diversity & Inclusion"),
        ("HR Associate", "Talent Coordinator", "People Analyst"),
        "Chief People Officer",
    ),
    "Risk": (
        10,
        ("Enterprise Risk", "Credit Risk", "Model Risk", "Compliance"),
        ("Risk Analyst", "Compliance Associate", "Model Validation Analyst"),
        "Chief Risk Officer",
    ),
    "Operations": (
        14,
        ("Customer Service", "Procurement", "Business Continuity", "Shared Services"),
        ("Operations Analyst", "Customer Service Associate", "Process Analyst"),
        "Chief Operating Officer",
    ),
    "Legal": (
        6,
        ("Corporate Legal", "Regulatory Affairs", "Litigation", "Privacy"),
        ("Paralegal", "Legal Associate", "Trainee Solicitor"),
        "General Counsel",
    ),
    "Underwriting": (
        7,
        ("Commercial Lines", "Personal Lines", "Specialty", "Reinsurance"),
        ("Underwriting Assistant", "Pricing Analyst", "Actuarial Analyst"),
        "Chief Underwriting Officer",
    ),
}
LOB_NAMES = tuple(LINES_OF_BUSINESS)
LOB_WEIGHTS = tuple(v[0] for v in LINES_OF_BUSINESS.values())

TEAM_NAMES = (
    "Triage", "Delivery", "Insights", "Controls", "Strategy", "Change", "Reporting",
    "Partnerships", "Service Design", "Automation", "Planning", "Quality",
)

# location -> (time zone, weight, cultures whose names are common there)
# department -> its three teams (a fixed rotation, so every build names teams alike)
TEAMS: dict[str, tuple[str, ...]] = {
    dept: tuple(f"{dept} – {TEAM_NAMES[(3 * d + 5 * k + line) % len(TEAM_NAMES)]}" for k in range(3))
    for line, lob in enumerate(LINES_OF_BUSINESS.values())
    for d, dept in enumerate(lob[1])
}

LOCATIONS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "London": ("Europe/London", 22, ("en", "in", "ng", "ie", "ar")),
    "Hartford": ("America/New_York", 18, ("us", "en", "ko", "es")),
    "New York": ("America/New_York", 12, ("us", "cn", "ko", "in")),
    "Dublin": ("Europe/Dublin", 9, ("ie", "en", "pl")),
    "Madrid": ("Europe/Madrid", 8, ("es", "pt", "fr")),
    "Kraków": ("Europe/Warsaw", 9, ("pl", "cz", "de")),
    "Singapore": ("Asia/Singapore", 8, ("cn", "vi", "in", "jp")),
    "Copenhagen": ("Europe/Copenhagen", 4, ("nordic", "de")),
    "Paris": ("Europe/Paris", 5, ("fr", "ar", "pt")),
    "Istanbul": ("Europe/Istanbul", 3, ("tr", "ar")),
    "Toronto": ("America/Toronto", 4, ("us", "cn", "in", "fr")),
}
LOCATION_NAMES = tuple(LOCATIONS)
LOCATION_WEIGHTS = tuple(v[1] for v in LOCATIONS.values())

# -- names -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Culture:
    given: tuple[str, ...]
    family: tuple[str, ...]
    birthplaces: tuple[str, ...]
    family_first: bool = False


# John, Smith, José and Núñez are deliberately absent: the one John Smith and the one José
# Núñez are featured people that roster-search tests rely on finding unambiguously.
CULTURES: dict[str, _Culture] = {
    "en": _Culture(
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Freya", "Arthur", "Poppy", "Theo",
         "Imogen", "Alfie", "Grace", "Henry", "Evie", "Rhys", "Megan", "Callum", "Niamh"),
        ("Taylor", "Brown", "Wilson", "Evans", "Roberts", "Walker", "Wright", "Hughes", "Green",
         "Clarke", "Patel", "Khan", "Begum", "Ashworth", "Pemberton", "Brontë", "Fairclough"),
        ("Manchester, United Kingdom", "Leeds, United Kingdom", "Bristol, United Kingdom",
         "Glasgow, United Kingdom", "Cardiff, United Kingdom", "Birmingham, United Kingdom"),
    ),
    "ie": _Culture(
        ("Siobhán", "Aoife", "Ciarán", "Niamh", "Seán", "Oisín", "Saoirse", "Eoin", "Caoimhe",
         "Pádraig", "Róisín", "Tadhg", "Clodagh", "Darragh"),
        ("Ó Briain", "O'Connor", "Murphy", "Ní Dhomhnaill", "Kelly", "Byrne", "Ó Súilleabháin",
         "Walsh", "Mac Giolla Phádraig", "Fitzgerald", "Ó Ceallaigh", "Doyle"),
        ("Cork, Ireland", "Galway, Ireland", "Limerick, Ireland", "Belfast, United Kingdom"),
    ),
    "es": _Culture(
        ("Lucía", "Javier", "Carmen", "Alejandro", "Pilar", "Íñigo", "Begoña", "Sergio",
         "Marta", "Álvaro", "Nuria", "Raúl", "Ainhoa", "Martín"),
        ("García", "Martínez", "Fernández", "López", "Sánchez", "Pérez", "Gómez", "Díaz",
         "Muñoz", "Jiménez", "Álvarez", "Ibáñez", "Echeverría", "Castaño"),
        ("Seville, Spain", "Bilbao, Spain", "Valencia, Spain", "Zaragoza, Spain",
         "Guadalajara, Mexico", "Bogotá, Colombia"),
    ),
    "pl": _Culture(
        ("Łukasz", "Agnieszka", "Małgorzata", "Paweł", "Zofia", "Wojciech", "Katarzyna",
         "Michał", "Grzegorz", "Joanna", "Bartłomiej", "Weronika"),
        ("Wróbel", "Nowak", "Mazur", "Krawczyk", "Zając", "Wójcik", "Kaczmarek", "Sikora",
         "Pawlak", "Dudek", "Kołodziej", "Szczęsny"),
        ("Wrocław, Poland", "Gdańsk, Poland", "Łódź, Poland", "Poznań, Poland"),
    ),
    "de": _Culture(
        ("Jürgen", "Lena", "Maximilian", "Anneliese", "Jörg", "Katrin", "Lukas", "Sophie",
         "Matthias", "Henrike", "Björn", "Müge"),
        ("Müller", "Schäfer", "Groß", "Weiß", "Köhler", "Schröder", "Krüger", "Fischer",
         "Hoffmann", "Vogel", "Brandstätter", "Löwe"),
        ("Munich, Germany", "Hamburg, Germany", "Vienna, Austria", "Zürich, Switzerland"),
    ),
    "fr": _Culture(
        ("Zoë", "Élodie", "François", "Amélie", "Thérèse", "Loïc", "Cécile", "Benoît",
         "Hélène", "Jérôme", "Anaïs", "Raphaël"),
        ("Lefèvre", "Dubois", "Moreau", "Girard", "Bonnet", "Fontaine", "Chevalier", "Mercier",
         "Lambert", "Rousseau", "Gauthier", "Beaumont"),
        ("Lyon, France", "Marseille, France", "Montréal, Canada", "Brussels, Belgium"),
    ),
    "nordic": _Culture(
        ("Søren", "Åsa", "Bjørn", "Ingrid", "Mikkel", "Sigríður", "Astrid", "Magnús", "Freja",
         "Øystein", "Linnéa", "Þórunn"),
        ("Kierkegaard-Hansen", "Jørgensen", "Lindqvist", "Åberg", "Sørensen", "Björklund",
         "Halvorsen", "Nyström", "Þórsdóttir", "Løvold", "Strøm", "Ægidius"),
        ("Aarhus, Denmark", "Oslo, Norway", "Gothenburg, Sweden", "Reykjavík, Iceland"),
    ),
    "vi": _Culture(
        ("Thị Lan", "Văn An", "Minh Anh", "Thu Hà", "Quốc Bảo", "Ngọc Mai", "Đức Huy",
         "Hải Yến", "Thanh Tùng", "Phương Linh"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"),
        ("Hanoi, Vietnam", "Ho Chi Minh City, Vietnam", "Đà Nẵng, Vietnam"),
        family_first=True,
    ),
    "in": _Culture(
        ("Priya", "Arjun", "Ananya", "Rohan", "Kavya", "Vikram", "Aditi", "Siddharth", "Meera",
         "Rahul", "Ishaan", "Diya", "Lakshmi", "Karthik"),
        ("Sharma", "Iyer", "Reddy", "Banerjee", "Chatterjee", "Nair", "Gupta", "Menon",
         "Desai", "Kapoor", "Rao", "Pillai", "Subramanian"),
        ("Mumbai, India", "Bengaluru, India", "Chennai, India", "Kolkata, India",
         "Leicester, United Kingdom"),
    ),
    "ng": _Culture(
        ("Chiamaka", "Oluwaseun", "Adébáyọ̀", "Ngozi", "Chinedu", "Folake", "Emeka", "Yetunde",
         "Tolulope", "Ifeoma", "Kelechi", "Damilọ́la"),
        ("Okonkwo", "Adeyemi", "Ògúnlẹ́yẹ", "Eze", "Balogun", "Nwosu", "Okafor", "Obi",
         "Ìdòwú", "Afolábí", "Nnamdi", "Oyelaran"),
        ("Lagos, Nigeria", "Abuja, Nigeria", "Enugu, Nigeria", "Accra, Ghana"),
    ),
    "us": _Culture(
        ("Aiyana", "Tyler", "Madison", "Jaylen", "Brooke", "Marcus", "Destiny", "Cody",
         "Hailey", "DeShawn", "Kayla", "Wyatt", "Savannah", "Dakota"),
        ("Whitehorse", "Johnson", "Williams", "Jackson", "Rodriguez", "Thompson",
         "Washington", "Harris", "Begay", "Robinson", "Carter", "Running Bear", "McAllister"),
        ("Hartford, Connecticut", "Boston, Massachusetts", "Phoenix, Arizona",
         "Atlanta, Georgia", "Albuquerque, New Mexico", "Chicago, Illinois"),
    ),
    "cn": _Culture(
        ("Wěi", "Fāng", "Jìng", "Hào", "Xiù Yīng", "Mǐn", "Léi", "Tíngting", "Jūn", "Yǔxuān"),
        ("Zhāng", "Wáng", "Lǐ", "Liú", "Chén", "Yáng", "Huáng", "Zhào", "Wú", "Zhōu", "Tan"),
        ("Shanghai, China", "Guangzhou, China", "Kuala Lumpur, Malaysia", "Singapore"),
        family_first=True,
    ),
    "jp": _Culture(
        ("Haruto", "Yūki", "Sakura", "Ren", "Aoi", "Sōta", "Hina", "Kenji", "Yui", "Takumi"),
        ("Satō", "Itō", "Katō", "Ōtani", "Yamamoto", "Nakamura", "Kobayashi", "Saitō",
         "Watanabe", "Takahashi"),
        ("Osaka, Japan", "Tokyo, Japan", "Sapporo, Japan"),
    ),
    "ko": _Culture(
        ("Ji-woo", "Seo-yeon", "Min-jun", "Ha-eun", "Do-yun", "Su-bin", "Ye-jin", "Hyun-woo"),
        ("Kim", "Park", "Choi", "Jung", "Kang", "Yoon", "Han", "Seo"),
        ("Seoul, South Korea", "Busan, South Korea", "Los Angeles, California"),
    ),
    "tr": _Culture(
        ("Ayşe", "Mehmet", "Çağla", "Emre", "Şule", "Gökhan", "Özge", "İbrahim", "Elif",
         "Burak"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan", "Doğan",
         "Kılıç"),
        ("Izmir, Türkiye", "Ankara, Türkiye", "Bursa, Türkiye"),
    ),
    "pt": _Culture(
        ("João", "Inês", "Gonçalo", "Leonor", "Tomás", "Beatriz", "Luís", "Mariana",
         "Sebastião", "Conceição"),
        ("Gonçalves", "Magalhães", "Araújo", "Simões", "Brandão", "Guimarães", "Falcão",
         "Lourenço", "Assunção", "Carvalho"),
        ("Lisbon, Portugal", "Porto, Portugal", "São Paulo, Brazil", "Recife, Brazil"),
    ),
    "cz": _Culture(
        ("Jiří", "Květa", "Tomáš", "Zdeněk", "Lenka", "Ondřej", "Bálint", "Réka", "Ödön",
         "Zsófia"),
        ("Dvořák", "Procházka", "Černý", "Růžička", "Horváth", "Szűcs", "Kovács", "Tóth",
         "Bíró", "Šťastný"),
        ("Prague, Czechia", "Brno, Czechia", "Budapest, Hungary", "Debrecen, Hungary"),
    ),
    "ar": _Culture(
        ("Yasmin", "Omar", "Layla", "Karim", "Nour", "Tariq", "Rania", "Youssef", "Salma",
         "Hamza"),
        ("Haddad", "Al-Masri", "Khoury", "Mansour", "El-Sayed", "Nasser", "Saleh", "Farouk",
         "Aziz", "Hamdan"),
        ("Amman, Jordan", "Beirut, Lebanon", "Cairo, Egypt", "Casablanca, Morocco"),
    ),
}
CULTURE_NAMES = tuple(CULTURES)


@dataclass(frozen=True)
class _Featured:
    given: str
    family: str
    culture: str
    role: str
    location: str
    family_first: bool = False

    @property
    def name(self) -> str:
        return f"{self.family} {self.given}" if self.family_first else f"{self.given} {self.family}"


# Always in the demo, once each, at low ids (fuzzy-search tests find them by name).
FEATURED: tuple[_Featured, ...] = (
    _Featured("John", "Smith", "en", "mentee", "Hartford"),
    _Featured("José", "Núñez", "es", "mentor", "Madrid"),
    _Featured("Zoë", "Brontë", "en", "mentor", "London"),
    _Featured("Łukasz", "Wróbel", "pl", "mentor", "Kraków"),
    _Featured("Siobhán", "Ó Briain", "ie", "mentee", "Dublin"),
    _Featured("Aiyana", "Whitehorse", "us", "mentor", "Hartford"),
    _Featured("Thị Lan", "Nguyễn", "vi", "mentee", "Singapore", family_first=True),
    _Featured("Søren", "Kierkegaard-Hansen", "nordic", "mentee", "Copenhagen"),
)
FEATURED_NAMES = frozenset(f.name for f in FEATURED)

# Letters NFKD does not decompose into an ASCII base letter.
_ASCII_LETTERS = str.maketrans({
    "ł": "l", "ø": "o", "ß": "ss", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d",
    "ı": "i", "ħ": "h",
})


def ascii_fold(text: str) -> str:
    """Return ``text`` lower-cased in plain ASCII letters ("Łukasz Wróbel" → "lukasz wrobel")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_ASCII_LETTERS))
    return "".join(ch for ch in decomposed if ch.isascii() and not unicodedata.combining(ch))


@functools.cache
def email_local_part(given: str, family: str) -> str:
    """Return ``firstname.lastname`` for an email, ASCII only ("Siobhán", "Ó Briain" → "siobhan.obriain")."""
    def part(text: str) -> str:
        return "".join(ch for ch in ascii_fold(text) if ch.isalnum() or ch == "-")

    return f"{part(given)}.{part(family)}"


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def json_list(items: Iterable[str]) -> str:
    """Return ``json.dumps(items, ensure_ascii=False)`` for a list of strings, faster: the
    demo's strings come from short fixed lists, so their encodings are cached."""
    return "[" + ", ".join(map(_quoted, items)) + "]"


# -- profiles --------------------------------------------------------------------------------

HOBBIES = (
    "Running", "Rock climbing", "Sourdough baking", "Chess", "Photography", "Video games",
    "Podcasting", "Salsa dancing", "Gardening", "Cycling", "Yoga", "Birdwatching",
    "Board games", "Knitting", "Open-water swimming", "Football", "Cricket", "Hiking",
    "Watercolour painting", "Guitar", "Choir singing", "Volunteering", "Cooking", "Travel",
    "Cryptic crosswords", "Crime fiction", "Film photography", "Pottery", "Skiing", "Sailing",
    "Tennis", "Padel", "Marathons", "Anime", "Stand-up comedy", "Vinyl collecting",
    "Foraging", "Dog training", "Beekeeping", "Surfing", "Karate", "Amateur theatre",
)
INTERESTS = (
    "AI ethics", "Climate tech", "Behavioural economics", "Personal finance", "Urban design",
    "History", "Space exploration", "Mental health", "Neurodiversity", "Accessibility",
    "Esports", "Creator economy", "Sustainable fashion", "Fintech", "Cyber security",
    "Open source", "Data visualisation", "Music production", "Electric vehicles",
    "Public speaking", "Learning languages", "Philosophy", "Psychology", "Architecture",
    "Social enterprise", "Food culture", "Nutrition", "Wellbeing", "Start-ups",
    "Web3", "Smart homes", "Economics", "Documentaries", "Board game design",
    "Community organising", "Future of work", "Insurtech", "Short-form video", "Poetry",
    "Travel hacking",
)

# What a mentee wants to learn, the matching thing a mentor offers, and session agendas.
TOPICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Build a confident presence on LinkedIn", "LinkedIn and professional social media",
     ("Rewrite the LinkedIn headline together", "Plan a month of posts")),
    ("Understand TikTok and short-form video", "Short-form video (TikTok, Reels)",
     ("Watch the feed together and decode the trends", "Film a first 30-second video")),
    ("Use generative AI tools in everyday work", "Generative AI tools and prompting",
     ("Prompting basics on a real email", "Build a custom assistant for meeting notes")),
    ("Hear the Gen Z perspective on work", "Gen Z perspective on careers and work",
     ("What graduates look for in a first job", "Feedback styles across generations")),
    ("Lead more inclusively", "Lived experience of inclusion at work",
     ("Inclusive meetings: who speaks, who doesn't", "Review a team ritual for inclusion")),
    ("Get fluent with collaboration tools", "Teams, Slack and async collaboration",
     ("Set up channels instead of reply-all", "Async updates instead of status meetings")),
    ("Read data dashboards with confidence", "Data literacy and dashboards",
     ("Build a dashboard from a team spreadsheet", "Spot a misleading chart")),
    ("Understand how younger customers buy", "Digital-native customer journeys",
     ("Walk through buying a policy on a phone", "Review app-store reviews together")),
    ("Improve personal cyber hygiene", "Cyber security habits",
     ("Password managers and passkeys", "Spot the phishing email")),
    ("Make communication accessible", "Accessibility and inclusive design",
     ("Screen-reader walk-through of our website", "Plain-language rewrite of a memo")),
    ("Strengthen the employer brand with graduates", "Graduate recruitment and campus life",
     ("How graduates research employers", "Review our careers page together")),
    ("Understand neurodiversity at work", "Neurodiversity awareness",
     ("Adjustments that help a neurodivergent colleague", "Rethink an interview format")),
    ("Respond to younger customers' sustainability expectations", "Sustainability and ESG",
     ("What 'greenwashing' looks like to a 24-year-old", "Review our sustainability page")),
    ("Work well in a hybrid team", "Remote and hybrid working habits",
     ("Design a hybrid team week", "Running a meeting where remote people are equal")),
    ("Build a personal brand through podcasts and writing", "Podcasting and content creation",
     ("Record a 10-minute internal podcast", "Edit and publish the episode")),
    ("Understand the creator economy", "Influencer and creator marketing",
     ("How a creator earns a living", "Evaluate a creator partnership")),
)
LEADERSHIP_COMPETENCIES = (
    "Strategic planning", "Stakeholder management", "Budget ownership", "Negotiation",
    "Leading through change", "Board reporting", "Crisis management", "Coaching leaders",
    "Regulatory relationships", "Mergers and integration", "Executive presence",
    "Building high-performing teams",
)
EARLY_CAREER_GOALS = (
    "Understand how senior decisions are made", "Build executive presence",
    "Learn to influence without authority", "Grow a network beyond my team",
    "See the business strategy end to end", "Present with confidence to senior audiences",
    "Understand budgets and commercial trade-offs", "Explore a move into leadership",
)
MENTOR_DEGREES = (
    "BSc Computer Science", "BA Economics", "BSc Mathematics", "BA English Literature",
    "BSc Psychology", "LLB Law", "BSc Data Science", "BA Business Management",
    "BEng Software Engineering", "BA History", "Level 4 Apprenticeship, Data Analysis",
    "BSc Actuarial Science", "BA Marketing", "BSc Accounting and Finance",
)
MENTEE_DEGREES = (
    "MBA", "MSc Finance", "BA Economics; MBA", "LLM Commercial Law", "BSc Engineering; MBA",
    "MA Modern Languages", "BSc Physics; ACA", "PhD Statistics", "BA Philosophy; FCII",
    "BSc Economics; CFA", "MSc Actuarial Science; FIA",
)
UNIVERSITIES = (
    "University of Manchester", "University of Leeds", "Trinity College Dublin",
    "Universidad Complutense de Madrid", "Jagiellonian University", "University of Connecticut",
    "NYU", "National University of Singapore", "University of Copenhagen", "Sciences Po",
    "University of Toronto", "Boğaziçi University", "INSEAD", "London Business School",
    "University of Edinburgh", "Open University", "Universidade de Lisboa", "Yale University",
)
MENTOR_ROLE_STATEMENTS = (
    "Builds the weekly {dept} performance report",
    "Supports the {team} team with data requests",
    "Answers customer and broker queries for {dept}",
    "Maintains automation scripts that save the team hours each week",
    "Runs the {team} team's social channels and intranet page",
    "Co-organises the graduate network in {location}",
    "Tests new digital tools before they roll out to {lob}",
    "Prepares analysis packs for {dept} leadership meetings",
    "Documents processes and trains new joiners",
    "Volunteers as a mental-health first aider",
)
MENTEE_ROLE_STATEMENTS = (
    "Leads {dept} across {n} teams",
    "Owns a budget of {budget}m for {lob}",
    "Sits on the {lob} executive committee",
    "Sponsors the {lob} transformation programme",
    "Accountable for regulatory reporting in {dept}",
    "Chairs the {location} site leadership forum",
    "Leads relationships with our largest partners in {lob}",
    "Sponsors the {lob} diversity and inclusion plan",
    "Responsible for customer outcomes in {dept}",
    "Represents {lob} in enterprise risk reviews",
)
MENTOR_EXPERIENCE = (
    "Joined from the graduate scheme after rotations in two departments.",
    "Two years at a fintech start-up before joining.",
    "Apprentice who joined straight from college; finished the apprenticeship with distinction.",
    "Worked in retail management while studying part-time.",
    "Internship in {lob}, then a permanent role.",
    "Ran a student society with 400 members and a popular TikTok account.",
    "Freelance web developer before joining.",
    "Career changer: previously a secondary-school teacher.",
)
MENTEE_EXPERIENCE = (
    "{years} years in insurance; previously led {lob} at a global carrier.",
    "Came up through {lob}: started as a trainee and has held six roles here.",
    "Management consultant for a decade before moving in-house.",
    "Ran operations in three countries before leading {lob}.",
    "Former regulator; joined to build the {dept} function.",
    "Led two acquisitions and their integration.",
)

MENTOR_LEVEL_WEIGHTS = ((1, 2, 3, 4), (15, 35, 35, 15))
MENTEE_LEVEL_WEIGHTS = ((6, 7, 8, 9, 10), (38, 28, 20, 11, 3))
MENTEE_TITLES = {
    6: "Director, {dept}",
    7: "Senior Director, {dept}",
    8: "VP {lob}",
    9: "SVP, Head of {lob}",
}
RATINGS = (1, 2, 3, 4, 5)
RATING_WEIGHTS = (2, 5, 13, 40, 40)  # most mentees rate it good or one of the best
CLOSE_RATING_WEIGHTS = (5, 15, 35, 30, 15)

COACHES = (
    "Priya Raman (HR)", "Tom Okafor (HR)", "Margit Szabó (HR)", "Hannah Cole (HR)",
    "Diego Fuentes (L&D)", "Aisling Byrne (D&I)",
)
# Clean, no-blame conclusions: (reason, who leaves the programme, whether to re-match).
CLOSE_REASONS: tuple[tuple[str, str | None], ...] = (
    ("schedule: mentee moved role", "mentee"),
    ("schedule: mentor moved to a shift pattern that no longer overlaps", None),
    ("workload: mentor started a demanding project launch", "mentor"),
    ("availability: mentee on extended leave", "mentee"),
    ("fit: both agreed a different match would serve the goals better", None),
    ("left the company: mentor took a role elsewhere", "mentor"),
)
REMATCH_REASON = "fit: both agreed a different match would serve the goals better"
PAUSE_AGENDA = "Postponed: pair paused while the mentee is on leave"
OVERRIDE_REASONS = (
    "Mentee asked for someone who knows the team's systems first-hand",
    "Only mentor in the mentee's time zone offering these competencies",
    "Different department and site; coach agreed the benefit outweighs the risk",
)
NOTE_OUTCOMES = (
    "Good energy; agreed a small experiment to try before next time.",
    "Mentee tried it live during the session and wants to practise more.",
    "We ran over time because the discussion was so useful.",
    "Shared three examples; mentee will pick one to try with their team.",
    "Honest conversation about what gets in the way; next step agreed.",
    "Mentee surprised by how quick it was once shown; will use it this week.",
    "Mentor learned a lot about how decisions get made at the top too.",
)
FOLLOW_UPS = (
    "try it once before the next session", "share an example with their team",
    "read the two links I sent", "practise for ten minutes a day", "ask their team for feedback",
)
COMMENTS = {
    "pre": ("Looking forward to it.", "Curious how this will work with my diary.",
            "Hoping to learn things my team takes for granted.", "A little nervous, in a good way.", ""),
    "mid": ("Sessions are the highlight of my month.", "Useful so far; we need to protect the time.",
            "Already using what I learned.", "Scheduling is the hardest part.", ""),
    "post": ("One of the best development experiences I have had.",
             "Changed how I run my team meetings.", "I learned as much as I taught.",
             "Would do it again and recommend it.", "Good, though we lost momentum mid-way.", ""),
    "close": ("Right call to stop; thank you for the support.",
              "We got value from the sessions we had.", "Timing was against us.", ""),
}

_ZONES: dict[str, ZoneInfo] = {}


# -- the build -------------------------------------------------------------------------------

@dataclass
class _Pair:
    """One planned pair: who, when and how its sessions turn out."""

    id: int
    wave: int  # 1 = pilot, 2 = wave 2
    mentor: int
    mentee: int
    kind: str
    status: str
    start: int | None  # day ordinals
    dues: list[int] = field(default_factory=list)  # the master schedule's due days (ordinals)
    end: int | None = None
    last_held: int = SESSIONS_PLANNED  # closed early / paused: last session held
    pause: int | None = None
    close_reason: str | None = None
    created: int = 0
    topic: int = 0
    score: float = 0.0
    overrides: list[dict[str, Any]] = field(default_factory=list)
    checkpoint_held: int | None = None  # filled while writing sessions


class _DemoBuilder:
    """Plans and writes one demo programme; one instance per build."""

    def __init__(self, people: int, seed: int, today: dt.date, progress: Progress | None) -> None:
        self.rng = random.Random(seed)
        self.n = people
        self.today = today.toordinal()
        self.progress = progress
        self._iso: dict[int, str] = {}
        self._cumulative: dict[tuple[int, ...], list[int]] = {}
        pilot = pendulum.Date(today.year, today.month, today.day).subtract(months=7)
        self.wave_start = {1: self._monday(pilot.toordinal()), 2: self._monday(self.today - 70)}
        self.waves = {
            number: Wave(
                name=name, starts_on=self.iso(self.wave_start[number]), cadence_days=CADENCE_DAYS,
                sessions_planned=SESSIONS_PLANNED, session_minutes=SESSION_MINUTES, grace_days=GRACE_DAYS,
                notes_due_days=NOTES_DUE_DAYS,
            )
            for number, name in ((1, "Wave 1 (pilot)"), (2, "Wave 2"))
        }
        # per-participant columns (index = id - 1)
        self.role: list[str] = []
        self.level: list[int] = []
        self.lob: list[str] = []
        self.dept: list[str] = []
        self.team: list[str] = []
        self.location: list[str] = []
        self.hobbies: list[tuple[int, ...]] = []
        self.interests: list[tuple[int, ...]] = []
        self.topics: list[tuple[int, ...]] = []
        self.manager: list[int | None] = []
        self.featured: dict[int, _Featured] = {}
        self.status: list[str] = []
        self.capacity: list[int] = []
        self.created: list[int] = []
        self.updated: list[int] = []
        self.given: list[str] = []
        self.pairs: list[_Pair] = []
        self.done = 0
        self.total = 1

    # -- chance ----------------------------------------------------------------------
    # random.Random's choice/randint/sample are several times slower than random() itself,
    # which matters at 100,000 people; these draw from the same seeded generator.

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        """Return a whole number from ``low`` to ``high`` inclusive."""
        return low + int(self.rng.random() * (high - low + 1))

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """Return ``k`` different items of ``items`` (k much smaller than len(items))."""
        chosen: list[int] = []
        while len(chosen) < k:
            index = int(self.rng.random() * len(items))
            if index not in chosen:
                chosen.append(index)
        return [items[index] for index in chosen]

    def weighted(self, items: Sequence[T], weights: tuple[int, ...]) -> T:
        cumulative = self._cumulative.get(weights)
        if cumulative is None:
            cumulative = self._cumulative[weights] = list(itertools.accumulate(weights))
        return items[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    # -- dates -----------------------------------------------------------------------

    @staticmethod
    def _monday(ordinal: int) -> int:
        return ordinal - (ordinal - 1) % 7

    def iso(self, ordinal: int) -> str:
        text = self._iso.get(ordinal)
        if text is None:
            text = self._iso[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    def instant(self, ordinal: int) -> str:
        """Return a working-hours UTC instant on day ``ordinal`` (never after today)."""
        ordinal = min(ordinal, self.today - 1)
        hour, minute = divmod(int(self.rng.random() * 600), 60)
        return f"{self.iso(ordinal)}T{8 + hour:02d}:{minute:02d}:00Z"

    def stamps(self, created: int, updated: int) -> dict[str, str]:
        """Return created_at and updated_at instants, the update never before the creation."""
        created_at = self.instant(created)
        if min(updated, self.today - 1) <= min(created, self.today - 1):
            return {"created_at": created_at, "updated_at": created_at}
        return {"created_at": created_at, "updated_at": self.instant(updated)}

    def _weekday(self, ordinal: int) -> int:
        """Move a weekend day to the nearest weekday (Saturday back, Sunday forward)."""
        weekday = (ordinal - 1) % 7
        if weekday == 5:
            return ordinal - 1
        if weekday == 6:
            return ordinal + 1
        return ordinal

    def due(self, pair: _Pair, seq: int) -> int:
        """Return the due day (ordinal) of session ``seq``: the master schedule's rule."""
        return pair.dues[seq - 1]

    # -- progress --------------------------------------------------------------------

    def advance(self, rows: int) -> None:
        self.done = min(self.total, self.done + rows)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def counted(self, rows: Iterable[Mapping[str, Any]], every: int = 5000) -> Iterator[Mapping[str, Any]]:
        pending = 0
        for row in rows:
            yield row
            pending += 1
            if pending == every:
                self.advance(pending)
                pending = 0
        if pending:
            self.advance(pending)

    # -- people ----------------------------------------------------------------------

    def plan_people(self) -> None:
        """Draw every participant's role, grade, organisation, location and interests."""
        rng, n = self.rng, self.n
        mentors = round(n * MENTOR_SHARE)
        roles = ["mentor"] * mentors + ["mentee"] * (n - mentors)
        rng.shuffle(roles)
        self.role = roles
        early = list(range(min(n, 30)))
        rng.shuffle(early)
        for person in FEATURED:
            index = next((i for i in early if roles[i] == person.role and i not in self.featured), None)
            if index is not None:
                self.featured[index] = person
        topics = range(len(TOPICS))
        hobbies, interests = range(len(HOBBIES)), range(len(INTERESTS))
        sample, between = self.sample, self.between
        for i in range(n):
            lob = self.weighted(LOB_NAMES, LOB_WEIGHTS)
            dept = self.pick(LINES_OF_BUSINESS[lob][1])
            featured = self.featured.get(i)
            if roles[i] == "mentor":
                level = self.weighted(*MENTOR_LEVEL_WEIGHTS)
            else:
                level = self.weighted(*MENTEE_LEVEL_WEIGHTS)
            if featured is not None:
                location = featured.location
                if featured.name == "John Smith":
                    lob, dept, level = "Claims", "Property Claims", 7
            else:
                location = self.weighted(LOCATION_NAMES, LOCATION_WEIGHTS)
            self.lob.append(lob)
            self.dept.append(dept)
            self.team.append(self.pick(TEAMS[dept]))
            self.level.append(level)
            self.location.append(location)
            self.hobbies.append(tuple(sample(hobbies, between(2, 4))))
            self.interests.append(tuple(sample(interests, between(2, 4))))
            self.topics.append(tuple(sample(topics, between(3, 4))))
        self.status = ["active"] * n
        self.capacity = [1] * n
        self.created = [0] * n
        self.updated = [0] * n
        self.plan_reporting_lines()

    def plan_reporting_lines(self) -> None:
        """Give mentees managers above them in their line of business, and many mentors a
        manager among the mentees of their department (so reporting-line rules bite)."""
        rng = self.rng
        by_lob: dict[tuple[str, int], list[int]] = {}
        by_dept: dict[tuple[str, int], list[int]] = {}
        for i in range(self.n):
            if self.role[i] == "mentee":
                by_lob.setdefault((self.lob[i], self.level[i]), []).append(i)
                by_dept.setdefault((self.dept[i], self.level[i]), []).append(i)
        manager: list[int | None] = [None] * self.n
        for i in range(self.n):
            if self.role[i] == "mentee":
                above = range(self.level[i] + 1, 11)
                near = [by_dept.get((self.dept[i], lv)) for lv in above] if rng.random() < 0.7 else []
                groups = [g for g in near if g] or [g for lv in above if (g := by_lob.get((self.lob[i], lv)))]
                if groups:
                    group = groups[0] if len(groups) == 1 or rng.random() < 0.7 else groups[1]
                    manager[i] = self.pick(group)
            elif rng.random() < 0.55:
                seniors = by_dept.get((self.dept[i], 6)) or by_dept.get((self.dept[i], 7))
                if seniors:
                    manager[i] = self.pick(seniors)
        self.manager = manager

    def in_reporting_line(self, a: int, b: int) -> bool:
        """True when ``a`` manages ``b`` (at any distance) or the other way round."""
        for low, high in ((a, b), (b, a)):
            seen, boss = 0, self.manager[low]
            while boss is not None and seen < 20:
                if boss == high:
                    return True
                boss, seen = self.manager[boss], seen + 1
        return False

    # -- pairing ---------------------------------------------------------------------

    def match_score(self, mentor: int, mentee: int) -> float:
        shared = len(set(self.hobbies[mentor]) & set(self.hobbies[mentee]))
        shared += len(set(self.interests[mentor]) & set(self.interests[mentee]))
        offered = len(set(self.topics[mentor]) & set(self.topics[mentee]))
        return min(0.99, 0.45 + 0.07 * shared + 0.09 * offered + self.rng.random() * 0.08)

    def pick_mentor(self, pool: list[int], mentee: int, *, same_lob: bool = False) -> int | None:
        """Take the best of a few random mentors from another line of business (or, for an
        overridden pair, from the mentee's line of business but another department)."""
        rng = self.rng

        def fits(mentor: int) -> bool:
            if same_lob:
                return (
                    self.lob[mentor] == self.lob[mentee]
                    and self.dept[mentor] != self.dept[mentee]
                    and not self.in_reporting_line(mentor, mentee)
                )
            return self.lob[mentor] != self.lob[mentee]

        best, best_score = -1, -1.0
        for attempt in range(60 if same_lob else 6):
            if not pool or (best >= 0 and attempt >= 4):
                break
            index = int(rng.random() * len(pool))
            if fits(pool[index]):
                score = self.match_score(pool[index], mentee)
                if score > best_score:
                    best, best_score = index, score
        if best < 0:
            best = next((k for k, m in enumerate(pool) if fits(m)), -1)
            if best < 0:
                return None
        mentor = pool[best]
        pool[best] = pool[-1]
        pool.pop()
        return mentor

    def plan_pairs(self) -> None:
        """Match mentors to mentees and decide how each pair's programme has gone so far."""
        rng = self.rng
        mentors = [i for i in range(self.n) if self.role[i] == "mentor"]
        mentees = [i for i in range(self.n) if self.role[i] == "mentee"]
        rng.shuffle(mentors)
        rng.shuffle(mentees)
        reserve_mentors = max(3, round(len(mentors) * 0.18))
        reserve_mentees = max(3, round(len(mentees) * 0.12))
        # Every state a coordinator triages, present even in the smallest demo.
        required = [
            (1, "completed"), (1, "completed"), (1, "completed_missed"),
            (1, "closed_early_moved_role"), (1, "late_finisher"),
            (2, "on_track_two_mentees"), (2, "on_track"), (2, "on_track_override"),
            (2, "overdue"), (2, "overdue"), (2, "notes_late"), (2, "missing_followup"),
            (2, "bumpy"), (2, "paused"), (2, "rematch"), (0, "proposed"), (0, "proposed"),
        ]
        pilot_kinds = ("completed", "completed_missed", "late_finisher", "closed_early")
        pilot_weights = (76, 8, 5, 11)
        wave2_kinds = ("on_track", "overdue", "notes_late", "missing_followup", "bumpy", "paused", "closed_early", "rematch")
        wave2_weights = (52, 15, 10, 6, 6, 3, 5, 3)
        plans = iter(required)
        spare_capacity_given = False
        while True:
            plan = next(plans, None)
            if plan is None:
                if len(mentors) <= reserve_mentors + 1 or len(mentees) <= reserve_mentees:
                    break
                draw = rng.random()
                if draw < 0.04:
                    plan = (0, "proposed")
                elif draw < 0.26:
                    plan = (1, self.weighted(pilot_kinds, pilot_weights))
                else:
                    plan = (2, self.weighted(wave2_kinds, wave2_weights))
                    if plan[1] == "on_track" and rng.random() < 0.03:
                        plan = (2, "on_track_override")
            wave, kind = plan
            if not mentees:
                break
            mentee = mentees.pop()
            mentor = self.pick_mentor(mentors, mentee, same_lob=kind == "on_track_override")
            if mentor is None and kind == "on_track_override":
                kind = "on_track"
                mentor = self.pick_mentor(mentors, mentee)
            if mentor is None:
                mentees.append(mentee)
                break
            self.add_pair(wave, kind, mentor, mentee)
            if kind == "on_track_two_mentees":
                self.capacity[mentor] = 2
                second = self.take_mentee(mentees, mentor)
                if second is not None:
                    self.add_pair(2, "on_track", mentor, second)
            elif kind == "rematch":
                again = self.pick_mentor(mentors, mentee)
                if again is not None:
                    self.add_pair(2, "rematched", again, mentee, after=self.pairs[-1])
            elif wave == 2 and not spare_capacity_given and kind == "bumpy":
                self.capacity[mentor] = 2  # a mentor with room for one more mentee
                spare_capacity_given = True
            elif wave == 2 and rng.random() < 0.015:
                self.capacity[mentor] = 2
        self.plan_unpaired(mentors, "mentor")
        self.plan_unpaired(mentees, "mentee")

    def take_mentee(self, mentees: list[int], mentor: int) -> int | None:
        for k in range(len(mentees) - 1, -1, -1):
            if self.lob[mentees[k]] != self.lob[mentor]:
                return mentees.pop(k)
        return None

    def add_pair(self, wave: int, kind: str, mentor: int, mentee: int, after: _Pair | None = None) -> None:
        """Plan one pair's dates and outcome, and the statuses it gives its two people."""
        rng = self.rng
        today = self.today
        pair = _Pair(
            id=len(self.pairs) + 1, wave=wave or 2, mentor=mentor, mentee=mentee, kind=kind,
            status="active", start=None,
        )
        shared_topics = [t for t in self.topics[mentee] if t in self.topics[mentor]]
        pair.topic = shared_topics[0] if shared_topics else self.topics[mentee][0]
        pair.score = round(self.match_score(mentor, mentee), 2)
        pair.created = self.wave_start[pair.wave] - self.between(7, 20)
        if kind == "proposed":
            pair.status = "proposed"
            pair.created = today - self.between(1, 10)
            pair.score = round(max(pair.score, 0.6), 2)
            self.people_status(pair, "applicant", "applicant", pair.created - self.between(5, 40))
            self.pairs.append(pair)
            return
        if after is not None:
            assert after.end is not None
            confirmed = self._weekday(after.end + self.between(7, 10))
            pair.created = after.end + self.between(2, 5)
        else:
            confirmed = self.wave_start[pair.wave] + self.pick((0, 0, 0, 1, 2, 3))  # some a few days late
        # The plan a coordinator's confirmation makes: the same function as confirm_pair's.
        pair.dues = [day.toordinal() for day in wave_session_days(self.waves[pair.wave], dt.date.fromordinal(confirmed))]
        pair.start = pair.dues[0]
        intake = pair.created - self.between(14, 50)
        if kind in ("completed", "completed_missed"):
            pair.status = "completed"
            pair.end = self.due(pair, SESSIONS_PLANNED) + self.between(2, 9)
            done = "alumni" if rng.random() < 0.7 else "active"
            self.people_status(pair, done, done, intake, pair.end + self.between(1, 14))
        elif kind in ("closed_early", "closed_early_moved_role", "rematch"):
            pair.status = "closed_early"
            if kind == "rematch":
                pair.last_held = 2
                reason, leaver = REMATCH_REASON, None
            else:
                last_past = max(s for s in range(1, SESSIONS_PLANNED + 1) if self.due(pair, s) + 7 < today)
                pair.last_held = self.between(1, max(1, min(last_past, SESSIONS_PLANNED - 1)))
                if kind == "closed_early_moved_role":
                    reason, leaver = CLOSE_REASONS[0]
                else:
                    reason, leaver = self.pick(CLOSE_REASONS)
            pair.end = min(self.due(pair, pair.last_held) + self.between(3, 9), today - 1)
            pair.close_reason = reason
            self.people_status(
                pair,
                "withdrawn" if leaver == "mentor" else "active",
                "withdrawn" if leaver == "mentee" else "active",
                intake,
                pair.end + 1,
            )
        elif kind == "paused":
            pair.status = "paused"
            pair.last_held = self.between(2, 3)
            pair.pause = self.due(pair, pair.last_held) + self.between(4, 10)
            self.people_status(pair, "active", "active", intake, pair.pause)
        else:
            self.people_status(pair, "active", "active", intake)
        if kind == "on_track_override":
            pair.overrides = [{
                "rule": "different_line_of_business",
                "reason": self.pick(OVERRIDE_REASONS),
                "who": "coordinator",
                "when": self.instant(pair.created),
            }]
        self.pairs.append(pair)

    def people_status(self, pair: _Pair, mentor: str, mentee: str, created: int, changed: int | None = None) -> None:
        for person, status in ((pair.mentor, mentor), (pair.mentee, mentee)):
            if self.created[person] == 0 or created < self.created[person]:
                self.created[person] = created
            self.status[person] = status  # a later pair (a re-match, a second mentee) decides
            last = min(changed if changed is not None else created, self.today - 1)
            self.updated[person] = max(self.updated[person], last, self.created[person])

    def plan_unpaired(self, people: list[int], role: str) -> None:
        """People not in a pair: recent applicants, people waiting for a match, withdrawals."""
        rng = self.rng
        for person in people:
            draw = rng.random()
            if draw < 0.45:
                status, created = "applicant", self.today - self.between(2, 45)
            elif draw < (0.88 if role == "mentee" else 0.85):
                status, created = "active", self.wave_start[2] - self.between(7, 50)
            else:
                status, created = "withdrawn", self.wave_start[2] - self.between(10, 60)
            self.status[person] = status
            self.created[person] = created
            later = created if status == "applicant" else created + self.between(5, 40)
            self.updated[person] = min(later, self.today - 1)

    # -- rows ------------------------------------------------------------------------

    def participant_rows(self) -> Iterator[dict[str, Any]]:
        """Yield every participant as a row, drawing names and profile text as it goes."""
        rng = self.rng
        used_emails: dict[str, int] = {}
        dumps = json.dumps
        no_attributes = dumps({})
        for i in range(self.n):
            featured = self.featured.get(i)
            location = self.location[i]
            if featured is not None:
                given, family, name = featured.given, featured.family, featured.name
                culture = CULTURES[featured.culture]
            else:
                local = LOCATIONS[location][2]
                key = self.pick(local) if rng.random() < 0.6 else self.pick(CULTURE_NAMES)
                culture = CULTURES[key]
                while True:
                    given, family = self.pick(culture.given), self.pick(culture.family)
                    name = f"{family} {given}" if culture.family_first else f"{given} {family}"
                    if name not in FEATURED_NAMES:
                        break
            self.given.append(given.split()[-1] if culture.family_first else given)
            base = email_local_part(given.split()[-1] if culture.family_first else given, family)
            count = used_emails.get(base, 0) + 1
            used_emails[base] = count
            # names hold no digits, so "john.smith2" can never be another person's base
            email = f"{base}@example.com" if count == 1 else f"{base}{count}@example.com"
            role, level, lob, dept = self.role[i], self.level[i], self.lob[i], self.dept[i]
            created = self.created[i]
            fill = {
                "dept": dept, "team": self.team[i], "lob": lob, "location": location,
                "n": self.between(3, 12), "budget": f"£{self.between(2, 90)}",
                "years": self.between(12, 30),
            }
            topics = self.topics[i]
            if role == "mentor":
                title = self.pick(LINES_OF_BUSINESS[lob][2])
                title = {1: f"Graduate {title}", 4: f"Senior {title}"}.get(level, title)
                joined = created - int(rng.triangular(30, 1800, 200))
                statements = self.sample(MENTOR_ROLE_STATEMENTS, self.between(3, 5))
                goals = self.sample(EARLY_CAREER_GOALS, self.between(2, 3))
                competencies = [TOPICS[t][1] for t in topics]
                experience = self.pick(MENTOR_EXPERIENCE)
                education = f"{self.pick(MENTOR_DEGREES)}, {self.pick(UNIVERSITIES)}"
                generation = "Gen Z" if rng.random() < 0.8 else "Millennial"
            else:
                if level == 10:
                    title = LINES_OF_BUSINESS[lob][3]
                else:
                    title = MENTEE_TITLES[level].format(dept=dept, lob=lob)
                if featured is not None and featured.name == "John Smith":
                    title = "Director of Claims"
                joined = created - self.between(6 * 365, 30 * 365)
                statements = self.sample(MENTEE_ROLE_STATEMENTS, self.between(3, 5))
                goals = [TOPICS[t][0] for t in topics]
                competencies = self.sample(LEADERSHIP_COMPETENCIES, self.between(3, 4))
                experience = self.pick(MENTEE_EXPERIENCE)
                education = f"{self.pick(MENTEE_DEGREES)}, {self.pick(UNIVERSITIES)}"
                generation = self.weighted(("Gen X", "Baby Boomer", "Millennial"), (60, 22, 18))
            attributes = f'{{"generation": "{generation}"}}' if rng.random() < 0.6 else no_attributes
            manager = self.manager[i]
            yield {
                "id": i + 1,
                "name": name,
                "email": email,
                "role": role,
                "job_title": title,
                "level": level,
                "line_of_business": lob,
                "department": dept,
                "team": self.team[i],
                "manager_id": None if manager is None else manager + 1,
                "location": location,
                "timezone": LOCATIONS[location][0],
                "joined_on": self.iso(joined),
                "current_role": dumps([s.format(**fill) for s in statements], ensure_ascii=False),
                "development_goals": json_list(goals),
                "competencies": json_list(competencies),
                "past_experience": experience.format(**fill),
                "education": education,
                "birthplace": self.pick(culture.birthplaces),
                "hobbies": json_list([HOBBIES[h] for h in self.hobbies[i]]),
                "interests": json_list([INTERESTS[h] for h in self.interests[i]]),
                "capacity": self.capacity[i],
                "consent_share": 1 if rng.random() < 0.85 else 0,
                "attributes": attributes,
                "status": self.status[i],
                **self.stamps(created, self.updated[i]),
            }

    def pair_rows(self) -> Iterator[dict[str, Any]]:
        for pair in self.pairs:
            changed = pair.end or pair.pause or pair.start or pair.created
            yield {
                "id": pair.id,
                "wave_id": pair.wave,
                "mentor_id": pair.mentor + 1,
                "mentee_id": pair.mentee + 1,
                "status": pair.status,
                "started_on": None if pair.start is None else self.iso(pair.start),
                "ended_on": None if pair.end is None else self.iso(pair.end),
                "close_reason": pair.close_reason,
                "score": pair.score,
                "overrides": json.dumps(pair.overrides, ensure_ascii=False),
                **self.stamps(pair.created, max(changed - self.between(0, 3), pair.created)),
            }

    def session_rows(self) -> Iterator[dict[str, Any]]:
        for pair in self.pairs:
            if pair.start is not None:
                yield from self.sessions_of(pair)

    def sessions_of(self, pair: _Pair) -> list[dict[str, Any]]:
        """Return the seven sessions of ``pair`` as they stand today."""
        rng, today = self.rng, self.today
        kind = pair.kind
        assert pair.start is not None, "only a started pair has sessions"
        started = pair.start
        dues = [self.due(pair, s) for s in range(1, SESSIONS_PLANNED + 1)]
        past = [s for s, d in enumerate(dues, 1) if d + GRACE_DAYS < today]
        skipped: set[int] = set()  # past sessions not held: the overdue ones
        missed: dict[int, str] = {}
        if kind == "overdue" and past:
            skipped.add(past[-1])
            if len(past) > 2 and rng.random() < 0.3:
                skipped.add(past[-2])
        elif kind == "late_finisher":
            skipped.add(SESSIONS_PLANNED)
        elif kind in ("bumpy", "completed_missed"):
            choices = [s for s in past[:-1] if s not in (1, CHECKPOINT_SEQ)]
            if choices:
                missed[self.pick(choices)] = self.pick(("missed", "cancelled"))
        stopped = pair.status in ("closed_early", "paused")
        rows: list[dict[str, Any]] = []
        held_on: dict[int, int] = {}
        posted_on: dict[int, int] = {}
        next_scheduled = False
        topic = TOPICS[pair.topic]
        for seq, due in enumerate(dues, 1):
            status, held, posted, scheduled_at = "planned", None, None, None
            if stopped and seq > pair.last_held:
                status = "cancelled" if pair.status == "closed_early" or due < today else "planned"
            elif seq in missed:
                status = missed[seq]
            elif seq in skipped:
                if rng.random() < 0.3:
                    status, scheduled_at = "scheduled", self.scheduled_at(pair, due)
            elif due < today and not skipped.intersection(range(1, seq)):
                held = min(self._weekday(due + self.pick((-1, 0, 0, 0, 1, 2))), today - 1)
                held = max(held, pair.start or held)
                if pair.end is not None:
                    held = min(held, pair.end)
                if held >= today - 1 and due + GRACE_DAYS >= today and rng.random() < 0.5:
                    held = None  # it is this week: not recorded yet, and not overdue
                    status, scheduled_at = "scheduled", self.scheduled_at(pair, due)
                else:
                    status = "held"
                    delay = self.pick((0, 0, 1, 1, 1, 2, 3))
                    if pair.wave == 1 and rng.random() < 0.08:
                        delay = self.between(4, 6)  # the pilot's notes were sometimes late
                    if held + delay <= today - 1:
                        posted = held + delay
            elif not skipped and not next_scheduled and pair.status == "active":
                next_scheduled = True
                if rng.random() < 0.8:
                    status, scheduled_at = "scheduled", self.scheduled_at(pair, due)
            if held is not None:
                held_on[seq] = held
                if posted is not None:
                    posted_on[seq] = posted
            if seq == 1:
                agenda = "Getting started"
            elif seq == CHECKPOINT_SEQ:
                agenda = "Mid-point checkpoint"
            elif seq == SESSIONS_PLANNED:
                agenda = "Wrap-up: what we learned and what comes next"
            elif status in ("held", "scheduled", "missed", "cancelled") or seq <= 3:
                agenda = topic[2][seq % 2]
            else:
                agenda = ""
            if status == "cancelled" and pair.status == "paused":
                agenda = PAUSE_AGENDA
            rows.append({
                "pair_id": pair.id,
                "seq": seq,
                "due_on": self.iso(due),
                "scheduled_at": scheduled_at,
                "held_on": None if held is None else self.iso(held),
                "status": status,
                "checkpoint": 1 if seq == CHECKPOINT_SEQ else 0,
                "agenda": agenda,
                "notes": "",
                "notes_posted_on": None,
                "follow_up_sent": 0,
                "updated_at": "",
            })
        # The pair's problem is its latest session whose notes were due before today.
        late_enough = [s for s in held_on if held_on[s] + NOTES_DUE_DAYS < today]
        no_follow_up: set[int] = set()
        if kind == "notes_late" and late_enough:
            posted_on.pop(late_enough[-1], None)
        elif kind == "missing_followup" and late_enough:
            seq = late_enough[-1]
            posted_on.setdefault(seq, held_on[seq] + self.between(0, NOTES_DUE_DAYS))
            no_follow_up.add(seq)
        mentee_name = self.given[pair.mentee]
        for row in rows:
            seq = row["seq"]
            if seq in posted_on:
                row["notes"] = (
                    f"{row['agenda']}. {self.pick(NOTE_OUTCOMES)} "
                    f"{mentee_name} will {self.pick(FOLLOW_UPS)}."
                )
                row["notes_posted_on"] = self.iso(posted_on[seq])
                row["follow_up_sent"] = 0 if seq in no_follow_up else 1
                last = posted_on[seq]
            else:
                row["notes_posted_on"] = None
                row["follow_up_sent"] = 0
                last = held_on.get(seq, pair.pause or pair.end or started - self.between(3, 7))
            row["updated_at"] = self.instant(last)
        pair.checkpoint_held = held_on.get(CHECKPOINT_SEQ)
        return rows

    def scheduled_at(self, pair: _Pair, day: int) -> str:
        """Return the agreed instant (UTC) of a session, in the mentee's working hours."""
        name = LOCATIONS[self.location[pair.mentee]][0]
        zone = _ZONES.get(name) or _ZONES.setdefault(name, ZoneInfo(name))
        local = dt.date.fromordinal(day)
        start = dt.datetime(
            local.year, local.month, local.day, self.between(9, 16),
            self.pick((0, 30)), tzinfo=zone,
        )
        return start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def feedback_rows(self) -> Iterator[dict[str, Any]]:
        """Yield the surveys each pair has reached: pre, mid-point, post and close."""
        rng, today = self.rng, self.today
        for pair in self.pairs:
            if pair.start is None:
                continue
            moments: list[tuple[str, int, tuple[int, ...]]] = [
                ("pre", pair.start - self.between(1, 6), RATING_WEIGHTS),
            ]
            if pair.checkpoint_held is not None and pair.checkpoint_held + 1 < today:
                moments.append(("mid", pair.checkpoint_held + self.between(1, 6), RATING_WEIGHTS))
            if pair.status == "completed" and pair.end is not None:
                moments.append(("post", pair.end + self.between(0, 10), RATING_WEIGHTS))
            if pair.status == "closed_early" and pair.end is not None:
                moments.append(("close", pair.end + self.between(0, 5), CLOSE_RATING_WEIGHTS))
            for kind, day, weights in moments:
                for respondent in ("mentor", "mentee"):
                    if rng.random() < 0.1:
                        continue  # not everyone answers every survey
                    goal: int | None = None
                    if respondent == "mentee" and kind == "post":
                        goal = 1 if rng.random() < 0.78 else 0
                    elif respondent == "mentee" and kind == "close":
                        goal = 1 if rng.random() < 0.25 else 0
                    yield {
                        "pair_id": pair.id,
                        "kind": kind,
                        "respondent": respondent,
                        "rating": self.weighted(RATINGS, weights),
                        "goal_achieved": goal,
                        "comment": self.pick(COMMENTS[kind]),
                        "submitted_on": self.iso(min(day, today - 1)),
                    }

    # -- writing ---------------------------------------------------------------------

    def write(self, w: Writer, seed: int) -> DemoSummary:
        started = sum(1 for p in self.pairs if p.start is not None)
        self.total = self.n + len(self.pairs) + started * SESSIONS_PLANNED
        self.advance(0)
        # Managers may have higher ids than their reports: check references at commit.
        w.execute("PRAGMA defer_foreign_keys = ON")
        w.set_setting("programme_name", f"Reverse Mentoring {dt.date.fromordinal(self.today).year}")
        w.set_setting("timezone", "Europe/London")
        participants = w.insert_many("participants", self.counted(self.participant_rows()))
        stored = [insert_wave(w, wave) for wave in self.waves.values()]  # the one writer of waves
        assert [wave.id for wave in stored] == list(self.waves), "the demo's waves are numbered 1 and 2"
        waves = len(stored)
        pairs = w.insert_many("pairs", self.counted(self.pair_rows()))
        sessions = w.insert_many("sessions", self.counted(self.session_rows()))
        feedback = build_coaches_and_answers(self, w)
        w.audit("programme", None, "demo", None, {"people": self.n, "seed": seed})
        return DemoSummary(participants, waves, pairs, sessions, feedback)


def coach_email(name: str) -> str:
    """Return a demo coach's email ("Priya Raman (HR)" → "priya.raman@hr.example")."""
    given, family = name.split(" (")[0].split(" ", 1)
    return f"{email_local_part(given, family)}@hr.example"


def build_coaches_and_answers(builder: _DemoBuilder, w: Writer) -> int:
    """Add the demo's coaches, give each pair its coach and record the survey answers, all
    through the coordinator's services (:mod:`rmtui.coaches`, :mod:`rmtui.surveys`), inside
    the build's transaction; return how many answers. (Issue 11: the demo is never the only
    writer of a table.) The build's one audit row covers them, as it covers the pairs.
    """
    ids = [add_coach_in(w, name, coach_email(name), audit=False).id for name in COACHES]
    for pair in builder.pairs:
        assign_coach_in(w, pair.id, ids[pair.id % len(ids)], audit=False)
    answers = 0
    for row in builder.feedback_rows():
        goal = row["goal_achieved"]
        answer = Answer(row["kind"], row["respondent"], row["rating"], None if goal is None else bool(goal), row["comment"])
        record_answer_in(w, row["pair_id"], answer, dt.date.fromisoformat(row["submitted_on"]), audit=False)
        answers += 1
    return answers


def _existing_programme(execute: Callable[[str], Any]) -> tuple[int, int]:
    row = execute("SELECT (SELECT count(*) FROM participants), (SELECT count(*) FROM waves)")
    return int(row[0]), int(row[1])


def build_demo(
    store: Store,
    *,
    people: int = 60,
    seed: int = 7,
    today: dt.date,
    progress: Progress | None = None,
    mark_demo: bool = False,
) -> DemoSummary:
    """Build the demo programme into the empty ``store`` in one transaction; return the counts.

    ``today`` anchors every date, so the same ``seed`` and ``today`` give the same rows.
    From ``EVERY_STATE_PEOPLE`` people up every session and pair state is present; smaller
    demos show what their people allow. ``progress(done, total)`` is called as rows are
    written (``total`` is known once the pairs are planned). ``mark_demo`` also sets the
    ``demo`` setting in the same transaction (``rmtui demo`` rebuilds only files so marked,
    so a build is never committed without it). Raises ValueError if the store already
    holds a programme or ``people`` is below 1.
    """
    if people < 1:
        raise ValueError(f"A demo programme needs at least one person (got {people}).")

    def refuse_if_not_empty(counts: tuple[int, int]) -> None:
        if any(counts):
            raise ValueError(
                f"{store.path} already holds a programme ({counts[0]} participants, {counts[1]} "
                "waves); build the demo into a new, empty database."
            )

    refuse_if_not_empty(_existing_programme(lambda sql: store.query_tuples(sql)[0]))
    builder = _DemoBuilder(people, seed, today, progress)
    builder.plan_people()
    builder.plan_pairs()
    with store.write() as w:
        refuse_if_not_empty(_existing_programme(lambda sql: w.execute(sql).fetchone()))
        # A bigger page cache while the indexes take 100,000s of rows, then the store's own.
        cache_size = int(w.execute("PRAGMA cache_size").fetchone()[0])
        w.execute(f"PRAGMA cache_size = {-BUILD_CACHE_KIB}")
        try:
            summary = builder.write(w, seed)
        finally:
            w.execute(f"PRAGMA cache_size = {cache_size}")
        if mark_demo:
            w.set_setting("demo", True)
    if progress is not None:
        progress(builder.total, builder.total)
    return summary
