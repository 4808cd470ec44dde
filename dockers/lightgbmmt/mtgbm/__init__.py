"""Container-side MT-GBM: the multi-task booster, its task weighting, preprocessing and evaluation.

Runs inside the SageMaker training image (Python 3.10+, pandas 1.5+); never imports ``sagemaker``.
"""
