"""LCEL chains: answering, rewriting follow-ups, summarising."""
