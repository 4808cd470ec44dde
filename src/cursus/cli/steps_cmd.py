"""``cursus steps``: list the registered steps. Reads the registry only, so it never imports sagemaker."""

from __future__ import annotations

import argparse

from cursus.registry import STEP_REGISTRY


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--verbose", "-v", action="store_true", help="also show config, builder and spec paths")


def run(args: argparse.Namespace) -> int:
    for info in sorted(STEP_REGISTRY.values(), key=lambda i: i.name):
        print(f"{info.name:<24} {info.sagemaker_step_type:<12} {info.config_class_name}")
        if args.verbose:
            print(f"    {info.description}")
            for label, path in (("config", info.config_class), ("builder", info.builder_class), ("spec", info.spec)):
                print(f"    {label + ':':<9}{path}")
    return 0
