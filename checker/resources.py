"""Where the files that ship inside the package are: the rule pack, the judge's model,
the web page's static files.

They are found through importlib.resources, so an installed wheel finds its own copies
and an editable checkout finds the source tree's, with no path written relative to the
repository.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


class ResourceError(RuntimeError):
    """A packaged data folder is not on a file system."""


def resource_dir(package: str, name: str) -> Path:
    """The folder `name` inside the installed package `package`, as a file-system path.

    The pack is read with globbing and the model with memory maps, which need real
    files; a package imported from a zip archive is refused with a clear message."""
    found = files(package) / name
    if not isinstance(found, Path):
        raise ResourceError(f"{package}/{name} is not on a file system ({found!r}); install stemcheck unzipped")
    return found
