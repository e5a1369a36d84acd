"""Mounts the sales-management routers (SPEC §7) on the API."""


def register(api) -> None:
    from .targets.api import router as targets_router

    api.add_router("/targets", targets_router)
    for mod, prefix in (("daily", "/daily"), ("leaderboard", "/leaderboard"), ("plans", "/plans"),
                        ("routes", "/route-visits")):
        try:
            router = __import__(f"yewu.salesmgmt.{mod}.api", fromlist=["router"]).router
        except ModuleNotFoundError:  # a sub-area without an API yet
            continue
        api.add_router(prefix, router)
