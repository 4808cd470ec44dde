"""A model trained on columns risk-mapped upstream (USE_PRECOMPUTED_RISK_TABLES) is scored as its job scored.

Its inputs are numbers (risks), not categories: without a record of that in the model dir, the
predictor, the eval step and the endpoint would take every risk for an unseen category and give
every row the default risk, silently. Here a real training job runs on mapped data with the
tables in its model_artifacts_input channel; the predictor and the eval job (both through
run-local's subprocesses and real files) must reproduce its test predictions, and raw categories
must be refused with the fix.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_model_eval_script import run_eval

from cursus.local_run import prepare_local_job
from cursus.sample_data import write_sample_splits
from mtgbm.errors import MTGBMInputError
from mtgbm.evaluation import read_split_archive
from mtgbm.predictor import MultiTaskPredictor
from mtgbm.preprocessing import RISK_TABLE_FILE, STATE_FILE, Preprocessor

HYPERPARAMETERS = {"num_iterations": 20, "num_leaves": 15, "learning_rate": 0.1, "min_data_in_leaf": 10, "num_threads": 1}


def map_upstream(raw_dir: Path, mapped_dir: Path, categorical: list[str], main_task: str) -> None:
    """What a risk-table-mapping step does: fit tables on train, map every split, ship the tables."""
    train = pd.read_csv(raw_dir / "train" / "data.csv")
    upstream = Preprocessor.fit(train, train[main_task].to_numpy(np.float64), numeric_features=[],
                                categorical_features=categorical, smooth_factor=0.01, count_threshold=3)
    for split in ("train", "val", "test"):
        df = pd.read_csv(raw_dir / split / "data.csv")
        df[categorical] = upstream.transform(df).astype(np.float64)
        (mapped_dir / split).mkdir(parents=True)
        df.to_csv(mapped_dir / split / "data.csv", index=False)
    shutil.copy(raw_dir / "hyperparameters.json", mapped_dir / "hyperparameters.json")
    (mapped_dir / "model_artifacts_input").mkdir()
    (mapped_dir / "model_artifacts_input" / RISK_TABLE_FILE).write_text(json.dumps(upstream.risk_tables))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("precomputed")
    schema = write_sample_splits(root / "raw", n_rows=4000, seed=4, fractions=(0.5, 0.25, 0.25), **HYPERPARAMETERS)
    map_upstream(root / "raw", root / "mapped", schema.cat_field_list, schema.task_label_names[0])
    job = prepare_local_job("LightGBMMTTraining", root / "mapped", root / "work")
    job.extra_env["USE_PRECOMPUTED_RISK_TABLES"] = "true"
    assert job.run(echo=False) == 0, job.log_file.read_text()[-4000:]
    return job, schema, root


def test_model_dir_records_that_categories_arrive_risk_mapped(trained):
    job, _, _ = trained
    assert json.loads((job.model_dir / STATE_FILE).read_text())["categorical_input"] == "risk_mapped"
    summary = json.loads((job.output_data_dir / "training_summary.json").read_text())
    assert summary["precomputed"]["risk_tables"] is True


def test_predictor_reproduces_the_jobs_test_predictions(trained):
    job, schema, root = trained
    test_rows = pd.read_csv(root / "mapped" / "test" / "data.csv")
    ours = MultiTaskPredictor.load(job.model_dir).predict(test_rows)
    theirs, _ = read_split_archive(job.output_data_dir / "test.tar.gz")
    for task in schema.task_label_names:
        np.testing.assert_array_equal(ours[f"{task}_prob"].to_numpy(np.float64), theirs[f"{task}_prob"].to_numpy())
    assert ours[f"{schema.task_label_names[0]}_prob"].nunique() > 100  # not one default risk for every row


def test_raw_categories_are_refused_with_the_fix(trained):
    job, schema, root = trained
    raw = pd.read_csv(root / "raw" / "test" / "data.csv").head(20)
    with pytest.raises(MTGBMInputError, match=r"holds raw categories .* risk-mapped upstream .*risk_table_map.json") as err:
        MultiTaskPredictor.load(job.model_dir).predict(raw)
    assert f"'{schema.cat_field_list[0]}'" in str(err.value)


def test_eval_job_on_the_mapped_test_split_equals_the_jobs_test_results(trained, tmp_path):
    job, _, root = trained
    run = run_eval(tmp_path, job.model_dir, pd.read_csv(root / "mapped" / "test" / "data.csv"))
    assert run.returncode == 0, run.log[-3000:]
    ours = pd.read_csv(run.output("eval_output") / "predictions.csv")
    theirs, _ = read_split_archive(job.output_data_dir / "test.tar.gz")
    pd.testing.assert_frame_equal(ours, theirs)
    metrics = json.loads((run.output("metrics_output") / "metrics.json").read_text())["eval"]
    assert metrics == json.loads((job.output_data_dir / "metrics.json").read_text())["test"]
