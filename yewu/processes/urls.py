from django.urls import path

from . import views

app_name = "processes"
urlpatterns = [
    path("", views.process_list, name="list"),
    path("monitoring/", views.monitoring, name="monitoring"),
    path("improvement/", views.improvement, name="improvement"),
    path("reviews/<int:pk>/complete/", views.complete_review, name="complete_review"),
    path("reviews/<int:pk>/findings/", views.add_finding, name="add_finding"),
    path("findings/<int:pk>/rectify/", views.rectify, name="rectify"),
    path("findings/<int:pk>/verify/", views.verify, name="verify"),
    path("suggestions/<int:pk>/decide/", views.decide_suggestion, name="decide_suggestion"),
    path("definitions/<int:pk>/submit/", views.submit, name="submit"),
    path("definitions/<int:pk>/decide/", views.decide, name="decide"),
    path("steps/<int:pk>/", views.edit_step, name="edit_step"),
    path("<str:code>/", views.process_detail, name="detail"),
    path("<str:code>/new-version/", views.new_version, name="new_version"),
    path("<str:code>/suggest/", views.suggest, name="suggest"),
]
