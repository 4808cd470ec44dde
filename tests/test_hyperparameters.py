"""LightGBMMtModelHyperparameters rejects mistakes with messages that name field, value and fix."""

import pytest

from cursus.core.base.hyperparameters_base import HyperparameterError
from cursus.steps.hyperparams import LightGBMMtModelHyperparameters as HP

TASKS = ["is_fraud", "is_fraud_cc", "is_fraud_dd"]


def valid(**overrides):
    data = dict(
        full_field_list=["order_id", *TASKS, "amount", "age", "country"],
        tab_field_list=["amount", "age"],
        cat_field_list=["country"],
        id_name="order_id",
        label_name="is_fraud",
        task_label_names=TASKS,
    )
    data.update(overrides)
    return data


def test_valid_hyperparameters_round_trip_through_json():
    hp = HP.parse(valid(loss_type="fixed", loss_beta=0.3))
    again = HP.parse(hp.to_json_dict())
    assert again == hp
    assert hp.feature_names == ["amount", "age", "country"]
    assert hp.num_tasks is None and len(hp.task_label_names) == 3


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (dict(main_task_index=3), "main_task_index=3 is out of range for 3 tasks"),
        (dict(task_label_names=["is_fraud"]), 'task_label_names: List should have at least 2 items after validation, not 1 (got ["is_fraud"])'),
        (dict(tab_field_list=["amount", "is_fraud_cc"], full_field_list=["order_id", *TASKS, "amount", "country"]),
         "task label columns ['is_fraud_cc'] are also listed as features"),
        (dict(loss_type="dynamic"), """loss_type: Input should be 'fixed', 'adaptive' or 'adaptive_kd' (got "dynamic")"""),
        (dict(learning_rate=-0.1), "learning_rate: Input should be greater than 0 (got -0.1)"),
        (dict(loss_beta=-1), "loss_beta: Input should be greater than or equal to 0 (got -1)"),
        (dict(bagging_fraction=0.7), "bagging_fraction=0.7 has no effect with bagging_freq=0; set bagging_freq"),
        (dict(label_name="is_fraud_cc"), "label_name='is_fraud_cc' is not the main task"),
        (dict(num_leafs=63), "num_leafs: unknown key"),
        (dict(loss_cache_predictions=True), "'loss_cache_predictions' is no longer a hyperparameter"),
        (dict(num_tasks=4), "num_tasks=4 but task_label_names has 3 entries"),
        (dict(loss_type="fixed", loss_weight_method="sqrt"), "only applies to the adaptive losses"),
    ],
)
def test_bad_hyperparameters_name_the_problem(overrides, expected):
    with pytest.raises(HyperparameterError) as err:
        HP.parse(valid(**overrides))
    assert expected in str(err.value)


def test_effective_weight_lr_follows_reference_defaults():
    assert HP.parse(valid()).effective_weight_lr == 0.1
    assert HP.parse(valid(loss_weight_method="sqrt")).effective_weight_lr == 0.5
    assert HP.parse(valid(loss_weight_method="sqrt", loss_weight_lr=0.2)).effective_weight_lr == 0.2


def test_tunable_scalars_exclude_lists():
    scalars = HP.parse(valid()).tunable_scalars()
    assert "learning_rate" in scalars and "task_label_names" not in scalars
    assert all(not isinstance(v, (list, dict)) for v in scalars.values())
