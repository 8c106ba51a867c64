"""stemcheck HTTP API: ``python -m api`` or ``uvicorn api.app:app``.

See api/app.py for the endpoints and api/settings.py for the environment
variables that configure it.
"""
