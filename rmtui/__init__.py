"""rmtui: the terminal console for people who run reverse-mentoring programmes."""

__version__ = "0.1.0"
