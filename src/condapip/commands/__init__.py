"""One module per verb: each takes parsed options and returns data to print."""
