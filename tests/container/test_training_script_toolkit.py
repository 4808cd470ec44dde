"""The closest thing to a real job here: the SageMaker training toolkit's own ``train`` command.

The toolkit reads /opt/ml (re-rooted by SAGEMAKER_BASE_DIR), extracts ``sagemaker_submit_directory``
(a sourcedir.tar.gz, as the SDK uploads it) into the code dir, appends the hyperparameters as CLI
arguments and runs the entry point. ``requirements.txt`` is left out of the tarball: the toolkit would
pip-install its pins for the SKLearn image's Python 3.10, and this environment already has the packages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from cursus.local_run import prepare_local_job
from cursus.sample_data import write_sample_splits

import sagemaker_training  # noqa: E402,F401  a test dependency: missing, the suite must fail, not skip

TRAIN = Path(sys.executable).with_name("train")


def _toolkit_job(tmp_path: Path, **hp):
    data = tmp_path / "data"
    write_sample_splits(data, n_rows=1500, seed=6, fractions=(0.5, 0.25, 0.25), num_iterations=10, learning_rate=0.2, **hp)
    job = prepare_local_job("LightGBMMTTraining", data, tmp_path / "w")
    (job.code_dir / "requirements.txt").unlink()
    tarball = tmp_path / "sourcedir.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        for entry in sorted(job.code_dir.iterdir()):
            tar.add(entry, arcname=entry.name)
    shutil.rmtree(job.code_dir)  # the toolkit extracts the tarball here
    config = job.base_dir / "input" / "config" / "hyperparameters.json"
    hps = json.loads(config.read_text())
    hps["sagemaker_submit_directory"] = json.dumps(str(tarball))
    config.write_text(json.dumps(hps))
    env = {k: v for k, v in job.env.items() if not k.startswith("SM_")}  # the toolkit sets its own
    env.update({"SM_STUDIO_LOCAL_MODE": "true", "AWS_REGION": "us-east-1"})
    return job, env


def test_toolkit_train_command_runs_the_staged_code(tmp_path):
    job, env = _toolkit_job(tmp_path)
    proc = subprocess.run([str(TRAIN)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert "[mtgbm-metrics] round=10" in log
    assert (job.model_dir / "training_state.json").is_file()
    assert (job.output_data_dir / "test.tar.gz").is_file()
    assert (job.base_dir / "output" / "success").exists() and not job.failure_file.exists()


def test_toolkit_keeps_the_scripts_failure_reason(tmp_path):
    job, env = _toolkit_job(tmp_path)
    shutil.rmtree(job.base_dir / "input" / "data" / "test")
    proc = subprocess.run([str(TRAIN)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert job.failure_reason().startswith("channel 'test' is missing")  # ours, not the toolkit's traceback
    assert not any(job.model_dir.iterdir())
