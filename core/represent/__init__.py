"""Representations to look inside: word vectors (nearest words, analogies, projection axes, a bias probe)."""
