"""Small random p-median instances for the siting tests (minutes as integers, some pairs unreachable)."""

import numpy as np


def random_pmedian(seed: int, n_clients: int, n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    """Costs (clients x sites, inf where unreachable; site 0 reaches everyone) and client weights."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 40, size=(n_clients, n_sites)).astype(float)
    cost[rng.random(cost.shape) < 0.15] = np.inf
    cost[:, 0] = rng.integers(30, 60, size=n_clients)
    weight = rng.integers(1, 5, size=n_clients).astype(float)
    return cost, weight
