"""Model hyperparameters. Import-light: the training container validates with these same classes."""

from cursus.steps.hyperparams.hyperparameters_lightgbmmt import LightGBMMtModelHyperparameters

__all__ = ["LightGBMMtModelHyperparameters"]
