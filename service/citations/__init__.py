"""Citations that a reader can check."""
