"""Script contracts: the interface between a step's script and the container it runs in.

A contract names every path the script reads or writes, by logical name, and every environment
variable it reads. The step specification must use the same logical names (checked both ways by
``cursus.core.alignment``), and the script takes its paths from here, so neither can drift.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

CONTAINER_ROOT = "/opt/ml"

TRAINING_INPUT_ROOTS = ("/opt/ml/input/data", "/opt/ml/input/config", "/opt/ml/code")
TRAINING_OUTPUT_ROOTS = ("/opt/ml/model", "/opt/ml/output/data", "/opt/ml/checkpoints")
PROCESSING_ROOT = "/opt/ml/processing"


def reroot(contract_path: str, base: str | Path) -> Path:
    """A contract's ``/opt/ml/...`` path below ``base`` instead (local runs lay out ``base`` like /opt/ml)."""
    if contract_path != CONTAINER_ROOT and not contract_path.startswith(CONTAINER_ROOT + "/"):
        raise ValueError(f"{contract_path} is not under {CONTAINER_ROOT}; contract paths are container paths.")
    return Path(base) / contract_path[len(CONTAINER_ROOT):].lstrip("/")


class ScriptContract(BaseModel):
    """What a script expects of its container: entry point, paths, environment, packages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_point: str = Field(description="Script file name inside the code directory.")
    expected_input_paths: dict[str, str] = Field(description="Logical input name -> container path.")
    expected_output_paths: dict[str, str] = Field(description="Logical output name -> container path.")
    required_env_vars: tuple[str, ...] = ()
    optional_env_vars: dict[str, str] = Field(
        default_factory=dict, description="Env var -> default value used when it is not set."
    )
    framework_requirements: dict[str, str] = Field(default_factory=dict)
    description: str = ""

    def _check_roots(self, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> None:
        for kind, paths, roots in (
            ("input", self.expected_input_paths, inputs),
            ("output", self.expected_output_paths, outputs),
        ):
            for name, path in paths.items():
                if not any(path == r or path.startswith(r + "/") for r in roots):
                    raise ValueError(
                        f"{type(self).__name__} {kind} '{name}' has path '{path}', which is outside "
                        f"the container's {kind} locations {list(roots)}; move it under one of them."
                    )


class TrainingScriptContract(ScriptContract):
    """Contract of a SageMaker training-job script (paths under /opt/ml)."""

    code_dir: str = "/opt/ml/code"
    sagemaker_hyperparameters_path: str = "/opt/ml/input/config/hyperparameters.json"
    embedded_hyperparameters_file: str = Field(
        default="hyperparams/hyperparameters.json",
        description="Full hyperparameters JSON shipped inside the code directory (relative to code_dir).",
    )
    checkpoint_path: str = "/opt/ml/checkpoints"
    failure_path: str = "/opt/ml/output/failure"

    @model_validator(mode="after")
    def _paths_under_opt_ml(self) -> "TrainingScriptContract":
        self._check_roots(TRAINING_INPUT_ROOTS, TRAINING_OUTPUT_ROOTS)
        return self

    @property
    def embedded_hyperparameters_path(self) -> str:
        return f"{self.code_dir}/{self.embedded_hyperparameters_file}"


class ProcessingScriptContract(ScriptContract):
    """Contract of a SageMaker processing-job script (paths under /opt/ml/processing)."""

    code_dir: str = Field(
        default="/opt/ml/processing/input/code", description="Where the job unpacks the code and runs the entry point."
    )
    failure_path: str = Field(
        default="/opt/ml/output/message", description="Why the job failed; SageMaker shows it as the ExitMessage."
    )

    @model_validator(mode="after")
    def _paths_under_processing(self) -> "ProcessingScriptContract":
        self._check_roots((PROCESSING_ROOT,), (PROCESSING_ROOT,))
        return self
