"""Shared pytest configuration: Hypothesis profiles.

``ci`` (the default) keeps property tests fast enough for 2 cores;
``thorough`` (HYPOTHESIS_PROFILE=thorough) runs many more examples.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
