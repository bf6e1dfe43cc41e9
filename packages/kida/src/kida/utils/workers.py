"""How many threads to render with: worker counts by workload and environment.

Rendering is CPU-bound, so threads only run it in parallel on a free-threaded Python (3.13t+
with the GIL off); elsewhere ``is_free_threading_enabled()`` is False and the counts stay at
the conservative end of each profile.

Example::

    from concurrent.futures import ThreadPoolExecutor
    if should_parallelize(len(contexts)):
        with ThreadPoolExecutor(get_optimal_workers(len(contexts))) as pool:
            pages = list(pool.map(lambda c: template.render(**c), contexts))
"""

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol


class WorkloadType(Enum):
    """What the threads will do."""

    RENDER = "render"
    COMPILE = "compile"
    IO_BOUND = "io_bound"


class Environment(Enum):
    """Where the code runs (exported from ``kida`` as ``WorkerEnvironment``)."""

    CI = "ci"
    LOCAL = "local"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class WorkloadProfile:
    """Sizing rules of one workload in one environment."""

    #: Fewer tasks than this run faster serially than through a pool.
    parallel_threshold: int
    min_workers: int
    max_workers: int
    #: Share of the CPU cores to use.
    cpu_fraction: float
    #: Extra scaling when the GIL is off.
    free_threading_multiplier: float = 1.0


_P = WorkloadProfile
_PROFILES: dict[tuple[WorkloadType, Environment], WorkloadProfile] = {
    (WorkloadType.RENDER, Environment.CI): _P(10, 2, 2, 1.0),
    (WorkloadType.RENDER, Environment.LOCAL): _P(10, 2, 4, 0.5, 1.5),
    (WorkloadType.RENDER, Environment.PRODUCTION): _P(10, 2, 8, 0.5, 1.5),
    (WorkloadType.COMPILE, Environment.CI): _P(20, 1, 2, 0.5),
    (WorkloadType.COMPILE, Environment.LOCAL): _P(20, 2, 4, 0.5),
    (WorkloadType.COMPILE, Environment.PRODUCTION): _P(20, 2, 6, 0.5),
    (WorkloadType.IO_BOUND, Environment.CI): _P(20, 2, 4, 1.0),
    (WorkloadType.IO_BOUND, Environment.LOCAL): _P(20, 2, 8, 0.75),
    (WorkloadType.IO_BOUND, Environment.PRODUCTION): _P(20, 2, 12, 0.75),
}

#: Variables set by common CI services.
_CI_VARIABLES = (
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "CIRCLECI",
    "TRAVIS",
    "JENKINS_URL",
    "BUILDKITE",
    "CODEBUILD_BUILD_ID",
    "AZURE_PIPELINES",
    "TF_BUILD",
)


def is_free_threading_enabled() -> bool:
    """Whether this Python runs without the GIL (False on every standard build)."""
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return is_gil_enabled is not None and not is_gil_enabled()


def detect_environment() -> Environment:
    """``KIDA_ENV`` (ci, local, production) if set, else CI when a CI variable is set, else
    LOCAL."""
    chosen = os.environ.get("KIDA_ENV", "").lower()
    for environment in Environment:
        if chosen == environment.value:
            return environment
    if any(os.environ.get(name) for name in _CI_VARIABLES):
        return Environment.CI
    return Environment.LOCAL


def get_profile(
    workload_type: WorkloadType, environment: Environment | None = None
) -> WorkloadProfile:
    """The sizing rules for ``workload_type`` (in the detected environment by default)."""
    return _PROFILES[(workload_type, environment or detect_environment())]


def get_optimal_workers(
    task_count: int,
    *,
    workload_type: WorkloadType = WorkloadType.RENDER,
    environment: Environment | None = None,
    config_override: int | None = None,
    task_weight: float = 1.0,
) -> int:
    """Threads to use for ``task_count`` tasks: a share of the cores within the profile's
    bounds, never more than the (weighted) tasks, at least 1; a positive ``config_override``
    wins."""
    if config_override is not None and config_override > 0:
        return config_override
    profile = get_profile(workload_type, environment)
    workers = max(profile.min_workers, int((os.cpu_count() or 2) * profile.cpu_fraction))
    if is_free_threading_enabled():
        workers = int(workers * profile.free_threading_multiplier)
    workers = min(workers, profile.max_workers)
    return min(workers, max(1, int(task_count * task_weight)))


def should_parallelize(
    task_count: int,
    *,
    workload_type: WorkloadType = WorkloadType.RENDER,
    environment: Environment | None = None,
    total_work_estimate: int | None = None,
) -> bool:
    """Whether a pool pays off: enough tasks, and (if given) at least 5000 bytes of output."""
    if task_count < get_profile(workload_type, environment).parallel_threshold:
        return False
    return total_work_estimate is None or total_work_estimate >= 5000


class _HasSource(Protocol):
    source: str


#: An opening tag of the given keywords, with or without whitespace control (``{%-``, ``{%+``).
def _tag(*keywords: str) -> re.Pattern[str]:
    return re.compile(r"\{%[-+]?\s*(?:" + "|".join(keywords) + r")\b")


_BLOCK, _COMPONENT = _tag("block"), _tag("def", "macro")
_EXTENDS, _INCLUDE = _tag("extends"), _tag("include")


def estimate_template_weight(template: _HasSource) -> float:
    """How heavy a render of ``template`` is next to an average one (1.0), capped at 5.0.

    Read from the source, so it costs no render: +0.5 per 5 KB past the first 5 KB, +0.1 per
    block past three, +0.2 per def/macro, +0.5 for ``extends``, +0.15 per ``include``.
    """
    source = template.source or ""
    weight = 1.0 + max(0, len(source) - 5000) / 10000
    weight += max(0, len(_BLOCK.findall(source)) - 3) * 0.1
    weight += len(_COMPONENT.findall(source)) * 0.2
    weight += 0.5 if _EXTENDS.search(source) else 0.0
    weight += len(_INCLUDE.findall(source)) * 0.15
    return min(weight, 5.0)


def order_by_complexity[T: _HasSource](
    templates: Iterable[T], *, descending: bool = True
) -> list[T]:
    """A new list of ``templates``, heaviest first by default, so no slow render starts last."""
    return sorted(templates, key=estimate_template_weight, reverse=descending)
