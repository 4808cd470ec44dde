"""Config tiers, regions, framework images (retrievable offline in every region), registry."""

from __future__ import annotations

import pytest
from conftest import example_config, training_section

from cursus.registry import get_step_info
from cursus.steps.configs import LightGBMMTTrainingConfig
from cursus.steps.configs.config_job_base import SKLEARN_FRAMEWORK_VERSIONS


def _config(**overrides) -> LightGBMMTTrainingConfig:
    cfg = example_config()
    fields = {**cfg["configuration"]["shared"], **training_section(cfg), **overrides}
    return LightGBMMTTrainingConfig.model_validate(fields)


def test_tiers_and_derived_fields():
    tiers = LightGBMMTTrainingConfig.field_tiers()
    assert tiers["essential"] == ["author", "bucket", "role", "region", "service_name", "pipeline_version", "hyperparameters"]
    assert {"training_instance_type", "input_bindings", "volume_kms_key"} <= set(tiers["system"])
    cfg = _config()
    assert (cfg.aws_region, cfg.pipeline_name) == ("us-east-1", "jdoe-fraud-mtgbm-NA")
    assert cfg.training_entry_point == "lightgbmmt_training.py"
    assert (cfg.source_dir / cfg.training_entry_point).is_file()
    assert _config(region="eu-central-1").aws_region == "eu-central-1"
    assert set(tiers["derived"]).isdisjoint(cfg.model_dump())
    with pytest.raises(ValueError, match="frozen"):
        cfg.pipeline_name = "x"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2", "sa-east-1", "eu-central-2"])
def test_framework_images_resolve_offline_in_every_region(region):
    from sagemaker import image_uris

    for version in SKLEARN_FRAMEWORK_VERSIONS:
        uri = image_uris.retrieve("sklearn", region=region, version=version, py_version="py3",
                                  instance_type="ml.m5.4xlarge", image_scope="training")
        assert f".{region}." in uri and uri.endswith(f"sagemaker-scikit-learn:{version}-cpu-py3")


def test_registry_entry():
    info = get_step_info("LightGBMMTTraining")
    assert info.sagemaker_step_type == "Training"
    assert info.load_config_class() is LightGBMMTTrainingConfig
    assert info.load_spec().step_type == "LightGBMMTTraining"
    assert info.load_builder_class().config_class is LightGBMMTTrainingConfig
