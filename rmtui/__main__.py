"""``python -m rmtui`` and the ``rmtui`` command: the collector is paused before the command
line loads (see rmtui.startup, issue 14), then rmtui.cli's ``main`` runs."""

from rmtui.startup import pause_gc

pause_gc()

from rmtui.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
