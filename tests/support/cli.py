"""Running the ``portal`` command inside a test."""
from __future__ import annotations


def run_portal_cli(platform, *args: str):
    """Run ``portal ...`` in-process on the test platform (no second platform, so no
    database connections left for the garbage collector); returns click's Result."""
    from click.testing import CliRunner
    from flask import Flask
    from flask.cli import ScriptInfo

    from portal.cli import cli

    root = Flask("portal.root")
    root.extensions["portal.platform"] = platform
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: root))
