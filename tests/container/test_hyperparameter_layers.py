"""Which hyperparameters a job trains with: shipped file < config channel < values SageMaker changed."""

import json
from pathlib import Path

import pytest

from cursus.sample_data import make_fraud_data
from mtgbm.errors import MTGBMInputError
from mtgbm.job import JobPaths, load_hyperparameters

SHIPPED = make_fraud_data(100, seed=0)[1].hyperparameters(learning_rate=0.1, num_iterations=50)


def layout(tmp_path: Path, channel: dict | None = None, sagemaker: dict | None = None, channel_file: str = "hyperparameters.json") -> JobPaths:
    code, data, config = tmp_path / "code" / "hyperparams", tmp_path / "data", tmp_path / "config"
    for d in (code, data, config):
        d.mkdir(parents=True)
    (code / "hyperparameters.json").write_text(json.dumps(SHIPPED))
    if channel is not None:
        (data / "config").mkdir()
        (data / "config" / channel_file).write_text(json.dumps(channel))
    if sagemaker is not None:  # as SageMaker writes it: every scalar of the shipped file, JSON-encoded strings
        scalars = {k: v for k, v in SHIPPED.items() if not isinstance(v, list)}
        values = {**scalars, **sagemaker, "sagemaker_program": "lightgbmmt_training.py", "_tuning_objective_metric": "x"}
        (config / "hyperparameters.json").write_text(json.dumps({k: json.dumps(v) for k, v in values.items()}))
    out = tmp_path / "out"
    return JobPaths(
        channels={}, model_artifacts_input=data / "model_artifacts_input",
        config_hyperparameters=data / "config" / "hyperparameters.json",
        sagemaker_hyperparameters=config / "hyperparameters.json",
        embedded_hyperparameters=code / "hyperparameters.json",
        model_dir=out / "model", output_data_dir=out / "data", checkpoint_dir=out / "checkpoints",
        failure_file=out / "failure",
    )


def test_sagemaker_repeating_the_shipped_scalars_does_not_hide_the_config_channel(tmp_path):
    hp = load_hyperparameters(layout(tmp_path, channel={"learning_rate": 0.3}, sagemaker={}))
    assert hp.learning_rate == 0.3 and hp.num_iterations == 50


def test_a_tuned_value_wins_over_the_shipped_file(tmp_path):
    hp = load_hyperparameters(layout(tmp_path, channel={"num_leaves": 7}, sagemaker={"learning_rate": 0.05}))
    assert (hp.learning_rate, hp.num_leaves) == (0.05, 7)


def test_config_channel_and_tuning_disagreeing_is_an_error(tmp_path):
    with pytest.raises(MTGBMInputError, match=r"learning_rate \(0.3 vs 0.05\).*set each in one place"):
        load_hyperparameters(layout(tmp_path, channel={"learning_rate": 0.3}, sagemaker={"learning_rate": 0.05}))


def test_a_misnamed_file_in_the_config_channel_is_an_error(tmp_path):
    with pytest.raises(MTGBMInputError, match=r"holds \['params.json'\] but no hyperparameters.json"):
        load_hyperparameters(layout(tmp_path, channel={"learning_rate": 0.3}, channel_file="params.json"))


def test_an_unknown_underscore_key_is_rejected_not_dropped(tmp_path):
    with pytest.raises(ValueError, match="_learning_rate: unknown key"):
        load_hyperparameters(layout(tmp_path, sagemaker={"_learning_rate": 0.2}))
