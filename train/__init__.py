"""Training Quotebot's own re-ranker and answer reader from public QA data (never on the query path)."""
