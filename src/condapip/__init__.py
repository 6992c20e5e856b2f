"""condapip: let conda and pip share one environment without breaking it."""

__version__ = "0.1.0"
