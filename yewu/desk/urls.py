from django.urls import include, path

from .home import views as home
from .rules import views as rules

app_name = "desk"

urlpatterns = [
    path("", home.home, name="home"),
    path("home/charts/<slug:key>.xlsx", home.chart_xlsx, name="chart_xlsx"),
    path("rules/", rules.rule_list, name="rules"),
    path("rules/<str:rule_id>/", rules.rule_page, name="rule"),
    path("", include("yewu.desk.worklist.urls")),
]
