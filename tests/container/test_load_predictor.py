"""A notebook user gets the endpoint's predictor from ``cursus.model`` and the job's test predictions back."""

import numpy as np
import pandas as pd
from test_predictor_fixture import trained_model

from cursus.model import load_predictor
from mtgbm import evaluation


def test_load_predictor_reproduces_the_jobs_test_predictions(tmp_path):
    model = trained_model()
    predictor = load_predictor(model.archive(tmp_path / "model.tar.gz"))
    got = predictor.predict(model.split("test"))
    want, _ = evaluation.read_split_archive(model.output_dir / "test.tar.gz")
    assert list(got.columns) == [f"{t}_prob" for t in model.task_names]
    np.testing.assert_array_equal(got.to_numpy(), want[[f"{t}_prob" for t in model.task_names]].to_numpy())
    assert isinstance(got, pd.DataFrame)
