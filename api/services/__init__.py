"""Service layer: each function runs inside the caller's transaction and writes its audit rows."""
