"""The coordinators' HTTP service, persistence, auth and the ``handoff`` command line."""
