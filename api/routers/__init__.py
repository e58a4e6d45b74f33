"""HTTP routers, one per resource, mounted under ``/v1`` by :func:`api.app.create_app`."""
