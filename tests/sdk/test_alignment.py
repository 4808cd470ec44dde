"""Contract <-> spec (both ways) and contract <-> script: the training script reads all it declares."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cursus.core.alignment import check_contract_script, check_contract_spec, contract_script_problems, contract_spec_problems
from cursus.core.base.contract_base import TrainingScriptContract
from cursus.core.errors import AlignmentError
from cursus.core.staging import container_source_dir
from cursus.registry import STEP_REGISTRY
from cursus.steps.contracts.lightgbmmt_training_contract import LIGHTGBMMT_TRAINING_CONTRACT as CONTRACT
from cursus.steps.specs import LIGHTGBMMT_TRAINING_SPEC as SPEC

SCRIPT_DIR = container_source_dir("lightgbmmt")


def test_every_registered_spec_matches_its_contract():
    for info in STEP_REGISTRY.values():
        check_contract_spec(info.load_spec())


def test_spec_outputs_and_dependencies():
    assert {d.logical_name: d.required for d in SPEC.dependencies} == {
        "input_path": True, "hyperparameters_s3_uri": False, "model_artifacts_input": False,
    }
    assert SPEC.output("model_artifacts").property_path == "properties.ModelArtifacts.S3ModelArtifacts"
    assert SPEC.output("evaluation_output").property_path.startswith("properties.OutputDataConfig")


def test_mismatch_is_reported_both_ways():
    contract = CONTRACT.model_copy(update={
        "expected_input_paths": {**CONTRACT.expected_input_paths, "extra_input": "/opt/ml/input/data/extra"},
        "expected_output_paths": {"model_output": "/opt/ml/model"},
    })
    problems = contract_spec_problems(contract, SPEC)
    assert problems == [
        "contract input 'extra_input' has no dependency of that name in the LightGBMMTTraining spec",
        "spec output 'evaluation_output' of LightGBMMTTraining has no output of that name in the contract",
    ]
    with pytest.raises(AlignmentError, match="extra_input"):
        check_contract_spec(SPEC.model_copy(update={"script_contract": contract}))


def test_training_script_reads_every_path_and_env_var_of_its_contract():
    if not (SCRIPT_DIR / CONTRACT.entry_point).is_file():
        pytest.fail(f"{CONTRACT.entry_point} is missing from {SCRIPT_DIR}")
    check_contract_script(CONTRACT, SCRIPT_DIR)


@pytest.mark.parametrize("name", [
    *CONTRACT.expected_input_paths, *CONTRACT.expected_output_paths, *CONTRACT.optional_env_vars,
])
def test_check_fails_when_the_script_stops_reading_one(tmp_path, name):
    copy = Path(shutil.copytree(SCRIPT_DIR, tmp_path / "code"))
    for py in copy.rglob("*.py"):
        py.write_text(py.read_text().replace(f'"{name}"', '"NOT_IN_THE_CONTRACT"').replace(f"'{name}'", "'NOT_IN_THE_CONTRACT'"))
    problems = contract_script_problems(CONTRACT, copy)
    assert len(problems) == 1 and f"'{name}'" in problems[0]


def test_only_reads_count(tmp_path):
    contract = TrainingScriptContract(
        entry_point="train.py",
        expected_input_paths={"data": "/opt/ml/input/data"},
        expected_output_paths={"model": "/opt/ml/model"},
        optional_env_vars={"FLAG": "false"},
    )
    (tmp_path / "train.py").write_text(
        '"""Reads data, model and FLAG."""\n'
        'NAMES = {"data": 1, "model": 2, "FLAG": 3}\n'
        'def run(contract, cache):\n'
        '    print("model", cache.get("FLAG"), cache["data"])\n'
    )
    assert len(contract_script_problems(contract, tmp_path)) == 3
    (tmp_path / "train.py").write_text(
        "import os\n"
        "def run(contract):\n"
        "    inputs, outputs = contract.expected_input_paths, contract.expected_output_paths\n"
        '    return inputs["data"], outputs["model"], os.environ.get("FLAG")\n'
    )
    assert contract_script_problems(contract, tmp_path) == []
