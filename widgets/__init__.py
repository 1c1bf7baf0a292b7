"""rmtui's widgets."""
