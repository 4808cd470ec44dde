"""Channel reading and data checks: formats SageMaker delivers, and errors a person can act on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mtgbm.data import check_both_classes, check_columns, label_matrix, read_channel
from mtgbm.errors import MTGBMInputError

TASKS = ["y", "y_a"]


def _frame(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame({
        "id": range(n), "x": np.linspace(0, 1, n), "cat": ["a", "b", None] * (n // 3),
        "y": [0, 1] * (n // 2), "y_a": [1, 0] * (n // 2),
    })


def test_reads_many_files_of_every_format_and_compression(tmp_path):
    df = _frame(12)
    parts = [df.iloc[:3], df.iloc[3:6], df.iloc[6:9], df.iloc[9:]]
    parts[0].to_csv(tmp_path / "a.csv", index=False)
    parts[1].to_csv(tmp_path / "b.csv.gz", index=False)
    (tmp_path / "sub").mkdir()
    parts[2].to_parquet(tmp_path / "sub" / "c.parquet", index=False)
    parts[3].to_json(tmp_path / "d.jsonl.gz", orient="records", lines=True)
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / ".manifest").write_text("ignored")
    out = read_channel(tmp_path, "train")
    assert len(out) == 12
    assert sorted(out["id"].tolist()) == list(range(12))
    assert set(out.columns) == set(df.columns)


def test_missing_channel_names_the_folder(tmp_path):
    with pytest.raises(MTGBMInputError, match=r"channel 'val' is missing.*val"):
        read_channel(tmp_path / "val", "val")


def test_empty_channel_and_empty_files(tmp_path):
    (tmp_path / "train").mkdir()
    with pytest.raises(MTGBMInputError, match="channel 'train' is empty"):
        read_channel(tmp_path / "train", "train")
    _frame().iloc[:0].to_csv(tmp_path / "train" / "data.csv", index=False)
    with pytest.raises(MTGBMInputError, match="channel 'train' has no rows"):
        read_channel(tmp_path / "train", "train")


def test_unsupported_file_and_mismatched_columns(tmp_path):
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(MTGBMInputError, match=r"data.xlsx has an unsupported name"):
        read_channel(tmp_path, "train")
    (tmp_path / "data.xlsx").unlink()
    _frame().to_csv(tmp_path / "a.csv", index=False)
    _frame().drop(columns="x").to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(MTGBMInputError, match=r"b.csv has different columns.*missing \['x'\]"):
        read_channel(tmp_path, "train")


def test_unreadable_file_is_named(tmp_path):
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(MTGBMInputError, match=r"cannot read .*bad.parquet as parquet"):
        read_channel(tmp_path, "train")


def test_missing_column_names_role_and_fix():
    with pytest.raises(MTGBMInputError, match=r"\['nope'\] named in tab_field_list are not in the data"):
        check_columns(_frame(), {"tab_field_list": ["x", "nope"]}, "train")


def test_labels_accept_ints_floats_bools_and_text_digits():
    df = _frame()
    df["y"] = df["y"].astype(float)
    df["y_a"] = df["y_a"].astype(bool)
    Y = label_matrix(df, TASKS, "train", "id")
    assert Y.dtype == np.float32 and Y.shape == (6, 2)
    np.testing.assert_array_equal(Y[:, 0], [0, 1, 0, 1, 0, 1])
    df["y"] = df["y"].astype(int).astype(str)
    np.testing.assert_array_equal(label_matrix(df, TASKS, "train", "id")[:, 0], [0, 1, 0, 1, 0, 1])


@pytest.mark.parametrize(
    "values, message",
    [
        ([0, 1, None, 1, 0, 1], r"label column 'y' has 1 missing value\(s\) \(e.g. id \[2\]\)"),
        ([0, 1, 2, 1, 0, 1], r"label column 'y' is not binary: it holds \[2.0\]"),
        (["0", "1", "yes", "1", "0", "1"], r"label column 'y' holds non-numeric values \['yes'\]"),
    ],
)
def test_bad_labels(values, message):
    df = _frame()
    df["y"] = values
    with pytest.raises(MTGBMInputError, match=message):
        label_matrix(df, TASKS, "val", "id")


def test_task_without_positives():
    Y = np.array([[0, 0], [1, 0], [0, 0]], dtype=np.float32)
    with pytest.raises(MTGBMInputError, match=r"task 'y_a' has no positives in 3 rows.*drop 'y_a'"):
        check_both_classes(Y, TASKS, "train")
