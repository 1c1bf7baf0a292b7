"""rmtui's screens."""
