from rmtui.startup import pause_gc

pause_gc()  # before the command line loads: see rmtui.startup (issue 14)

from rmtui.cli import main  # noqa: E402

main()
