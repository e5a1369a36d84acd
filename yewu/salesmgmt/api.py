"""Mounts the sales-management routers (SPEC §7) on the API."""

from .daily.api import router as daily_router
from .leaderboard.api import router as leaderboard_router
from .plans.api import router as plans_router
from .routes.api import router as routes_router
from .targets.api import router as targets_router
from .training.api import router as training_router


def register(api) -> None:
    api.add_router("/targets", targets_router)
    api.add_router("/daily", daily_router)
    api.add_router("/leaderboard", leaderboard_router)
    api.add_router("/plans", plans_router)
    api.add_router("/route-visits", routes_router)
    api.add_router("/training", training_router)
