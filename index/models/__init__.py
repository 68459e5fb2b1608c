"""The models, loaded lazily once and shared: the sentence embedder, the question encoder, the trained reader."""
