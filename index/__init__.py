"""Retrieval over news articles: sentences in, quoted passages out. Knows nothing of Discord."""
