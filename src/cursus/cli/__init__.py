"""The ``cursus`` command: one sub-command per module in this package."""

from __future__ import annotations

import argparse
import importlib
import sys

# sub-command -> module in cursus.cli providing ``add_arguments(parser)`` and ``run(args) -> int``.
# Modules are imported only when their command runs, so ``cursus steps`` never imports sagemaker.
COMMANDS = {
    "steps": ("cursus.cli.steps_cmd", "List the registered steps."),
    "compile": ("cursus.cli.compile_cmd", "Compile a pipeline DAG and config into a SageMaker pipeline definition."),
    "run-local": ("cursus.cli.run_local_cmd", "Run a step's script locally in a temp dir laid out like /opt/ml."),
    "demo": ("cursus.cli.demo_cmd", "Train on built-in sample data, show per-task metrics, compile the example DAG."),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="cursus", description="Build, compile and run Cursus pipeline steps (LightGBMMT multi-task training)."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Build only the parser of the command asked for (others are listed by name and help).
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if argv and argv[0] == name:
            modules[name] = importlib.import_module(module_name)
            modules[name].add_arguments(p)
    args = parser.parse_args(argv)
    return int(modules[args.command].run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
