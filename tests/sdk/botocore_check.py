"""Validate a step's Arguments as the request SageMaker receives (CreateTrainingJob or CreateProcessingJob).

botocore's bundled shape checks types and required members; each checker adds the limits botocore skips.
"""

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


def _shape_problems(operation: str, job_name_key: str, arguments: dict[str, Any]) -> list[str]:
    """botocore's report on ``arguments`` as ``operation``'s request (the pipeline sets the job name itself)."""
    shape = _MODEL.operation_model(operation).input_shape
    request = _substitute({job_name_key: "placeholder", **arguments}, shape)
    report = ParamValidator().validate(request, shape)
    return [report.generate_report()] if report.has_errors() else []


def create_training_job_problems(arguments: dict[str, Any]) -> list[str]:
    problems = _shape_problems("CreateTrainingJob", "TrainingJobName", arguments)
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


def create_processing_job_problems(arguments: dict[str, Any]) -> list[str]:
    problems = _shape_problems("CreateProcessingJob", "ProcessingJobName", arguments)
    names = [i["InputName"] for i in arguments["ProcessingInputs"]] + [
        o["OutputName"] for o in arguments["ProcessingOutputConfig"]["Outputs"]]
    if len(set(names)) != len(names):
        problems.append(f"duplicate input/output names {names}")
    paths = [i["S3Input"]["LocalPath"] for i in arguments["ProcessingInputs"]] + [
        o["S3Output"]["LocalPath"] for o in arguments["ProcessingOutputConfig"]["Outputs"]]
    problems += [f"local path {p} outside /opt/ml/processing" for p in paths if not p.startswith("/opt/ml/processing/")]
    instance_type = arguments["ProcessingResources"]["ClusterConfig"]["InstanceType"]
    if instance_type not in known_instance_types("processing"):
        problems.append(f"unknown instance type {instance_type}")
    return problems


_CHECKS = {"Training": create_training_job_problems, "Processing": create_processing_job_problems}


def step_problems(step: dict[str, Any]) -> list[str]:
    """Problems of one step of a pipeline definition, checked as the request its type launches."""
    return _CHECKS[step["Type"]](step["Arguments"])
