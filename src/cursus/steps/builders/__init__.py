"""Step builders. These import ``sagemaker``; the registry loads them only when a step is built."""
