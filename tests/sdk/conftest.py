"""Offline AWS for the SDK tests: fake credentials, moto S3 with the bucket made first, no sockets.

``sagemaker`` is imported once per session (about 5 s); one PipelineSession per module.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
REGION = "us-east-1"  # the example config's region NA
BUCKET = "my-cursus-bucket"
TRAINING_NODE = "LightGBMMTTraining_training"
EVAL_NODE = "LightGBMMTModelEval_eval"

OFFLINE_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
}
os.environ.update(OFFLINE_ENV)
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="cursus-xdg-")
sys.path.insert(0, str(Path(__file__).parent))  # fake_steps, botocore_check


class NetworkAttempt(AssertionError):
    pass


@pytest.fixture(scope="session", autouse=True)
def no_network():
    """Any socket connection fails the test: everything here must work offline."""
    def refuse(self, address, *args):
        if self.family == socket.AF_UNIX:
            return real_connect(self, address, *args)
        raise NetworkAttempt(f"network connection attempted to {address}")

    real_connect = socket.socket.connect
    socket.socket.connect = refuse
    yield
    socket.socket.connect = real_connect


@pytest.fixture(scope="module")
def aws():
    """moto S3/STS with the example bucket; yields a boto3 S3 client."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        yield s3


@pytest.fixture(scope="module")
def session(aws):
    from cursus.api.session import pipeline_session

    return pipeline_session(REGION, BUCKET, offline=True)


def example_config() -> dict:
    return json.loads((EXAMPLES / "lightgbmmt_config.json").read_text())


def write_config(tmp_path: Path, config: dict, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return path


def training_section(config: dict) -> dict:
    return config["configuration"]["specific"][TRAINING_NODE]


@contextmanager
def registered_step(info) -> Iterator[None]:
    """Register a test-only step (``cursus.registry.StepInfo``) for the block, and always remove it after."""
    from cursus.registry import register_step, unregister_step

    register_step(info)
    try:
        yield
    finally:
        unregister_step(info.name)
