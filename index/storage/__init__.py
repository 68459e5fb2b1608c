"""Where an index lives: the store seam (``store``), the factory naming its implementations, local and Milvus."""
