"""The version of casestudy, in one place (the package, the manifest and the REFI-QDA files read it)."""

__version__ = "0.1.0"
