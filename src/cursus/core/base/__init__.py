"""Base classes every step builds on. Modules here that the container needs import no ``sagemaker``."""
