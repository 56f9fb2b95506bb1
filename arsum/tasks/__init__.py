"""The work: extractive and abstractive summaries, translation, support scores and number checks."""
