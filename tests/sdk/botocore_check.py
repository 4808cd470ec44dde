"""Validate a training step's Arguments as a CreateTrainingJob request, plus the limits botocore skips."""

from __future__ import annotations

import re
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

from cursus.core.instance_types import known_instance_types

_PLACEHOLDERS = {"string": "placeholder", "integer": 1, "long": 1, "boolean": True, "float": 1.0, "double": 1.0}
_MODEL = botocore.session.get_session().get_service_model("sagemaker")


def _substitute(value: Any, shape: Any) -> Any:
    """Replace pipeline expressions ({"Get": ..}, {"Std:Join": ..}) with a placeholder of the shape's type."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Get", "Std:Join"):
        return _PLACEHOLDERS[shape.type_name]
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _substitute(v, shape.members[k]) if k in shape.members else v for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_substitute(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _substitute(v, shape.value) for k, v in value.items()}
    return value


def create_training_job_problems(arguments: dict[str, Any]) -> list[str]:
    shape = _MODEL.operation_model("CreateTrainingJob").input_shape
    request = _substitute({"TrainingJobName": "placeholder", **arguments}, shape)
    report = ParamValidator().validate(request, shape)
    problems = [report.generate_report()] if report.has_errors() else []
    for channel in arguments.get("InputDataConfig", []):
        if not re.fullmatch(r"[A-Za-z0-9.\-_]{1,64}", channel["ChannelName"]):
            problems.append(f"channel name {channel['ChannelName']!r}")
    hps = arguments.get("HyperParameters", {})
    if len(hps) > 100:
        problems.append(f"{len(hps)} hyperparameters > 100")
    problems += [f"hyperparameter {k} is {len(v)} chars" for k, v in hps.items() if len(v) > 2500]
    problems += [f"hyperparameter {k} is not a string" for k, v in hps.items() if not isinstance(v, str)]
    if arguments["ResourceConfig"]["InstanceType"] not in known_instance_types("training"):
        problems.append(f"instance type {arguments['ResourceConfig']['InstanceType']}")
    return problems
