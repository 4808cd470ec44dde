"""Run a step's script on this machine exactly as its SageMaker job runs it.

The step is looked up in the registry (:mod:`cursus.registry`); its specification's contract gives
every container path, and its config class names the container code (``container_name``).

Training steps: :func:`prepare_local_job` lays out a folder like ``/opt/ml`` (channels under
``input/data/<channel>``, ``input/config/hyperparameters.json`` with every value a JSON-encoded
string plus the ``sagemaker_*`` keys, ``model/``, ``output/data/``, ``checkpoints/``, ``code/``) and
builds the environment (``SAGEMAKER_BASE_DIR``, ``SM_MODEL_DIR``, ``SM_CHANNEL_<NAME>``, ``SM_HPS``,
...) and the command line (the toolkit's ``--key value`` arguments) the toolkit would use.

Processing steps: :func:`prepare_local_processing_job` copies each input to its
``/opt/ml/processing/input/...`` folder and stages the code where the processing job runs it.

Either way the code directory is staged with :func:`cursus.core.staging.stage_code_dir` and
``LocalJob.run`` runs the entry point as a subprocess from it with a clean ``PYTHONPATH``: only what
the job would have (the staged code and installed packages) is importable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cursus.core.base.contract_base import ProcessingScriptContract, ScriptContract, TrainingScriptContract, reroot
from cursus.core.base.hyperparameters_base import ModelHyperparameters
from cursus.core.base.specification_base import DependencyType
from cursus.core.errors import UnknownStepError
from cursus.core.staging import stage_code_dir
from cursus.registry import STEP_REGISTRY, get_step_info

HOST = "algo-1"
MODEL_ARCHIVE = "model.tar.gz"
LOCAL_STEP_TYPES = ("Training", "Processing")


@dataclass(frozen=True)
class LocalStep:
    """What run-local needs to know about a registered step, all read from the registry's entry."""

    name: str
    step_type: str  # the registry's sagemaker_step_type: Training or Processing
    contract: ScriptContract
    container: str  # folder under dockers/ (the config class's container_name)
    spec: Any

    def hyperparameters_class(self) -> type[ModelHyperparameters]:
        """The training config's ``hyperparameters`` field type: what the builder validates them with."""
        config_class = get_step_info(self.name).load_config_class()
        return config_class.model_fields["hyperparameters"].annotation

    def model_input(self) -> str | None:
        """Logical name of the processing input that takes a trained model (its spec's MODEL_ARTIFACTS dependency)."""
        names = [d.logical_name for d in self.spec.dependencies if d.dependency_type == DependencyType.MODEL_ARTIFACTS]
        return names[0] if names else None


class LocalRunError(ValueError):
    """run-local cannot lay out the job; the message says what to change."""


def local_steps() -> list[str]:
    """Registered steps run-local can run (training and processing steps), sorted."""
    return sorted(name for name, info in STEP_REGISTRY.items() if info.sagemaker_step_type in LOCAL_STEP_TYPES)


def local_step(name: str) -> LocalStep:
    """The registry's entry for ``name``, with its spec's contract and its config's container code."""
    try:
        info = get_step_info(name)
    except UnknownStepError as err:
        raise LocalRunError(f"{err}; run-local runs {local_steps()}.") from None
    if info.sagemaker_step_type not in LOCAL_STEP_TYPES:
        raise LocalRunError(
            f"step '{name}' is a {info.sagemaker_step_type} step; run-local runs training and processing steps "
            f"({local_steps()})."
        )
    spec = info.load_spec()
    return LocalStep(name, info.sagemaker_step_type, spec.script_contract, info.load_config_class().container_name, spec)


def sagemaker_hyperparameters(values: dict[str, Any], entry_point: str, submit_dir: str, job_name: str) -> dict[str, str]:
    """hyperparameters.json as SageMaker writes it: every value JSON-encoded, plus the SDK's ``sagemaker_*`` keys."""
    hps = {k: json.dumps(v) for k, v in values.items()}
    hps.update({
        "sagemaker_program": json.dumps(entry_point),
        "sagemaker_submit_directory": json.dumps(submit_dir),
        "sagemaker_container_log_level": json.dumps(20),
        "sagemaker_job_name": json.dumps(job_name),
        "sagemaker_region": json.dumps("us-east-1"),
    })
    return hps


def toolkit_cmd_args(hps: dict[str, str]) -> list[str]:
    """The arguments the SageMaker toolkit appends: decoded user hyperparameters, sorted, ``--key value``."""
    args: list[str] = []
    for key in sorted(hps):
        if key.startswith("sagemaker_"):
            continue
        value = json.loads(hps[key])
        text = ",".join(f"{k}={v}" for k, v in sorted(value.items())) if isinstance(value, dict) else str(value)
        args += [f"--{key}" if len(key) > 1 else f"-{key}", text]
    return args


def container_dir(base: Path, contract_path: str) -> Path:
    """``/opt/ml/...`` from the contract, re-rooted under ``base``."""
    return reroot(contract_path, base)


@dataclass
class LocalJob:
    """A laid-out job: run it (or start it, to kill it) as many times as needed.

    ``outputs`` maps the contract's logical output names to their local folders.
    """

    base_dir: Path
    code_dir: Path
    entry_point: str
    args: list[str]
    env: dict[str, str]
    outputs: dict[str, Path]
    failure_file: Path
    log_file: Path
    checkpoint_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def model_dir(self) -> Path:
        """A training job's model output (what model.tar.gz is packed from)."""
        return self.outputs["model_output"]

    @property
    def output_data_dir(self) -> Path:
        """A training job's evaluation output (output.tar.gz: metrics, predictions, plots)."""
        return self.outputs["evaluation_output"]

    @property
    def command(self) -> list[str]:
        return [sys.executable, self.entry_point, *self.args]

    def start(self, **popen_kwargs: Any) -> subprocess.Popen:
        """Start the entry point from the staged code dir, as the toolkit (or the processing runner) does."""
        return subprocess.Popen(self.command, cwd=self.code_dir, env={**self.env, **self.extra_env}, **popen_kwargs)

    def run(self, echo: bool = True, timeout: float | None = None, hide: tuple[str, ...] = ()) -> int:
        """Run to the end; the output goes to ``log_file`` and, when ``echo``, to the console (minus lines
        containing any of ``hide``, e.g. the per-round metric lines). Returns the exit code; a job still
        running after ``timeout`` seconds is killed and ``subprocess.TimeoutExpired`` raised."""
        killed = threading.Event()
        with self.log_file.open("w") as log, self.start(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
            assert proc.stdout is not None
            watchdog = threading.Timer(timeout, lambda: (killed.set(), proc.kill())) if timeout else None
            if watchdog:
                watchdog.start()
            try:
                for line in proc.stdout:
                    log.write(line)
                    if echo and not any(h in line for h in hide):
                        print(line, end="", flush=True)
                code = proc.wait()
            finally:
                if watchdog:
                    watchdog.cancel()
        if killed.is_set():
            raise subprocess.TimeoutExpired(self.command, timeout)
        return code

    def failure_reason(self) -> str | None:
        return self.failure_file.read_text().strip() if self.failure_file.exists() else None


def prepare_local_job(
    step_name: str, data_dir: Path, workdir: Path, hyperparameters: dict[str, Any] | None = None,
    sagemaker_overrides: dict[str, Any] | None = None, keep_checkpoints: bool = False,
) -> LocalJob:
    """Lay out ``<workdir>/opt/ml`` for ``step_name`` with the channels found in ``data_dir``.

    ``hyperparameters``: the full set (shipped inside the code dir as the builder ships it); default
    ``<data_dir>/hyperparameters.json``. ``sagemaker_overrides``: values for SageMaker's
    hyperparameters.json on top of the tunable scalars (what a tuning job would set).
    """
    step = local_step(step_name)
    contract = step.contract
    if not isinstance(contract, TrainingScriptContract):
        raise LocalRunError(
            f"step '{step_name}' is a {step.step_type} step: run it with --model and --data "
            "(prepare_local_processing_job), not with training channels."
        )
    data_dir, workdir = Path(data_dir).resolve(), Path(workdir).resolve()
    if hyperparameters is None:
        hp_file = data_dir / "hyperparameters.json"
        if not hp_file.is_file():
            raise LocalRunError(f"no hyperparameters: pass --hyperparameters FILE or put hyperparameters.json in {data_dir}.")
        hyperparameters = json.loads(hp_file.read_text())
    hp = step.hyperparameters_class().parse(hyperparameters, source="run-local hyperparameters")
    channels = sorted(p.name for p in data_dir.iterdir() if p.is_dir()) if data_dir.is_dir() else []
    if not channels:
        raise LocalRunError(f"{data_dir} has no channel folders; it should hold train/, val/ and test/ folders of data files.")

    base = workdir / "opt" / "ml"
    checkpoints = container_dir(base, contract.checkpoint_path)
    saved_checkpoints = None
    if keep_checkpoints and checkpoints.is_dir():
        saved_checkpoints = workdir / ".checkpoints-kept"
        shutil.rmtree(saved_checkpoints, ignore_errors=True)
        checkpoints.rename(saved_checkpoints)
    if base.exists():
        shutil.rmtree(base)
    input_root = container_dir(base, contract.expected_input_paths["input_path"])
    channel_dirs = {}
    for name in channels:
        channel_dirs[name] = input_root / name
        shutil.copytree(data_dir / name, channel_dirs[name])
    code_dir = container_dir(base, contract.code_dir)
    stage_code_dir(step.container, code_dir, hp.to_json_dict(), contract.embedded_hyperparameters_file)

    model_dir = container_dir(base, contract.expected_output_paths["model_output"])
    output_data_dir = container_dir(base, contract.expected_output_paths["evaluation_output"])
    for d in (model_dir, output_data_dir):
        d.mkdir(parents=True, exist_ok=True)
    if saved_checkpoints is not None:
        saved_checkpoints.rename(checkpoints)
    checkpoints.mkdir(parents=True, exist_ok=True)

    hp_values = {**hp.tunable_scalars(), **(sagemaker_overrides or {})}
    hps = sagemaker_hyperparameters(hp_values, contract.entry_point, str(code_dir), f"local-{step_name}")
    config_file = container_dir(base, contract.sagemaker_hyperparameters_path)
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(json.dumps(hps, indent=2) + "\n")
    (config_file.parent / "resourceconfig.json").write_text(json.dumps({"current_host": HOST, "hosts": [HOST]}) + "\n")
    (config_file.parent / "inputdataconfig.json").write_text(
        json.dumps({c: {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated"} for c in channels}) + "\n"
    )
    args = toolkit_cmd_args(hps)
    env = job_environment(base, contract, channel_dirs, hps, args)
    return LocalJob(
        base_dir=base, code_dir=code_dir, entry_point=contract.entry_point, args=args, env=env,
        outputs={"model_output": model_dir, "evaluation_output": output_data_dir}, checkpoint_dir=checkpoints,
        failure_file=container_dir(base, contract.failure_path), log_file=workdir / "job.log",
    )


def job_environment(base: Path, contract: TrainingScriptContract, channel_dirs: dict[str, Path],
                    hps: dict[str, str], args: list[str]) -> dict[str, str]:
    """The process environment of the job: this machine's, minus PYTHONPATH, plus the toolkit's SM_* variables."""
    user_hps = {k: json.loads(v) for k, v in hps.items() if not k.startswith("sagemaker_")}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("SM_")}
    env.update({
        "SAGEMAKER_BASE_DIR": str(base),
        "SM_MODEL_DIR": str(container_dir(base, contract.expected_output_paths["model_output"])),
        "SM_OUTPUT_DATA_DIR": str(container_dir(base, contract.expected_output_paths["evaluation_output"])),
        "SM_OUTPUT_DIR": str(container_dir(base, "/opt/ml/output")),
        "SM_INPUT_DIR": str(container_dir(base, "/opt/ml/input")),
        "SM_INPUT_CONFIG_DIR": str(container_dir(base, contract.sagemaker_hyperparameters_path).parent),
        "SM_MODULE_DIR": str(container_dir(base, contract.code_dir)),
        "SM_USER_ENTRY_POINT": contract.entry_point,
        "SM_USER_ARGS": json.dumps(args),
        "SM_CHANNELS": json.dumps(sorted(channel_dirs)),
        "SM_HPS": json.dumps(user_hps),
        "SM_HOSTS": json.dumps([HOST]),
        "SM_CURRENT_HOST": HOST,
        "SM_NUM_CPUS": str(os.cpu_count() or 1),
        "SM_NUM_GPUS": "0",
        "PYTHONUNBUFFERED": "1",
    })
    env.update({f"SM_CHANNEL_{name.upper()}": str(path) for name, path in channel_dirs.items()})
    env.update({f"SM_HP_{k.upper()}": hps[k] for k in user_hps})
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return env


def prepare_local_processing_job(step_name: str, inputs: dict[str, Path], workdir: Path) -> LocalJob:
    """Lay out ``<workdir>/opt/ml/processing`` for ``step_name`` with ``inputs`` (logical name -> file or folder).

    A folder's contents are copied into the input's container folder, a file into it; a model file
    arrives as ``model.tar.gz``, as a processing job receives the training step's S3ModelArtifacts.
    Every input of the contract must be given; outputs start empty.
    """
    step = local_step(step_name)
    contract = step.contract
    if not isinstance(contract, ProcessingScriptContract):
        raise LocalRunError(f"step '{step_name}' is a {step.step_type} step: run it with training channels (--data).")
    missing = sorted(set(contract.expected_input_paths) - set(inputs))
    unknown = sorted(set(inputs) - set(contract.expected_input_paths))
    if missing or unknown:
        raise LocalRunError(
            f"step '{step_name}' takes inputs {sorted(contract.expected_input_paths)}; "
            f"missing {missing}, unknown {unknown}."
        )
    workdir = Path(workdir).resolve()
    base = workdir / "opt" / "ml"
    if base.exists():
        shutil.rmtree(base)
    model_input = step.model_input()
    for name, source in inputs.items():
        _copy_input(Path(source).resolve(), container_dir(base, contract.expected_input_paths[name]),
                    MODEL_ARCHIVE if name == model_input else None, name)
    outputs = {name: container_dir(base, path) for name, path in contract.expected_output_paths.items()}
    for folder in outputs.values():
        folder.mkdir(parents=True, exist_ok=True)
    code_dir = stage_code_dir(step.container, container_dir(base, contract.code_dir))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("SM_")}
    env.update({"SAGEMAKER_BASE_DIR": str(base), "PYTHONUNBUFFERED": "1"})
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return LocalJob(
        base_dir=base, code_dir=code_dir, entry_point=contract.entry_point, args=[], env=env, outputs=outputs,
        failure_file=container_dir(base, contract.failure_path), log_file=workdir / "job.log",
    )


def _copy_input(source: Path, dest: Path, file_name: str | None, name: str) -> None:
    """Copy one processing input into its container folder (``file_name`` renames a single file)."""
    if source.is_dir():
        shutil.copytree(source, dest)
        return
    if not source.is_file():
        raise LocalRunError(f"input '{name}': {source} does not exist; give an existing file or folder.")
    if file_name == MODEL_ARCHIVE and not tarfile.is_tarfile(source):
        raise LocalRunError(f"input '{name}': {source} is not a tar archive; give a model.tar.gz or a model folder.")
    dest.mkdir(parents=True)
    shutil.copyfile(source, dest / (file_name or source.name))
