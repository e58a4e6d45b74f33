"""The deterministic demo region generator (see docs/demo-region.md).

``write_demo_region`` writes a whole region folder in real formats; ``generate_providers``
and ``generate_sites`` also serve real regions, where no public provider list exists.
"""

from geodata.demo.providers import generate_providers, generate_sites
from geodata.demo.region import write_demo_region

__all__ = ["write_demo_region", "generate_providers", "generate_sites"]
