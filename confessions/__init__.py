"""The runnable product: the command line and the wiring of web app, bot and worker."""
