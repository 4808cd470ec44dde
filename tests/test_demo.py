"""``cursus demo``: sample data -> run-local training -> baseline comparison -> run-local eval -> offline compile."""

from __future__ import annotations

import json
import re

from cursus.cli import main as cursus_main


def test_demo_runs_every_stage_and_points_to_each_output(tmp_path, capsys):
    code = cursus_main(["demo", "--workdir", str(tmp_path / "demo"), "--rows", "4000"])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert "[mtgbm-metrics]" not in out  # per-round lines stay in the job log
    assert [int(n) for n in re.findall(r"^\[(\d)/5\] ", out, re.M)] == [1, 2, 3, 4, 5]  # every stage announced, in order
    table = out[out.index("test metrics, MT-GBM"):]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^  (is_fraud\w*)\s+\d+ .*$", table, re.M)}
    assert set(rows) == {"is_fraud", "is_fraud_cc", "is_fraud_dd", "is_fraud_gc", "is_fraud_loc", "is_fraud_cim"}
    main_numbers = [float(x) for x in re.findall(r"\d\.\d{4}", rows["is_fraud"])]
    assert len(main_numbers) == 5 and all(0.5 < a <= 1 for a in (main_numbers[0], main_numbers[3]))  # MT and LGB AUC
    root = tmp_path.resolve() / "demo"
    viz = root / "job" / "opt" / "ml" / "output" / "data" / "visualizations"
    assert f"plots:      {viz}" in out and (viz / "roc_test.png").is_file()
    assert f"model:      {root / 'job' / 'opt' / 'ml' / 'model'}" in out

    # the eval step scored the held-out test split with the trained model: the job's own test results
    eval_out = root / "eval" / "opt" / "ml" / "processing" / "output"
    metrics = json.loads((eval_out / "metrics" / "metrics.json").read_text())["eval"]
    training = json.loads((root / "job" / "opt" / "ml" / "output" / "data" / "metrics.json").read_text())["test"]
    assert metrics == training
    assert (eval_out / "eval" / "predictions.csv").is_file() and (eval_out / "metrics" / "visualizations" / "roc_eval.png").is_file()
    assert f"eval of main task 'is_fraud' on {metrics['tasks']['is_fraud']['rows']} held-out rows" in out
    assert f"AUC {metrics['tasks']['is_fraud']['auc_roc']:.4f}" in out

    # the example DAG compiled offline: a valid definition with the training and the eval step
    pipeline = root / "pipeline" / "pipeline.json"
    definition = json.loads(pipeline.read_text())
    steps = {s["Name"]: s["Type"] for s in definition["Steps"]}
    assert steps == {"LightGBMMTTraining_training": "Training", "LightGBMMTModelEval_eval": "Processing"}
    assert f"pipeline:   {pipeline}" in out
    assert f"eval step:  {eval_out / 'eval' / 'predictions.csv'}" in out
