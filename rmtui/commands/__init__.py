"""Sub-commands of the rmtui command line, one module per area (registered in rmtui/cli.py)."""
