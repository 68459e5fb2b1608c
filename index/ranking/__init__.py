"""Question to quoted answer: one retrieval step reads the store, then pure stages rank, then quotes."""
