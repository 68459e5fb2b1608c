"""The package metadata builds without deprecation warnings (setuptools drops the old forms in 2027)."""

import tomllib
import warnings

from packaging.requirements import Requirement

from tests.conftest import ROOT


def test_license_is_an_spdx_string_and_setuptools_supports_it():
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert isinstance(project["project"]["license"], str)
    (setuptools,) = [Requirement(r) for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    assert not setuptools.specifier.contains("76.9"), "the SPDX license string needs setuptools>=77"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert dist.metadata.license_expression == "MIT"
    assert not [w for w in caught if "license" in str(w.message).lower()]
