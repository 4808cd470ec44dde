"""Built-in fraud-like sample data: a main task plus one sparse subtask per payment type.

Used by ``cursus demo``, the tests and the benchmarks, so all three train on the same kind of data.
The main label ``is_fraud`` depends on a shared signal; each subtask ``is_fraud_<payment>`` is
``is_fraud`` restricted to one payment type, whose fraud also follows a payment-specific pattern.
That is the setting MT-GBM is for: related tasks, sparse subtasks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

PAYMENT_TYPES = ("cc", "dd", "gc", "loc", "cim")
COUNTRIES = ("US", "GB", "DE", "FR", "JP", "BR", "IN", "CA", "MX", "NG", "AU", "ES")


@dataclass(frozen=True)
class SampleSchema:
    """Column roles of a generated dataset."""

    id_name: str
    task_label_names: list[str]
    tab_field_list: list[str]
    cat_field_list: list[str]
    full_field_list: list[str] = field(default_factory=list)

    def hyperparameters(self, **overrides) -> dict:
        """A hyperparameters dict (as LightGBMMtModelHyperparameters accepts) for this schema."""
        hp = {
            "full_field_list": self.full_field_list,
            "tab_field_list": self.tab_field_list,
            "cat_field_list": self.cat_field_list,
            "id_name": self.id_name,
            "label_name": self.task_label_names[0],
            "task_label_names": self.task_label_names,
        }
        hp.update(overrides)
        return hp


def make_fraud_data(
    n_rows: int, n_numeric: int = 20, n_payment_types: int = 5, seed: int = 0, missing_rate: float = 0.05
) -> tuple[pd.DataFrame, SampleSchema]:
    """Generate ``n_rows`` transactions with ``1 + n_payment_types`` binary tasks."""
    if not 1 <= n_payment_types <= len(PAYMENT_TYPES):
        raise ValueError(f"n_payment_types={n_payment_types}; use 1..{len(PAYMENT_TYPES)}")
    if n_numeric < 4:
        raise ValueError(f"n_numeric={n_numeric}; use at least 4")
    rng = np.random.default_rng(seed)
    payments = PAYMENT_TYPES[:n_payment_types]
    x = rng.standard_normal((n_rows, n_numeric)).astype(np.float32)
    pay = rng.choice(len(payments), size=n_rows, p=_payment_mix(len(payments)))
    country = rng.choice(len(COUNTRIES), size=n_rows)
    country_risk = np.linspace(-1.0, 1.5, len(COUNTRIES))[country]

    # Shared fraud signal, plus a payment-specific pattern on its own feature pair.
    logit = -4.2 + 1.1 * x[:, 0] - 0.8 * x[:, 1] + 0.6 * x[:, 2] * x[:, 3] + 0.7 * country_risk
    for p in range(len(payments)):
        a, b = 4 + (2 * p) % (n_numeric - 4), 4 + (2 * p + 1) % (n_numeric - 4)
        own = 1.3 * np.tanh(x[:, a]) + 0.9 * (x[:, b] > 0.8)
        logit = np.where(pay == p, logit + own, logit)
    is_fraud = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int8)

    df = pd.DataFrame(x, columns=[f"num_{i:02d}" for i in range(n_numeric)])
    missing = rng.random(df.shape) < missing_rate
    missing[:, 0] = False  # keep the strongest feature complete so the signal survives
    df = df.mask(missing)
    df.insert(0, "order_id", np.arange(1, n_rows + 1, dtype=np.int64))
    df["payment_type"] = np.asarray(payments, dtype=object)[pay]
    df["country"] = np.asarray(COUNTRIES, dtype=object)[country]
    df.loc[rng.random(n_rows) < missing_rate, "country"] = None
    tasks = ["is_fraud"] + [f"is_fraud_{p}" for p in payments]
    df["is_fraud"] = is_fraud
    for p_idx, p in enumerate(payments):
        df[f"is_fraud_{p}"] = (is_fraud & (pay == p_idx)).astype(np.int8)
    schema = SampleSchema(
        id_name="order_id",
        task_label_names=tasks,
        tab_field_list=[c for c in df.columns if c.startswith("num_")],
        cat_field_list=["payment_type", "country"],
        full_field_list=list(df.columns),
    )
    return df, schema


def _payment_mix(k: int) -> np.ndarray:
    w = np.array([0.45, 0.25, 0.15, 0.1, 0.05][:k])
    return w / w.sum()


def write_sample_splits(
    out_dir: Path, n_rows: int = 20_000, seed: int = 0, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    **hp_overrides,
) -> SampleSchema:
    """Write ``train/``, ``val/``, ``test/`` CSV folders and ``hyperparameters.json`` into ``out_dir``."""
    df, schema = make_fraud_data(n_rows, seed=seed)
    out_dir = Path(out_dir)
    n_train = int(n_rows * fractions[0])
    n_val = int(n_rows * fractions[1])
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n_rows)}
    for split, (lo, hi) in bounds.items():
        (out_dir / split).mkdir(parents=True, exist_ok=True)
        df.iloc[lo:hi].to_csv(out_dir / split / "data.csv", index=False)
    (out_dir / "hyperparameters.json").write_text(json.dumps(schema.hyperparameters(**hp_overrides), indent=2) + "\n")
    return schema
