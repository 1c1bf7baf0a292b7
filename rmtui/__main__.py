"""``python -m rmtui`` and the ``rmtui`` command: the collector is paused first (see
rmtui.startup, issue 14). The plain start, ``rmtui`` or ``rmtui --db PATH``, opens the app
without loading the command line (click, the sub-command registry); anything else is
rmtui.cli's ``main``."""

from rmtui.startup import pause_gc

pause_gc()

import sys  # noqa: E402


def main() -> None:
    from rmtui.startup import NOT_PLAIN, plain_db, run_guarded

    db = plain_db(sys.argv[1:])
    if db == NOT_PLAIN:
        from rmtui.cli import main as command_line

        command_line()
        return
    run_guarded(lambda: _open_app(db))


def _open_app(db: str | None) -> None:
    """What ``rmtui [--db PATH]`` does through the command line (rmtui.cli's group)."""
    from rmtui.clock import clock_from_env
    from rmtui.context import Context
    from rmtui.run import run_app

    context = Context(db, clock_from_env(), run_app)
    run_app(context.open(), None)


if __name__ == "__main__":
    main()
