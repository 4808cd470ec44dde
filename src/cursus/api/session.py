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
    _validate_offline_config_once()
    return PipelineSession(boto_session=boto_session, default_bucket=bucket, sagemaker_config=OFFLINE_SDK_CONFIG)


def _validate_offline_config_once() -> None:
    """Stop the SDK re-validating OFFLINE_SDK_CONFIG on every config lookup.

    sagemaker 2.x checks the session's config against its JSON schema at every lookup: about 50
    lookups of 0.2 s per step, 90% of an offline compile. The session validates this constant once
    when it is created; later checks of the same object are skipped, every other config is still
    validated by the SDK's own function.
    """
    import sagemaker.utils as sdk_utils

    sdk_validate = sdk_utils.validate_sagemaker_config
    if getattr(sdk_validate, "skips_offline_config", False):
        return

    def validate(sagemaker_config: dict | None = None) -> None:
        if sagemaker_config is not OFFLINE_SDK_CONFIG:
            sdk_validate(sagemaker_config)

    validate.skips_offline_config = True  # type: ignore[attr-defined]
    sdk_utils.validate_sagemaker_config = validate
