"""The script's metric line and the builder's metric regexes come from one place and agree."""

import re

from cursus.steps.contracts.lightgbmmt_training_contract import metric_definitions, metric_log_line


def test_every_metric_definition_matches_its_value():
    tasks = ["is_fraud", "is_fraud_cc", "is_fraud_c"]
    aucs = [0.91, 0.875, 1e-5]
    line = metric_log_line(7, tasks, aucs, 0.6)
    found = {d["Name"]: float(re.search(d["Regex"], line).group(1)) for d in metric_definitions(tasks)}
    assert found == {"val_auc_mean": 0.6, "val_auc_is_fraud": 0.91, "val_auc_is_fraud_cc": 0.875, "val_auc_is_fraud_c": 0.00001}
