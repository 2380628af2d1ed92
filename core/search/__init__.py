"""Search: corpora (a small web), lexical ranking (TF-IDF, BM25) and, later, link analysis and semantic search."""
