"""run-local refuses flags that the chosen step would silently ignore."""

from __future__ import annotations

from pathlib import Path

import pytest

from cursus.cli import main as cursus_main
from cursus.cli.run_local_cmd import prepare
from cursus.local_run import LocalRunError

EVAL_STEP = "LightGBMMTModelEval"


def _args(tmp_path: Path, *extra: str):
    import argparse

    from cursus.cli.run_local_cmd import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args([EVAL_STEP, "--model", str(tmp_path / "model"), "--data", str(tmp_path / "data"),
                              "--workdir", str(tmp_path / "w"), *extra])


@pytest.mark.parametrize("extra, flag", [
    (("--hyperparameters", "hp.json"), "--hyperparameters"),
    (("--keep-checkpoints",), "--keep-checkpoints"),
])
def test_training_only_flags_are_refused_for_processing_steps(tmp_path, extra, flag):
    with pytest.raises(LocalRunError, match=rf"{flag} is for training steps; {EVAL_STEP} is a processing step .*remove it"):
        prepare(_args(tmp_path, *extra))
    assert not (tmp_path / "w").exists()  # refused before laying anything out


def test_cli_prints_the_flag_error_and_exits_2(tmp_path, capsys):
    code = cursus_main(["run-local", EVAL_STEP, "--model", str(tmp_path), "--data", str(tmp_path),
                        "--workdir", str(tmp_path / "w"), "--keep-checkpoints"])
    assert code == 2
    assert "--keep-checkpoints is for training steps" in capsys.readouterr().err
