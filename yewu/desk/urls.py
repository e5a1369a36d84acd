from django.urls import include, path

from .home import views as home

app_name = "desk"

urlpatterns = [
    path("", home.home, name="home"),
    path("home/charts/<slug:key>.xlsx", home.chart_xlsx, name="chart_xlsx"),
    path("", include("yewu.desk.worklist.urls")),
]
