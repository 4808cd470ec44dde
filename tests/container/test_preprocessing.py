"""Preprocessing fitted on train: imputation, risk tables, native codes, JSON artifacts, pre-computed inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mtgbm.errors import MTGBMInputError
from mtgbm.preprocessing import (
    Precomputed, Preprocessor, check_precomputed_state, load_precomputed, select_features,
)


def _train() -> tuple[pd.DataFrame, np.ndarray]:
    df = pd.DataFrame({
        "num": [1.0, 2.0, None, 4.0, "oops", 6.0],
        "code": [3, 3.0, "3", 7, None, 7],
        "cat": ["a", "a", "a", "b", "b", "c"],
    }, dtype=object)
    y = np.array([1, 0, 1, 1, 0, 0], dtype=np.float32)
    return df, y


def _fit(**kw) -> Preprocessor:
    df, y = _train()
    return Preprocessor.fit(df, y, numeric_features=["num"], categorical_features=["code", "cat"], **kw)


def test_mean_imputation_on_train_with_coercion():
    pre = _fit()
    assert pre.impute_dict == {"num": pytest.approx((1 + 2 + 4 + 6) / 4)}
    X = pre.transform(pd.DataFrame({"num": [None, "7", float("inf")], "code": [3] * 3, "cat": ["a"] * 3}))
    np.testing.assert_allclose(X[:, 0], [3.25, 7.0, 3.25])
    assert X.dtype == np.float32


def test_risk_table_formula_smoothing_threshold_unseen_and_missing():
    pre = _fit(smooth_factor=0.5, count_threshold=2)
    prior, s = 0.5, 3  # int(6 * 0.5)
    cat = pre.risk_tables["cat"]
    assert cat["default_bin"] == pytest.approx(prior)
    assert cat["bins"]["a"] == pytest.approx((2 + s * prior) / (3 + s))
    assert cat["bins"]["b"] == pytest.approx((1 + s * prior) / (2 + s))
    assert cat["bins"]["c"] == pytest.approx(prior)  # seen once < count_threshold
    # 3, 3.0 and "3" are one category; a missing value is not a category
    assert set(pre.risk_tables["code"]["bins"]) == {"3", "7"}
    X = pre.transform(pd.DataFrame({"num": [1, 1, 1], "code": ["3", 99, None], "cat": ["a", "zzz", None]}))
    np.testing.assert_allclose(X[:, 1], [pre.risk_tables["code"]["bins"]["3"], prior, prior], rtol=1e-6)
    np.testing.assert_allclose(X[:, 2], [cat["bins"]["a"], prior, prior], rtol=1e-6)
    assert pre.categorical_indices == []  # risk floats are never LightGBM categoricals


def test_native_codes_and_categorical_indices():
    pre = _fit(categorical_handling="native")
    assert pre.category_maps["cat"] == {"a": 0, "b": 1, "c": 2}
    assert pre.categorical_indices == [1, 2]
    X = pre.transform(pd.DataFrame({"num": [1], "code": [7.0], "cat": ["new"]}))
    assert X[0, 1] == 1 and np.isnan(X[0, 2])


@pytest.mark.parametrize("handling", ["risk_table", "native"])
def test_save_load_roundtrip_is_json_and_transforms_identically(tmp_path, handling):
    pre = _fit(categorical_handling=handling, smooth_factor=0.1)
    written = pre.save(tmp_path)
    assert not list(tmp_path.glob("*.pkl"))
    for path in written:
        if path.suffix == ".json":
            json.loads(path.read_text())
    lines = (tmp_path / "feature_columns.txt").read_text().splitlines()
    assert [ln for ln in lines if not ln.startswith("#")] == ["0,num", "1,code", "2,cat"]
    loaded = Preprocessor.load(tmp_path)
    assert loaded == pre
    new = pd.DataFrame({"extra": [1, 2], "cat": ["a", "q"], "num": [None, 2], "code": [3, None]})
    np.testing.assert_array_equal(loaded.transform(new), pre.transform(new))


def test_missing_feature_at_transform_is_named():
    with pytest.raises(MTGBMInputError, match=r"missing feature column\(s\) \['cat'\]"):
        _fit().transform(pd.DataFrame({"num": [1], "code": [3]}))


def test_string_dtype_and_object_dtype_give_the_same_matrix():
    df, y = _train()
    typed = df.copy()
    typed["cat"] = typed["cat"].astype("string")
    a = Preprocessor.fit(df, y, numeric_features=["num"], categorical_features=["cat"])
    b = Preprocessor.fit(typed, y, numeric_features=["num"], categorical_features=["cat"])
    assert a == b
    np.testing.assert_array_equal(a.transform(typed), b.transform(df))


def test_all_text_numeric_column_is_an_error():
    df, y = _train()
    df["num"] = ["x"] * 6
    with pytest.raises(MTGBMInputError, match=r"numeric feature 'num' .* has no numeric value in train"):
        Preprocessor.fit(df, y, numeric_features=["num"], categorical_features=[])


# ----- pre-computed artifacts -----
def test_switch_without_artifact_is_an_error(tmp_path):
    with pytest.raises(MTGBMInputError, match=r"USE_PRECOMPUTED_IMPUTATION=true but impute_dict.json is not"):
        load_precomputed(tmp_path, imputation=True, risk_tables=False, features=False)
    with pytest.raises(MTGBMInputError, match="channel not given"):
        load_precomputed(None, imputation=False, risk_tables=True, features=False)


def test_precomputed_artifacts_used_and_checked_against_data(tmp_path):
    (tmp_path / "impute_dict.json").write_text(json.dumps({"num": 10.0}))
    (tmp_path / "risk_table_map.json").write_text(json.dumps({"cat": {"bins": {"a": 0.9}, "default_bin": 0.1}}))
    (tmp_path / "selected_features.json").write_text(json.dumps(["cat", "num"]))
    pre = load_precomputed(tmp_path, imputation=True, risk_tables=True, features=True)
    assert select_features(["num", "other"], ["cat"], pre.selected_features) == (["num"], ["cat"])
    raw = pd.DataFrame({"num": [1.0, None], "cat": ["a", "b"]})
    with pytest.raises(MTGBMInputError, match=r"imputed upstream, but columns still have missing values \{'num': 1\}"):
        check_precomputed_state(raw, pre, ["num"], ["cat"], "risk_table")
    raw["num"] = [1.0, 2.0]
    with pytest.raises(MTGBMInputError, match=r"risk-mapped upstream, but \['cat'\] still hold raw categories"):
        check_precomputed_state(raw, pre, ["num"], ["cat"], "risk_table")
    with pytest.raises(MTGBMInputError, match="contradicts categorical_handling='native'"):
        check_precomputed_state(raw, pre, ["num"], ["cat"], "native")
    mapped = pd.DataFrame({"num": [1.0, 2.0], "cat": [0.9, 0.1]})
    check_precomputed_state(mapped, pre, ["num"], ["cat"], "risk_table")
    fitted = Preprocessor.fit(mapped, np.array([1.0, 0.0]), numeric_features=["num"], categorical_features=["cat"],
                              impute_dict=pre.impute_dict, risk_tables=pre.risk_tables)
    np.testing.assert_allclose(fitted.transform(mapped, categories_mapped=True), [[1, 0.9], [2, 0.1]], rtol=1e-6)
    # the saved tables map raw categories at inference
    np.testing.assert_allclose(fitted.transform(pd.DataFrame({"num": [None], "cat": ["a"]})), [[10, 0.9]], rtol=1e-6)


def test_selection_of_unknown_feature_is_an_error():
    with pytest.raises(MTGBMInputError, match=r"selects \['ghost'\]"):
        select_features(["a"], ["b"], ["a", "ghost"])
    assert select_features(["a"], ["b"], None) == (["a"], ["b"])
    assert Precomputed().selected_features is None


def test_risk_mapped_input_state_is_saved_loaded_and_followed(tmp_path):
    tables = {"cat": {"bins": {"a": 0.9}, "default_bin": 0.1}}
    mapped = pd.DataFrame({"num": [1.0, 2.0], "cat": [0.9, 0.1]})
    pre = Preprocessor.fit(mapped, np.array([1.0, 0.0]), numeric_features=["num"], categorical_features=["cat"],
                           risk_tables=tables, categories_mapped=True)
    pre.save(tmp_path)
    assert json.loads((tmp_path / "preprocessing.json").read_text())["categorical_input"] == "risk_mapped"
    loaded = Preprocessor.load(tmp_path)
    assert loaded == pre and loaded.categories_mapped
    np.testing.assert_allclose(loaded.transform(mapped), [[1, 0.9], [2, 0.1]], rtol=1e-6)  # read as numbers, not keys
    with pytest.raises(MTGBMInputError, match=r"'cat' holds raw categories \(e.g. \['a'\]\).*risk_table_map.json upstream"):
        loaded.transform(pd.DataFrame({"num": [1.0], "cat": ["a"]}))
    (tmp_path / "preprocessing.json").write_text(json.dumps({"categorical_input": "mapped?"}))
    with pytest.raises(MTGBMInputError, match=r"categorical_input is 'mapped\?'"):
        Preprocessor.load(tmp_path)
    (tmp_path / "preprocessing.json").unlink()  # a model dir from before the file existed: raw categories
    assert not Preprocessor.load(tmp_path).categories_mapped
    with pytest.raises(MTGBMInputError, match="categories_mapped=True needs the risk tables"):
        Preprocessor.fit(mapped, np.array([1.0, 0.0]), numeric_features=["num"], categorical_features=["cat"],
                         categories_mapped=True)
