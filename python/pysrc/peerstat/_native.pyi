"""The compiled extension, as the package uses it: the exception classes (documented here) and
the native functions, which only the package's own modules call (their public signatures are
those of the Python functions wrapping them)."""

from typing import Any

class PeerstatError(Exception):
    """Base class of every error peerstat raises."""

class InputError(PeerstatError):
    """The input cannot support the analysis (missing column, bad cell, too few studies...)."""

class SettingError(PeerstatError):
    """An option is out of range, unknown, or contradicts another."""

class ModelError(PeerstatError):
    """The model cannot be fitted to valid input (no convergence, undefined estimate)."""

class FileError(PeerstatError):
    """A file cannot be opened, read or written."""

class Frame: ...

def __getattr__(name: str) -> Any: ...
