"""Finding the chunks that can answer a question."""
