"""The Jupyter server extension: thin, authenticated tornado handlers over the services."""
