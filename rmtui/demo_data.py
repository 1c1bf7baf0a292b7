"""The demo programme's data: the organisation's lines of business, places, names by
culture, the featured people tests find by name, and the words profiles, notes and survey
comments are made of. :mod:`rmtui.demo` builds the programme from them."""

from __future__ import annotations

from dataclasses import dataclass

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
class Culture:
    given: tuple[str, ...]
    family: tuple[str, ...]
    birthplaces: tuple[str, ...]
    family_first: bool = False


# John, Smith, José and Núñez are deliberately absent: the one John Smith and the one José
# Núñez are featured people that roster-search tests rely on finding unambiguously.
CULTURES: dict[str, Culture] = {
    "en": Culture(
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Freya", "Arthur", "Poppy", "Theo",
         "Imogen", "Alfie", "Grace", "Henry", "Evie", "Rhys", "Megan", "Callum", "Niamh"),
        ("Taylor", "Brown", "Wilson", "Evans", "Roberts", "Walker", "Wright", "Hughes", "Green",
         "Clarke", "Patel", "Khan", "Begum", "Ashworth", "Pemberton", "Brontë", "Fairclough"),
        ("Manchester, United Kingdom", "Leeds, United Kingdom", "Bristol, United Kingdom",
         "Glasgow, United Kingdom", "Cardiff, United Kingdom", "Birmingham, United Kingdom"),
    ),
    "ie": Culture(
        ("Siobhán", "Aoife", "Ciarán", "Niamh", "Seán", "Oisín", "Saoirse", "Eoin", "Caoimhe",
         "Pádraig", "Róisín", "Tadhg", "Clodagh", "Darragh"),
        ("Ó Briain", "O'Connor", "Murphy", "Ní Dhomhnaill", "Kelly", "Byrne", "Ó Súilleabháin",
         "Walsh", "Mac Giolla Phádraig", "Fitzgerald", "Ó Ceallaigh", "Doyle"),
        ("Cork, Ireland", "Galway, Ireland", "Limerick, Ireland", "Belfast, United Kingdom"),
    ),
    "es": Culture(
        ("Lucía", "Javier", "Carmen", "Alejandro", "Pilar", "Íñigo", "Begoña", "Sergio",
         "Marta", "Álvaro", "Nuria", "Raúl", "Ainhoa", "Martín"),
        ("García", "Martínez", "Fernández", "López", "Sánchez", "Pérez", "Gómez", "Díaz",
         "Muñoz", "Jiménez", "Álvarez", "Ibáñez", "Echeverría", "Castaño"),
        ("Seville, Spain", "Bilbao, Spain", "Valencia, Spain", "Zaragoza, Spain",
         "Guadalajara, Mexico", "Bogotá, Colombia"),
    ),
    "pl": Culture(
        ("Łukasz", "Agnieszka", "Małgorzata", "Paweł", "Zofia", "Wojciech", "Katarzyna",
         "Michał", "Grzegorz", "Joanna", "Bartłomiej", "Weronika"),
        ("Wróbel", "Nowak", "Mazur", "Krawczyk", "Zając", "Wójcik", "Kaczmarek", "Sikora",
         "Pawlak", "Dudek", "Kołodziej", "Szczęsny"),
        ("Wrocław, Poland", "Gdańsk, Poland", "Łódź, Poland", "Poznań, Poland"),
    ),
    "de": Culture(
        ("Jürgen", "Lena", "Maximilian", "Anneliese", "Jörg", "Katrin", "Lukas", "Sophie",
         "Matthias", "Henrike", "Björn", "Müge"),
        ("Müller", "Schäfer", "Groß", "Weiß", "Köhler", "Schröder", "Krüger", "Fischer",
         "Hoffmann", "Vogel", "Brandstätter", "Löwe"),
        ("Munich, Germany", "Hamburg, Germany", "Vienna, Austria", "Zürich, Switzerland"),
    ),
    "fr": Culture(
        ("Zoë", "Élodie", "François", "Amélie", "Thérèse", "Loïc", "Cécile", "Benoît",
         "Hélène", "Jérôme", "Anaïs", "Raphaël"),
        ("Lefèvre", "Dubois", "Moreau", "Girard", "Bonnet", "Fontaine", "Chevalier", "Mercier",
         "Lambert", "Rousseau", "Gauthier", "Beaumont"),
        ("Lyon, France", "Marseille, France", "Montréal, Canada", "Brussels, Belgium"),
    ),
    "nordic": Culture(
        ("Søren", "Åsa", "Bjørn", "Ingrid", "Mikkel", "Sigríður", "Astrid", "Magnús", "Freja",
         "Øystein", "Linnéa", "Þórunn"),
        ("Kierkegaard-Hansen", "Jørgensen", "Lindqvist", "Åberg", "Sørensen", "Björklund",
         "Halvorsen", "Nyström", "Þórsdóttir", "Løvold", "Strøm", "Ægidius"),
        ("Aarhus, Denmark", "Oslo, Norway", "Gothenburg, Sweden", "Reykjavík, Iceland"),
    ),
    "vi": Culture(
        ("Thị Lan", "Văn An", "Minh Anh", "Thu Hà", "Quốc Bảo", "Ngọc Mai", "Đức Huy",
         "Hải Yến", "Thanh Tùng", "Phương Linh"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"),
        ("Hanoi, Vietnam", "Ho Chi Minh City, Vietnam", "Đà Nẵng, Vietnam"),
        family_first=True,
    ),
    "in": Culture(
        ("Priya", "Arjun", "Ananya", "Rohan", "Kavya", "Vikram", "Aditi", "Siddharth", "Meera",
         "Rahul", "Ishaan", "Diya", "Lakshmi", "Karthik"),
        ("Sharma", "Iyer", "Reddy", "Banerjee", "Chatterjee", "Nair", "Gupta", "Menon",
         "Desai", "Kapoor", "Rao", "Pillai", "Subramanian"),
        ("Mumbai, India", "Bengaluru, India", "Chennai, India", "Kolkata, India",
         "Leicester, United Kingdom"),
    ),
    "ng": Culture(
        ("Chiamaka", "Oluwaseun", "Adébáyọ̀", "Ngozi", "Chinedu", "Folake", "Emeka", "Yetunde",
         "Tolulope", "Ifeoma", "Kelechi", "Damilọ́la"),
        ("Okonkwo", "Adeyemi", "Ògúnlẹ́yẹ", "Eze", "Balogun", "Nwosu", "Okafor", "Obi",
         "Ìdòwú", "Afolábí", "Nnamdi", "Oyelaran"),
        ("Lagos, Nigeria", "Abuja, Nigeria", "Enugu, Nigeria", "Accra, Ghana"),
    ),
    "us": Culture(
        ("Aiyana", "Tyler", "Madison", "Jaylen", "Brooke", "Marcus", "Destiny", "Cody",
         "Hailey", "DeShawn", "Kayla", "Wyatt", "Savannah", "Dakota"),
        ("Whitehorse", "Johnson", "Williams", "Jackson", "Rodriguez", "Thompson",
         "Washington", "Harris", "Begay", "Robinson", "Carter", "Running Bear", "McAllister"),
        ("Hartford, Connecticut", "Boston, Massachusetts", "Phoenix, Arizona",
         "Atlanta, Georgia", "Albuquerque, New Mexico", "Chicago, Illinois"),
    ),
    "cn": Culture(
        ("Wěi", "Fāng", "Jìng", "Hào", "Xiù Yīng", "Mǐn", "Léi", "Tíngting", "Jūn", "Yǔxuān"),
        ("Zhāng", "Wáng", "Lǐ", "Liú", "Chén", "Yáng", "Huáng", "Zhào", "Wú", "Zhōu", "Tan"),
        ("Shanghai, China", "Guangzhou, China", "Kuala Lumpur, Malaysia", "Singapore"),
        family_first=True,
    ),
    "jp": Culture(
        ("Haruto", "Yūki", "Sakura", "Ren", "Aoi", "Sōta", "Hina", "Kenji", "Yui", "Takumi"),
        ("Satō", "Itō", "Katō", "Ōtani", "Yamamoto", "Nakamura", "Kobayashi", "Saitō",
         "Watanabe", "Takahashi"),
        ("Osaka, Japan", "Tokyo, Japan", "Sapporo, Japan"),
    ),
    "ko": Culture(
        ("Ji-woo", "Seo-yeon", "Min-jun", "Ha-eun", "Do-yun", "Su-bin", "Ye-jin", "Hyun-woo"),
        ("Kim", "Park", "Choi", "Jung", "Kang", "Yoon", "Han", "Seo"),
        ("Seoul, South Korea", "Busan, South Korea", "Los Angeles, California"),
    ),
    "tr": Culture(
        ("Ayşe", "Mehmet", "Çağla", "Emre", "Şule", "Gökhan", "Özge", "İbrahim", "Elif",
         "Burak"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan", "Doğan",
         "Kılıç"),
        ("Izmir, Türkiye", "Ankara, Türkiye", "Bursa, Türkiye"),
    ),
    "pt": Culture(
        ("João", "Inês", "Gonçalo", "Leonor", "Tomás", "Beatriz", "Luís", "Mariana",
         "Sebastião", "Conceição"),
        ("Gonçalves", "Magalhães", "Araújo", "Simões", "Brandão", "Guimarães", "Falcão",
         "Lourenço", "Assunção", "Carvalho"),
        ("Lisbon, Portugal", "Porto, Portugal", "São Paulo, Brazil", "Recife, Brazil"),
    ),
    "cz": Culture(
        ("Jiří", "Květa", "Tomáš", "Zdeněk", "Lenka", "Ondřej", "Bálint", "Réka", "Ödön",
         "Zsófia"),
        ("Dvořák", "Procházka", "Černý", "Růžička", "Horváth", "Szűcs", "Kovács", "Tóth",
         "Bíró", "Šťastný"),
        ("Prague, Czechia", "Brno, Czechia", "Budapest, Hungary", "Debrecen, Hungary"),
    ),
    "ar": Culture(
        ("Yasmin", "Omar", "Layla", "Karim", "Nour", "Tariq", "Rania", "Youssef", "Salma",
         "Hamza"),
        ("Haddad", "Al-Masri", "Khoury", "Mansour", "El-Sayed", "Nasser", "Saleh", "Farouk",
         "Aziz", "Hamdan"),
        ("Amman, Jordan", "Beirut, Lebanon", "Cairo, Egypt", "Casablanca, Morocco"),
    ),
}
CULTURE_NAMES = tuple(CULTURES)


@dataclass(frozen=True)
class Featured:
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
FEATURED: tuple[Featured, ...] = (
    Featured("John", "Smith", "en", "mentee", "Hartford"),
    Featured("José", "Núñez", "es", "mentor", "Madrid"),
    Featured("Zoë", "Brontë", "en", "mentor", "London"),
    Featured("Łukasz", "Wróbel", "pl", "mentor", "Kraków"),
    Featured("Siobhán", "Ó Briain", "ie", "mentee", "Dublin"),
    Featured("Aiyana", "Whitehorse", "us", "mentor", "Hartford"),
    Featured("Thị Lan", "Nguyễn", "vi", "mentee", "Singapore", family_first=True),
    Featured("Søren", "Kierkegaard-Hansen", "nordic", "mentee", "Copenhagen"),
)
FEATURED_NAMES = frozenset(f.name for f in FEATURED)


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
