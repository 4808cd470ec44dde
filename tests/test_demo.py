"""``cursus demo``: sample data -> run-local training -> per-task metrics beside a single-task baseline."""

from __future__ import annotations

import re
import time

from cursus.cli import main as cursus_main


def test_demo_trains_compares_and_points_to_the_plots(tmp_path, capsys):
    started = time.monotonic()
    code = cursus_main(["demo", "--workdir", str(tmp_path / "demo"), "--rows", "4000"])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert time.monotonic() - started < 120
    assert "[mtgbm-metrics]" not in out  # per-round lines stay in the job log
    table = out[out.index("test metrics, MT-GBM"):]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^  (is_fraud\w*)\s+\d+ .*$", table, re.M)}
    assert set(rows) == {"is_fraud", "is_fraud_cc", "is_fraud_dd", "is_fraud_gc", "is_fraud_loc", "is_fraud_cim"}
    main_numbers = [float(x) for x in re.findall(r"\d\.\d{4}", rows["is_fraud"])]
    assert len(main_numbers) == 5 and all(0.5 < a <= 1 for a in (main_numbers[0], main_numbers[3]))  # MT and LGB AUC
    viz = tmp_path.resolve() / "demo" / "job" / "opt" / "ml" / "output" / "data" / "visualizations"
    assert f"plots:      {viz}" in out and (viz / "roc_test.png").is_file()
