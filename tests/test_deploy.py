"""deploy/: the compose file's Quotebot config is a valid config for the Milvus backend, and the compose
services it names use that config and the Milvus service."""

from __future__ import annotations

import yaml

from index.config import load_settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def test_the_deploy_config_loads_and_points_at_the_compose_milvus() -> None:
    settings = load_settings(DEPLOY / "quotebot.toml")
    assert settings.store.backend == "milvus" and settings.store.uri == "http://milvus:19530"
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"milvus", "etcd", "minio", "bot", "ingest"} <= services.keys()
    for name in ("bot", "ingest"):
        service = services[name]
        assert "./quotebot.toml:/etc/quotebot/quotebot.toml:ro" in service["volumes"]
        assert service["environment"]["QUOTEBOT_CONFIG"] == "/etc/quotebot/quotebot.toml"
        assert service["depends_on"]["milvus"]["condition"] == "service_healthy"
    assert services["bot"]["command"] == ["bot"]
    assert (DEPLOY / "Dockerfile").read_text().count('"torch==2.13.0"') == 1
