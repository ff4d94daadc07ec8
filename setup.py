"""Build hook: the wheel carries the shipped instruments inside the package.

``questionnaires/``, ``weights/`` and ``examples/`` stay at the top of the repository (the project's layout); a
regular (non-editable) build copies them into ``surveymod/shipped/`` so that ``importlib.resources`` finds them in
an installed wheel. An editable install reads them from the checkout instead (``surveymod.resources.home``).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("questionnaires", "weights", "examples")


class BuildWithShipped(build_py):
    """build_py that also copies the shipped folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "surveymod" / "shipped"
        shutil.rmtree(target, ignore_errors=True)  # a stale build/ must not keep files deleted since
        for name in SHIPPED:
            shutil.copytree(root / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithShipped})
