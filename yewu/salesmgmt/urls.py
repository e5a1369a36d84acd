from django.urls import path

from .daily import pages
from .daily import views as daily
from .leaderboard import views as leaderboard
from .plans import views as plans
from .reports import views as reports
from .routes import views as routes
from .targets import views as targets

app_name = "salesmgmt"

urlpatterns = [
    path("", daily.my_day, name="my_day"),
    path("calls/", daily.log_call, name="log_call"),
    path("worklog/", daily.work_log, name="work_log"),
    path("corrections/", daily.correct, name="correct"),
    path("tables/", daily.tables, name="tables"),
    path("tables/draft/", daily.draft, name="draft"),
    path("tables/<int:pk>/", daily.table, name="table"),
    path("tables/<int:pk>/submit/", daily.submit, name="submit"),
    path("coaching/", daily.coaching, name="coaching"),
    path("coaching/<int:pk>/", daily.coach, name="coach"),
    path("targets/", targets.grid, name="targets"),
    path("targets/save/", targets.save, name="targets_save"),
    path("leaderboard/", leaderboard.board, name="leaderboard"),
    path("reports/", reports.report, name="report"),
    path("plans/", plans.plans, name="plans"),
    path("route-visits/", routes.route_visit, name="route_visit"),
    path("my-customers/", routes.my_customers, name="my_customers"),
    path("supervision/", pages.supervision, name="supervision"),
    path("training/", pages.training, name="training"),
    path("worklog/pdf/", pages.work_log_document, name="work_log_document"),
    path("targets/<int:pk>/days/", targets.move, name="targets_move"),
]
