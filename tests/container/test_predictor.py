"""MultiTaskPredictor on a model freshly trained by the real training script."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import tarfile

import numpy as np
import pandas as pd
import pytest
from test_predictor_fixture import trained_model

from mtgbm import checkpoint
from mtgbm.booster import MultiTaskBooster
from mtgbm.errors import MTGBMInputError
from mtgbm.evaluation import read_split_archive
from mtgbm.predictor import MultiTaskPredictor


@pytest.fixture(scope="module")
def model():
    return trained_model()


@pytest.fixture(scope="module")
def predictor(model):
    return MultiTaskPredictor.load(model.model_dir)


@pytest.fixture(scope="module")
def test_rows(model):
    return model.split("test")


@pytest.mark.parametrize("categorical_handling", ["risk_table", "native"])
def test_reproduces_the_training_jobs_test_predictions_exactly(categorical_handling):
    model = trained_model(categorical_handling)
    test_rows = model.split("test")
    job_predictions, _ = read_split_archive(model.output_dir / "test.tar.gz")
    ours = MultiTaskPredictor.load(model.model_dir).predict(test_rows)
    assert job_predictions[model.id_name].tolist() == test_rows[model.id_name].tolist()
    for task in model.task_names:
        np.testing.assert_array_equal(ours[f"{task}_prob"].to_numpy(np.float64), job_predictions[f"{task}_prob"].to_numpy())


def test_one_probability_column_per_task_main_task_first(model, predictor, test_rows):
    out = predictor.predict(test_rows.head(7))
    assert predictor.task_names[0] == predictor.main_task == "is_fraud"
    assert list(out.columns) == [f"{t}_prob" for t in predictor.task_names]
    assert sorted(predictor.task_names) == sorted(model.task_names)
    assert out.index.equals(test_rows.head(7).index)
    assert ((out.to_numpy() > 0) & (out.to_numpy() < 1)).all()
    np.testing.assert_array_equal(predictor.predict_proba(test_rows.head(7)), out.to_numpy())


def test_loads_the_archive_and_a_folder_holding_it(model, predictor, test_rows, tmp_path):
    archive = model.archive(tmp_path / "model.tar.gz")
    expected = predictor.predict(test_rows)
    pd.testing.assert_frame_equal(MultiTaskPredictor.load(archive).predict(test_rows), expected)
    pd.testing.assert_frame_equal(MultiTaskPredictor.load(tmp_path).predict(test_rows), expected)  # a processing input
    assert MultiTaskPredictor.load(archive).hyperparameters["id_name"] == model.id_name


def test_extra_columns_and_column_order_do_not_matter(predictor, test_rows):
    shuffled = test_rows.sample(frac=1.0, axis=1, random_state=0).assign(unrelated="x", another=1.5)
    pd.testing.assert_frame_equal(predictor.predict(shuffled), predictor.predict(test_rows))


@pytest.mark.parametrize("categorical_handling", ["risk_table", "native"])
def test_unseen_category_is_treated_like_a_missing_one(categorical_handling):
    """risk_table: the default risk; native: LightGBM's missing branch."""
    model = trained_model(categorical_handling)
    predictor, rows = MultiTaskPredictor.load(model.model_dir), model.split("test").head(200)
    splits = dict(zip(predictor.feature_names, predictor.booster.feature_importance("split")[predictor.main_task]))
    column = max(predictor.preprocessor.categorical_features, key=splits.get)
    assert splits[column] > 0, "the model must use a categorical feature for this test to mean anything"
    unseen = predictor.predict(rows.assign(**{column: "never-seen-before"}))
    missing = predictor.predict(rows.assign(**{column: None}))
    pd.testing.assert_frame_equal(unseen, missing)
    assert not unseen.equals(predictor.predict(rows))


def test_missing_feature_column_is_named(predictor, test_rows):
    with pytest.raises(MTGBMInputError, match=r"missing feature column\(s\) \['num_03', 'country'\]"):
        predictor.predict(test_rows.drop(columns=["num_03", "country"]))


def test_not_a_model_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(MTGBMInputError, match=r"mtgbm_model.json and feature_columns.txt missing \(found \['notes.txt'\]\)"):
        MultiTaskPredictor.load(tmp_path)
    with pytest.raises(MTGBMInputError, match="not a tar archive"):
        MultiTaskPredictor.load(tmp_path / "notes.txt")


def test_archive_member_escaping_the_folder_is_refused(tmp_path):
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("../evil.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    with pytest.raises(MTGBMInputError, match=r"'\.\./evil\.txt' is a link or points outside"):
        MultiTaskPredictor.load(tmp_path / "model.tar.gz")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_files_of_two_training_runs_are_refused(model, tmp_path):
    mixed = tmp_path / "model"
    shutil.copytree(model.model_dir, mixed)
    lines = (mixed / "feature_columns.txt").read_text().replace(",num_00", ",TMP").replace(",num_01", ",num_00")
    (mixed / "feature_columns.txt").write_text(lines.replace(",TMP", ",num_01"))
    with pytest.raises(MTGBMInputError, match="mixes files of different training runs"):
        MultiTaskPredictor.load(mixed)


def _corrupted_copy(model, tmp_path, edit):
    broken = tmp_path / "model"
    shutil.copytree(model.model_dir, broken)
    edit(broken)
    return broken


def _edit_manifest(change):
    def edit(directory):
        path = directory / "mtgbm_model.json"
        manifest = json.loads(path.read_text())
        change(manifest)
        path.write_text(json.dumps(manifest))
    return edit


@pytest.mark.parametrize("edit, message", [
    (lambda d: (d / "leaf_values.json").unlink(), r"leaf_values\.json not found \(files\.leaf_values of .*mtgbm_model\.json\); use the unpacked model\.tar\.gz of one"),
    (lambda d: (d / "training_state.json").unlink(), r"training_state\.json not found .*use the unpacked model\.tar\.gz of one LightGBMMTTraining job"),
    (_edit_manifest(lambda m: m.update(format_version=0)), r"mtgbm_model\.json has format_version=0; this code reads format_version=1: retrain with this version"),
    (_edit_manifest(lambda m: m.pop("lambda_l2")), r"mtgbm_model\.json lacks key\(s\) \['lambda_l2'\]; use the unpacked model\.tar\.gz of one"),
    (_edit_manifest(lambda m: m["files"].pop("structure")), r"mtgbm_model\.json lacks key\(s\) \['files\.structure'\]"),
    (lambda d: (d / "leaf_values.json").write_text('{"leaf_values": [1, 2'), r"leaf_values\.json is not valid JSON \(.* at line 1 column \d+\); use the unpacked"),
    (lambda d: (d / "mtgbm_model.json").write_text("[1]"), r"mtgbm_model\.json holds a JSON list, not an object"),
    (lambda d: (d / "leaf_values.json").write_text('{"leaf_values": []}'), r"leaf_values\.json lacks key 'grad_sums'"),
], ids=["no leaf file", "no state file", "format_version", "manifest key", "files key", "bad json", "manifest not object", "leaf key"])
def test_corrupted_model_directory_is_named_with_the_fix(model, tmp_path, edit, message):
    broken = _corrupted_copy(model, tmp_path, edit)
    with pytest.raises(MTGBMInputError, match=message):
        MultiTaskPredictor.load(broken)
    with pytest.raises(MTGBMInputError, match=message):
        MultiTaskBooster.load(broken)


def test_foreign_npz_checkpoint_is_ignored_with_a_warning(tmp_path, caplog):
    np.savez(tmp_path / checkpoint.CHECKPOINT_FILE, weights=np.arange(3))
    with caplog.at_level(logging.WARNING):
        assert checkpoint.read_checkpoint(tmp_path, "fingerprint") is None
    assert re.search(r"ignoring unreadable checkpoint .*no \['meta', 'model'\] array\(s\).*training from scratch", caplog.text), caplog.text


def test_checkpoint_with_undecodable_meta_is_ignored(tmp_path, caplog):
    np.savez(tmp_path / checkpoint.CHECKPOINT_FILE, meta=np.frombuffer(b"\xff{", dtype=np.uint8), model=np.zeros(1, np.uint8))
    with caplog.at_level(logging.WARNING):
        assert checkpoint.read_checkpoint(tmp_path, "fingerprint") is None
    assert "ignoring unreadable checkpoint" in caplog.text
