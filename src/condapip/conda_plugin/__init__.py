"""condapip inside conda. The hooks conda loads are in ``hooks`` (the ``conda``
entry point names that module), so this package, and the guard's and health
checks' logic below it, import without conda installed.
"""
