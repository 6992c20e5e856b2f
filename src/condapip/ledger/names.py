"""PyPI and conda names for the same project.

Most conda-forge packages use the PyPI name, normalized. The exceptions below
are the ones users meet; repodata ``purls`` (pkg:pypi/NAME) take precedence
wherever a channel has them. The table is read PyPI -> conda only: a conda
name is not a PyPI name (conda's ``graphviz`` is the C tool, PyPI's
``graphviz`` is conda's ``python-graphviz``).
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

# PyPI name -> conda-forge name, for projects whose names differ.
PYPI_TO_CONDA: dict[str, str] = {
    "torch": "pytorch",
    "opencv-python": "opencv",
    "opencv-python-headless": "opencv",
    "opencv-contrib-python": "opencv",
    "tables": "pytables",
    "msgpack": "msgpack-python",
    "ruamel-yaml": "ruamel.yaml",
    "ruamel-yaml-clib": "ruamel.yaml.clib",
    "matplotlib": "matplotlib-base",
    "jupyter-core": "jupyter_core",
    "jupyter-client": "jupyter_client",
    "jupyter-server": "jupyter_server",
    "typing-extensions": "typing_extensions",
    "prompt-toolkit": "prompt-toolkit",
    "importlib-metadata": "importlib-metadata",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "graphviz": "python-graphviz",
    "kaleido": "python-kaleido",
    "duckdb": "python-duckdb",
    "build": "python-build",
    "pyqt5": "pyqt",
    "pyqt6": "pyqt",
}


def pypi_to_conda(name: str) -> str:
    key = canonicalize_name(name)
    return PYPI_TO_CONDA.get(key, key)


# conda-forge name -> PyPI name: the table read backwards, the first PyPI name kept
# where several share one conda package (opencv).
_CONDA_TO_PYPI: dict[str, str] = {}
for _pypi, _conda in PYPI_TO_CONDA.items():
    _CONDA_TO_PYPI.setdefault(_conda, _pypi)


def conda_to_pypi(name: str) -> str:
    """The PyPI name of a conda package, where no repodata purl says it."""
    return _CONDA_TO_PYPI.get(name, canonicalize_name(name))
