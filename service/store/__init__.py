"""Embeddings and the Chroma-backed article store."""
