"""PipelineSessions for compiling: with your AWS credentials, or offline with none at all."""

from __future__ import annotations

from typing import Any

# SDK defaults for an offline compile: nothing from local SDK config files (the definition depends on
# the inputs only) and no telemetry request (the SDK sends one per estimator.fit unless opted out).
OFFLINE_SDK_CONFIG = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}


def pipeline_session(region: str, bucket: str, *, offline: bool = False) -> Any:
    """A PipelineSession for ``region`` whose default bucket is ``bucket`` (so the SDK never looks one up).

    Offline, boto3 gets placeholder keys instead of searching for credentials; nothing is signed or
    sent as long as code packages go to a local publisher (``LocalCodePublisher``).
    """
    import boto3
    from sagemaker.workflow.pipeline_context import PipelineSession

    if not offline:
        return PipelineSession(boto_session=boto3.Session(region_name=region), default_bucket=bucket)
    boto_session = boto3.Session(
        region_name=region, aws_access_key_id="offline", aws_secret_access_key="offline", aws_session_token="offline"
    )
    return PipelineSession(boto_session=boto_session, default_bucket=bucket, sagemaker_config=OFFLINE_SDK_CONFIG)
