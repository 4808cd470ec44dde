"""The steps this package provides: five parts each (contract, spec, config, hyperparameters, builder)."""
