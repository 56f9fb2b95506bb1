"""arsum: summarize and translate Arabic news releases."""

__version__ = "0.1.0"
