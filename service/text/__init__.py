"""Text utilities shared by ingestion, citations and summaries."""
