"""Errors a person can act on. The training script turns these into /opt/ml/output/failure."""


class MTGBMInputError(ValueError):
    """Data or parameters that cannot be trained on; the message names what, the value, and the fix."""
