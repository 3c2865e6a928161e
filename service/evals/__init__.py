"""Evaluations: gold datasets, deterministic scoring, prompt comparison and the CI gate."""
